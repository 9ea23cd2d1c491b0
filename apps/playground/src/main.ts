import { renderChartSvg, chartSpecs } from '@reef/sweep/charts';
import { datasetKind } from './formats.js';
import { paramFields, paramSets } from './form.js';
import { uint8Npy } from './npy.js';
import type { DatasetBytes, EncodeRequest, EncodeResult, RunRequest, RunResult, SearchRequest, SearchResult } from './protocol.js';
import { createRegistry } from './registry.js';
import { asRunRow, TABLE_COLUMNS } from './results.js';
import { CancelledError, startEncode, startRun, startSearch, type RunHandle } from './runner.js';

/**
 * The playground page: pick a dataset and quantizers (forms built from the registered plugins'
 * parameter declarations), run every configuration in Web Workers, and see the sweep report's charts
 * and a results table with the model files and codes to download. Nothing leaves the page.
 */

/** The bundled dataset: fmnist-2k.js (made by the build) sets its bytes, base64, on this global. */
const BUNDLED_NAME = 'fmnist-2k-784-euclidean.hdf5';
declare global {
  interface Window {
    reefBundledDataset?: string;
    reefPlayground?: {
      run(request: RunRequest): Promise<RunResult>;
      encode(request: EncodeRequest): Promise<EncodeResult>;
      search(request: SearchRequest): Promise<SearchResult>;
      loadBundled(): Promise<DatasetBytes>;
    };
  }
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const plugins = createRegistry().quantizers();
const results: RunResult[] = [];
let dataset: DatasetBytes | undefined;
let running: RunHandle[] = [];

function loadBundled(): Promise<DatasetBytes> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      const base64 = window.reefBundledDataset!;
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      resolve({ name: BUNDLED_NAME, bytes });
    };
    if (window.reefBundledDataset) return done();
    const script = document.createElement('script');
    script.src = 'fmnist-2k.js';
    script.onload = done;
    script.onerror = () => reject(new Error('fmnist-2k.js did not load: build the playground with `pnpm playground`'));
    document.head.append(script);
  });
}

async function chooseDataset(source: 'bundled' | File): Promise<void> {
  const status = $('dataset-status');
  try {
    if (source === 'bundled') dataset = await loadBundled();
    else {
      if (!datasetKind(source.name)) throw new Error(`${source.name}: not a dataset file; drop an ann-benchmarks .hdf5, a .npy, an .fvecs or a .bvecs file`);
      dataset = { name: source.name, bytes: new Uint8Array(await source.arrayBuffer()) };
    }
    status.textContent = `${dataset.name} (${(dataset.bytes.length / 1e6).toFixed(1)} MB), read in the workers`;
    status.classList.remove('error');
  } catch (err) {
    dataset = undefined;
    status.textContent = (err as Error).message;
    status.classList.add('error');
  }
}

function download(bytes: Uint8Array, name: string, label: string): HTMLAnchorElement {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  a.download = name;
  a.textContent = label;
  return a;
}

function fileStem(r: RunResult): string {
  return `${r.pluginId}-${Object.entries(r.params).map(([k, v]) => `${k}${v}`).join('-')}-seed${r.seed}`.replace(/[^a-zA-Z0-9._-]/g, '_');
}

function renderResults(): void {
  const body = $('results').querySelector('tbody')!;
  body.replaceChildren(
    ...results.map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.method = r.pluginId;
      const name = document.createElement('td');
      name.textContent = r.configName;
      tr.append(name);
      for (const c of TABLE_COLUMNS) {
        const td = document.createElement('td');
        const v = c.value(r);
        td.textContent = v === null ? '—' : v.toFixed(c.digits);
        td.dataset.value = v === null ? '' : String(v);
        tr.append(td);
      }
      const files = document.createElement('td');
      files.append(download(r.model, `${fileStem(r)}.h5`, 'model'), ' ', download(uint8Npy(r.codes, r.count, r.codeSize), `${fileStem(r)}-codes.npy`, 'codes'));
      tr.append(files);
      return tr;
    }),
  );
  // recall@10 vs compression and MSE vs bits: the first two charts of the sweep report.
  const specs = results.length ? chartSpecs(results[0].datasetName.replace(/\.[^.]+$/, ''), results.map(asRunRow)).slice(0, 2) : [];
  // Two side by side on a laptop screen; otherwise the report's charts as they are.
  $('charts').innerHTML = specs.map((s) => renderChartSvg({ ...s, width: 525, height: 380 })).join('\n');
}

