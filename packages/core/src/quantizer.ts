import type { ParamGrid, ParamSpec, Params } from './params.js';
import type { PortableData } from './portable.js';
import type { Vectors } from './vectors.js';

/** Distance used by asymmetric search: squared L2 (smaller is closer) or inner product (larger is closer). */
export type Metric = 'l2' | 'ip';

export interface FitOptions {
  /** Seed for every random choice made while training; same seed + same data = same model. */
  readonly seed?: number;
  /** Called with a fraction in [0, 1] as training progresses (for progress bars). */
  readonly onProgress?: (fraction: number) => void;
}

/**
 * Distances from one query to many codes, computed without decoding (asymmetric distance
 * computation): typically a per-query lookup table, then one table read per sub-code.
 */
export interface CodeDistances {
  /**
   * Writes into `out` (allocated if absent) one value per code in `codes`: the estimated squared L2
   * distance for metric 'l2', the estimated inner product for 'ip'.
   */
  distances(codes: Uint8Array, out?: Float32Array): Float32Array;
}

export interface AsymmetricSearch {
  readonly metrics: readonly Metric[];
  /**
   * True when the distances equal (up to float rounding) those between the query and the decoded
   * vectors, as for PQ lookup tables; false for estimators such as RaBitQ's. The testkit checks it.
   */
  readonly exactOnDecoded: boolean;
  /** Prepares the query-dependent state (e.g. lookup tables) for scanning codes. */
  prepare(query: Float32Array, metric: Metric): CodeDistances;
  /**
   * Optional: the `k` nearest codes of every query at once, with the search time the method measured
   * itself. For methods that search in another process (baselines such as FAISS), where one call per
   * query would time process start-up and data transfer instead of the search. Hosts that measure
   * search speed use it when present.
   */
  searchBatch?(codes: Uint8Array, queries: Vectors, k: number, metric: Metric): BatchSearchResult;
}

/** `searchBatch`'s answer: `k` code indices per query, best first, and the time of the search alone. */
export interface BatchSearchResult {
  readonly ids: Int32Array;
  readonly k: number;
  /** Milliseconds around the library's search call, measured by the method (no process start, no data transfer). */
  readonly searchMs: number;
}

/**
 * Milliseconds a quantizer measured itself around its last fit, encode and decode, for methods whose
 * work runs in another process: the library calls alone, without process start-up or data transfer.
 * Hosts report these instead of their own clocks when present.
 */
export interface SelfTimings {
  readonly fitMs?: number;
  readonly encodeMs?: number;
  readonly decodeMs?: number;
}

/** A trained or untrained instance of a quantization method. */
export interface Quantizer {
  /** Id of the plugin that made it, e.g. `sq`. */
  readonly pluginId: string;
  /** Resolved parameters (defaults applied). */
  readonly params: Params;
  readonly isTrained: boolean;
  /** Input dimension; throws NOT_TRAINED before fit. */
  readonly dim: number;
  /** Bytes per encoded vector, everything stored per vector included (e.g. norms, correction factors). */
  readonly codeSize: number;
  fit(train: Vectors, options?: FitOptions): Promise<void>;
  /** Packs `vectors.count` codes of `codeSize` bytes each, back to back. */
  encode(vectors: Vectors): Uint8Array;
  /** Reconstructs `codes.length / codeSize` vectors as one flat Float32Array. */
  decode(codes: Uint8Array): Float32Array;
  /** Bytes of the trained model (codebooks, rotations, ranges) as `save()` stores them. */
  modelBytes(): number;
  /** The trained model in portable form. */
  save(): SavedModel;
  /** Present when the method can rank codes against a float query without decoding. */
  readonly search?: AsymmetricSearch;
  /** Present when the method times its own work (see SelfTimings); read after each call. */
  readonly selfTimings?: SelfTimings;
}

/** A trained model in portable form, tagged with the plugin that can load it. */
export interface SavedModel extends PortableData {
  readonly pluginId: string;
  readonly apiVersion: number;
  readonly params: Params;
}

/** What a quantizer plugin registers: a self-describing factory. */
export interface QuantizerPlugin {
  readonly kind: 'quantizer';
  /** Short id used in CLIs, configs and saved models, e.g. `pq`. Lower-case letters, digits, '-'. */
  readonly id: string;
  /** Display name for tables and legends, e.g. `PQ`. */
  readonly label: string;
  readonly summary: string;
  /** The plugin API version it was written against (see PLUGIN_API_VERSION). */
  readonly apiVersion: number;
  /** npm package that provides it, filled in by discovery when absent. */
  packageName?: string;
  readonly params: readonly ParamSpec[];
  /** Values swept when a sweep names the method without a grid (`pnpm sweep --methods all`). */
  readonly defaultGrid: ParamGrid;
  /**
   * Optional: a few cheap configurations for the quick run (`pnpm sweep` with no arguments), which
   * must finish within a minute for every installed method together on 2 cores. Pick values that
   * fit, encode and search ~2,000 vectors of a few hundred dimensions in a few seconds. Absent:
   * one configuration with every parameter at its default.
   */
  readonly quickGrid?: ParamGrid;
  /**
   * Checks combinations the per-parameter declarations cannot (e.g. m ≤ dim). Returns a reason
   * when the configuration is invalid for data of dimension `dim`, undefined when it is fine.
   */
  validate?(params: Params, dim: number): string | undefined;
  /** A new untrained quantizer; `params` are already resolved and validated. */
  create(params: Params): Quantizer;
  /** Rebuilds a trained quantizer from `save()` output, in any process. */
  load(saved: SavedModel): Quantizer;
  /**
   * Optional: set on a baseline, another library's implementation of a method run for comparison
   * (e.g. FAISS's PQ): the id of the Reef method it matches (`pq`). Hosts mark its results and
   * compare them with that method's results for the same parameters.
   */
  readonly baselineOf?: string;
  /**
   * Optional: why the method cannot run here (e.g. an external tool is missing), one line; undefined
   * when it can. Hosts list an unavailable method with the reason and do not run it. May be slow the
   * first time (it may start a process); call it only when the answer is needed, and cache it.
   */
  unavailable?(): string | undefined;
}
