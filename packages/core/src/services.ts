/**
 * Services: what a host lends its plugins instead of plugins reaching for Node APIs or the console
 * themselves. A service is named by a token exported from here; the host provides a value for it on
 * its Registry, a plugin module declares the tokens it cannot work without (`requires`) and reads
 * them from `host.services` in `register(host)`.
 */
import { ReefError } from './errors.js';
import { SILENT_PROGRESS, type ProgressReporter } from './progress.js';

/**
 * Names one service and the interface its value implements. `createDefault`, where present, is what
 * a registry uses when the host provides nothing, so simple hosts need not provide every service.
 */
export interface ServiceToken<T> {
  /** Key in the registry's DI container; `Symbol.for`, so copies of core agree on it. */
  readonly key: symbol;
  /** The exported constant's name, as error messages show it, e.g. `COMPUTE_POOL`. */
  readonly name: string;
  /** One line saying what the service does, for error messages. */
  readonly description: string;
  readonly createDefault?: () => T;
}

export function serviceToken<T>(name: string, description: string, createDefault?: () => T): ServiceToken<T> {
  if (!/^[A-Z][A-Z0-9_]*$/.test(name)) {
    throw new ReefError('INVALID_PARAM', `service token name ${JSON.stringify(name)} must be upper-case letters, digits and '_' (the exported constant's name)`);
  }
  return { key: Symbol.for(`reef:service:${name}`), name, description, createDefault };
}

/** The services a host made available, as a plugin sees them. */
export interface Services {
  /** The service's value; a MISSING_SERVICE ReefError naming it when the host provides none. */
  get<T>(token: ServiceToken<T>): T;
  /** The service's value, or undefined when the host provides none (for services a plugin can do without). */
  find<T>(token: ServiceToken<T>): T | undefined;
}

// ---- Compute pool -------------------------------------------------------------------------------

/**
 * Work a compute pool runs: a module a worker can import (its default export is the handler) and
 * the same handler loaded here, for pools without workers. Handlers must give the same reply
 * wherever they run, so results never depend on the pool.
 */
export interface ComputeTask<J, R> {
  /** ES module URL whose default export is `handler`; what each worker thread imports. */
  readonly module: URL;
  readonly handler: ComputeTaskHandler<J, R>;
}

export interface ComputeTaskHandler<J, R> {
  run(job: J): R | Promise<R>;
  /** Buffers of a reply to move back to the caller rather than copy. */
  transfer?(reply: R): ArrayBuffer[];
}

const TASK_HANDLERS = new Map<string, ComputeTaskHandler<unknown, unknown>>();

/**
 * Declares a compute task, and records its handler under the module's URL. Worker threads import
 * the module by URL; a worker that runs a bundle (a browser app's) has no module files to import,
 * so it finds the handler here instead, registered when the bundle evaluated the declaring module.
 */
export function computeTask<J, R>(module: URL, handler: ComputeTaskHandler<J, R>): ComputeTask<J, R> {
  TASK_HANDLERS.set(module.href, handler as ComputeTaskHandler<unknown, unknown>);
  return { module, handler };
}

/** The handler `computeTask` recorded for a module URL in this JavaScript realm, if any. */
export function registeredTaskHandler(moduleHref: string): ComputeTaskHandler<unknown, unknown> | undefined {
  return TASK_HANDLERS.get(moduleHref);
}

/** One job of a batch and the buffers to move (not copy) to the worker with it. */
export interface ComputeJob<J> {
  readonly job: J;
  readonly transfer?: readonly ArrayBuffer[];
}

export interface ComputeRunOptions {
  /** Most jobs at once for this batch; 0 or absent: the pool's `threads`. */
  readonly threads?: number;
}

/**
 * Runs batches of independent jobs, on worker threads or on the calling thread. `run` makes job i
 * with `makeJob(i)` when a worker is free (so only a few jobs exist at once), hands each reply to
 * `onReply` as it arrives (in any order), and settles when all `count` replies are in; it rejects
 * with the first job's error (a handler's ReefError keeps its code).
 */
export interface ComputePool {
  /** Jobs that can run at the same time: 1 for a single-thread pool. */
  readonly threads: number;
  run<J, R>(
    task: ComputeTask<J, R>,
    count: number,
    makeJob: (index: number) => ComputeJob<J>,
    onReply: (reply: R, index: number) => void,
    options?: ComputeRunOptions,
  ): Promise<void>;
  /** Stops the pool's workers; a closed pool refuses new batches. */
  close(): Promise<void>;
}

/**
 * Runs jobs on worker threads or in the calling thread. No default: core has no implementation.
 * `@reef/kernels` has `singleThreadPool` (anywhere) and `NodeWorkerPool` (`@reef/kernels/node`).
 */
export const COMPUTE_POOL: ServiceToken<ComputePool> = serviceToken('COMPUTE_POOL', 'runs compute jobs on worker threads (NodeWorkerPool from @reef/kernels/node, WebWorkerPool from @reef/kernels/browser) or on one thread (singleThreadPool from @reef/kernels)');

// ---- Warnings -----------------------------------------------------------------------------------

/** Where plugins report problems that do not stop the work (e.g. too few training points). */
export interface WarningSink {
  /** `source`: who warns, e.g. a plugin id. */
  warn(message: string, source?: string): void;
}

/** A warning sink that keeps what it is told (the default: plugins never print). */
export class CollectingWarnings implements WarningSink {
  readonly messages: { readonly message: string; readonly source?: string }[] = [];
  warn(message: string, source?: string): void {
    this.messages.push({ message, source });
  }
}

/** A warning sink that writes each warning as a line, e.g. to a CLI's stderr: `warning (pq): …`. */
export class WrittenWarnings implements WarningSink {
  constructor(private readonly write: (line: string) => void) {}
  warn(message: string, source?: string): void {
    this.write(`warning${source ? ` (${source})` : ''}: ${message}`);
  }
}

/** Where plugins send warnings. Default: a CollectingWarnings per registry. */
/**
 * Which package provides each plugin id the host knows of, so that an unknown id can name the
 * package to install. Core knows no plugin by name: a host that ships with first-party plugins
 * (the reef CLI) provides their catalog; without one, the error explains --plugin.
 */
export type PluginCatalog = Readonly<Record<string, string>>;
export const PLUGIN_CATALOG: ServiceToken<PluginCatalog> = serviceToken('PLUGIN_CATALOG', 'names the package that provides each plugin id the host knows of', () => ({}));

export const WARNINGS: ServiceToken<WarningSink> = serviceToken('WARNINGS', 'receives warnings from plugins', () => new CollectingWarnings());

// ---- Progress -----------------------------------------------------------------------------------

export { SILENT_PROGRESS, WrittenProgress, TerminalProgress, formatSize, formatDuration } from './progress.js';
export type { ProgressReporter, ProgressAmount, TerminalLike, TerminalProgressOptions } from './progress.js';

/** Where plugins report progress. Default: SILENT_PROGRESS. */
export const PROGRESS: ServiceToken<ProgressReporter> = serviceToken('PROGRESS', 'receives progress of long-running work (plugins, the store)', () => SILENT_PROGRESS);

export function missingService(token: ServiceToken<unknown>, who: string): ReefError {
  return new ReefError(
    'MISSING_SERVICE',
    `${who} needs the ${token.name} service (${token.description}), which this host does not provide; the host must call registry.provide(${token.name}, value) before loading it`,
  );
}