function setRunning(on: boolean): void {
  ($('run') as HTMLButtonElement).disabled = on;
  ($('cancel') as HTMLButtonElement).disabled = !on;
}

/** Set by the cancel button: lanes take no further runs, and the running ones are terminated. */
let cancelled = false;

async function runAll(): Promise<void> {
  const status = $('run-status');
  status.classList.remove('error');
  if (!dataset) await chooseDataset('bundled');
  if (!dataset) return;
  const chosen = [...document.querySelectorAll<HTMLInputElement>('.use-plugin:checked')].map((c) => c.dataset.plugin!);
  const seed = Number(($('seed') as HTMLInputElement).value);
  const requests: RunRequest[] = [];
  for (const id of chosen) {
    const box = document.querySelector<HTMLElement>(`fieldset[data-plugin="${CSS.escape(id)}"]`)!;
    for (const params of paramSets(box)) requests.push({ dataset, pluginId: id, params, seed });
  }
  if (requests.length === 0) {
    status.textContent = 'tick at least one quantizer';
    return;
  }
  // One worker per run, as many at once as the machine has cores to spare; cores left over go to
  // each run's own pool of workers, where the page may start workers from workers (not from file://).
  const spare = Math.max(1, (navigator.hardwareConcurrency || 2) - 1);
  const parallel = Math.min(requests.length, spare);
  const threads = location.protocol === 'file:' ? 1 : Math.max(1, Math.floor(spare / parallel));
  const fractions = new Array<number>(requests.length).fill(0);
  const bar = $('progress') as HTMLProgressElement;
  const errors: string[] = [];
  let next = 0;
  cancelled = false;
  bar.value = 0;
  setRunning(true);
  const lane = async (): Promise<void> => {
    while (next < requests.length && !cancelled) {
      const i = next++;
      const handle = startRun({ ...requests[i], threads }, (phase, fraction) => {
        fractions[i] = fraction;
        bar.value = fractions.reduce((a, b) => a + b, 0) / requests.length;
        status.textContent = `${requests[i].pluginId}: ${phase}`;
      });
      running.push(handle);
      try {
        results.push(await handle.result);
        renderResults();
      } catch (err) {
        if (!(err instanceof CancelledError)) errors.push(`${requests[i].pluginId} ${JSON.stringify(requests[i].params)}: ${(err as Error).message}`);
      } finally {
        fractions[i] = 1;
        running = running.filter((h) => h !== handle);
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  setRunning(false);
  bar.value = cancelled ? 0 : 1;
  status.textContent = cancelled ? 'cancelled' : errors.length ? errors.join('\n') : `done: ${requests.length} run${requests.length > 1 ? 's' : ''}`;
  status.classList.toggle('error', errors.length > 0);
}

function cancelAll(): void {
  cancelled = true;
  for (const h of running) h.cancel();
}

function init(): void {
  const list = $('quantizers');
  for (const plugin of plugins) list.append(paramFields(plugin));
  $('dataset-bundled').addEventListener('change', () => void chooseDataset('bundled'));
  const fileInput = $('dataset-file') as HTMLInputElement;
  fileInput.addEventListener('change', () => {
    if (fileInput.files?.[0]) void chooseDataset(fileInput.files[0]);
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) {
      ($('dataset-own') as HTMLInputElement).checked = true;
      void chooseDataset(file);
    }
  });
  $('run').addEventListener('click', () => void runAll());
  $('cancel').addEventListener('click', cancelAll);
  setRunning(false);
  // For the browser tests and scripts: one run exactly as the page makes it.
  window.reefPlayground = {
    run: (request) => startRun(request, () => {}).result,
    encode: (request) => startEncode(request).result,
    search: (request) => startSearch(request).result,
    loadBundled,
  };
}

init();
