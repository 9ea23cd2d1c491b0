import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { COMPUTE_POOL, type Registry } from '@reef/core';
import { createNodeRegistry } from '@reef/core/node';
import { clusteredVectors, encodeVecs, holdOutQueries, loadDataset, parseVecs, type Dataset } from '@reef/datasets';
import { loadModelFile, saveModelFile } from '@reef/hdf5';
import { recallAtK } from '@reef/kernels';
import { NodeWorkerPool } from '@reef/kernels/node';
import { measureQuantizer } from '@reef/metrics';
import type { FastScanQuantizer } from '@reef/quantizer-pq';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The playground in Debian's Chromium (no browser download): the page's results against Node's for
// the same seed, model files both ways, and the same codes in both for every quantizer. Node uses a
// 2-thread worker pool, the page one thread per worker: the results must not depend on it.
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`playground browser tests skipped: no Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`);

const app = new URL('..', import.meta.url).pathname;
const SEED = 1;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The data part of a .npy the page wrote (header length at bytes 8-9, format 1.0). */
function npyData(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(10 + (bytes[8] | (bytes[9] << 8)));
}

/** Waits until the page's runs are over: finished, cancelled or failed. */
async function waitForRunEnd(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const status = document.querySelector('#run-status')!;
    return /^(done|cancelled)/.test(status.textContent ?? '') || status.classList.contains('error');
  }, undefined, { timeout: 280_000 });
}

describe.skipIf(!hasChromium)('playground in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let registry: Registry;
  let pool: NodeWorkerPool;
  let fmnist: Dataset;
  let tmp: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    execFileSync(process.execPath, [join(app, 'scripts/build.mjs')], { stdio: 'pipe' }); // the page of these sources
    tmp = mkdtempSync(join(tmpdir(), 'reef-playground-'));
    pool = new NodeWorkerPool({ threads: 2 });
    registry = await createNodeRegistry({ roots: [app], provide: (r) => r.provide(COMPUTE_POOL, pool) });
    fmnist = await loadDataset('fmnist-2k', { cacheDir: tmp });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ acceptDownloads: true });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // From file://, as a user opens it offline: nothing to serve.
    await page.goto(pathToFileURL(join(app, 'dist/index.html')).href);
  });

  afterAll(async () => {
    await browser?.close();
    await pool?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('lists every registered quantizer with the parameters its plugin declares', async () => {
    const forms = await page.$$eval('fieldset.params', (sets) => sets.map((s) => ({ id: (s as HTMLElement).dataset.plugin, params: [...s.querySelectorAll('[data-param]')].map((i) => (i as HTMLElement).dataset.param) })));
    const expected = registry.quantizers().map((p) => ({ id: p.id, params: p.params.map((s) => s.name) }));
    expect(forms.sort((a, b) => a.id!.localeCompare(b.id!))).toEqual(expected.sort((a, b) => a.id.localeCompare(b.id)));
  });

  it('runs SQ and PQ on fmnist-2k: the table matches Node for the same seed; the model and codes download and load in Node', async () => {
    await page.locator('input.use-plugin[data-plugin="sq"]').check();
    await page.locator('input.use-plugin[data-plugin="pq"]').check();
    await page.locator('#seed').fill(String(SEED));
    await page.click('#run');
    await waitForRunEnd(page);
    expect(await page.textContent('#run-status')).toBe('done: 2 runs');
    expect(await page.evaluate(() => (document.querySelector('#progress') as HTMLProgressElement).value)).toBe(1);
    const rows = await page.$$eval('#results tbody tr', (trs) =>
      trs.map((tr) => ({ method: (tr as HTMLElement).dataset.method!, mse: Number((tr as HTMLTableRowElement).cells[3].dataset.value), recall10: Number((tr as HTMLTableRowElement).cells[4].dataset.value) })),
    );
    expect(rows.map((r) => r.method).sort()).toEqual(['pq', 'sq']);
    // Both charts of the sweep report, one point per run.
    expect(await page.locator('#charts svg').count()).toBe(2);
    expect(await page.locator('#charts svg').first().locator('circle.point').count()).toBe(2);

    for (const row of rows) {
      const quantizer = registry.createQuantizer(row.method, {}, fmnist.base.dim);
      const node = await measureQuantizer(quantizer, fmnist, { seed: SEED });
      expect(row.recall10).toBe(node.recall10_adc ?? node.recall10_decoded);
      expect(Math.abs(row.mse - node.mse)).toBeLessThanOrEqual(1e-9 * node.mse);
      expect(row.recall10).toBeGreaterThan(0.3);

      const pqRow = page.locator(`#results tr[data-method="${row.method}"]`);
      const [modelDownload] = await Promise.all([page.waitForEvent('download'), pqRow.locator('a', { hasText: 'model' }).click()]);
      const modelPath = join(tmp, `page-${row.method}.h5`);
      await modelDownload.saveAs(modelPath);
      const [codesDownload] = await Promise.all([page.waitForEvent('download'), pqRow.locator('a', { hasText: 'codes' }).click()]);
      const codesPath = join(tmp, `page-${row.method}-codes.npy`);
      await codesDownload.saveAs(codesPath);

      // The page's model, loaded in Node, encodes to the page's codes, which are Node's own for this seed.
      const loaded = registry.quantizer(row.method).load(await loadModelFile(modelPath));
      const nodeCodes = quantizer.encode(fmnist.base);
      expect(sha256(loaded.encode(fmnist.base))).toBe(sha256(nodeCodes));
      expect(sha256(npyData(readFileSync(codesPath)))).toBe(sha256(nodeCodes));
    }
  });

  it('cancels a run: its worker stops and no row is added', async () => {
    const before = await page.locator('#results tbody tr').count();
    await page.locator('input.use-plugin').evaluateAll((boxes) => boxes.forEach((b) => ((b as HTMLInputElement).checked = false)));
    await page.locator('input.use-plugin[data-plugin="opq"]').check();
    await page.click('#run');
    await page.waitForFunction(() => /fit/.test(document.querySelector('#run-status')?.textContent ?? ''), undefined, { timeout: 120_000 });
    await page.click('#cancel');
    await waitForRunEnd(page);
    expect(await page.textContent('#run-status')).toBe('cancelled');
    expect(await page.locator('#results tbody tr').count()).toBe(before);
    expect(await page.locator('#run').isEnabled()).toBe(true);
  });

  it('loads a model trained in Node and encodes with it to the same codes', async () => {
    const quantizer = registry.createQuantizer('pq', { m: 16, nbits: 4 }, fmnist.base.dim);
    await quantizer.fit(fmnist.base, { seed: 5 });
    const modelPath = join(tmp, 'node-pq.h5');
    await saveModelFile(modelPath, quantizer.save());
    const inPage = await page.evaluate(async (base64) => {
      const model = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const dataset = await window.reefPlayground!.loadBundled();
      const r = await window.reefPlayground!.encode({ dataset, model });
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', r.codes as Uint8Array<ArrayBuffer>));
      return { pluginId: r.pluginId, sha: [...digest].map((b) => b.toString(16).padStart(2, '0')).join(''), length: r.codes.length };
    }, readFileSync(modelPath).toString('base64'));
    const codes = quantizer.encode(fmnist.base);
    expect(inPage).toEqual({ pluginId: 'pq', sha: sha256(codes), length: codes.length });
  });

  it('fast-scan PQ (pq-fs): the page trains to the codes of Node for the same seed, and its swizzle scan finds the same top 10 with the same distances', async () => {
    const params = { m: 16 };
    const seed = 7;
    const inPage = await page.evaluate(
      async ({ params, seed }) => {
        const hex = async (bytes: Uint8Array): Promise<string> =>
          [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))].map((b) => b.toString(16).padStart(2, '0')).join('');
        const dataset = await window.reefPlayground!.loadBundled();
        const run = await window.reefPlayground!.run({ dataset, pluginId: 'pq-fs', params, seed });
        // The page's own model, searched in the page: its searchBatch scans the u8 tables in WASM SIMD.
        const found = await window.reefPlayground!.search({ dataset, model: run.model, k: 10 });
        return {
          runCodes: await hex(run.codes),
          searchCodes: await hex(found.codes),
          queryCount: found.queryCount,
          ids: Array.from(found.ids),
          scores: Array.from(found.scores),
          wasmKernels: found.wasmKernels,
        };
      },
      { params, seed },
    );
    const quantizer = registry.createQuantizer('pq-fs', params, fmnist.base.dim) as FastScanQuantizer;
    await quantizer.fit(fmnist.base, { seed });
    const codes = quantizer.encode(fmnist.base);
    // Node on its 2-thread pool: the fast scan's results do not depend on the threads.
    const node = await quantizer.searchBatch(fmnist.queries, codes, 10, 'l2');
    expect(inPage.runCodes).toBe(sha256(codes));
    expect(inPage.searchCodes).toBe(sha256(codes));
    expect(inPage.queryCount).toBe(fmnist.queries.count);
    expect(inPage.wasmKernels).toBe(true);
    expect(inPage.ids).toEqual(Array.from(node.ids));
    expect(inPage.scores).toEqual(Array.from(node.scores));
    // A real search, not a degenerate one: its recall@10 is PQ's kind (0.2 on full Fashion-MNIST).
    const { ids: truth, k: truthK } = fmnist.groundTruth;
    expect(recallAtK(node.ids, 10, truth, truthK, fmnist.queries.count, 10)).toBeGreaterThan(0.2);
  });

  it('gives the same codes as Node for the same seed, for every quantizer', async () => {
    const dim = 32;
    const all = clusteredVectors({ count: 600, dim, seed: 11 });
    const bytes = encodeVecs(all.data as Float32Array, dim);
    // The page holds out queries as loadDataset does (seed 1, 10% up to 100): fit and encode the rest.
    const base = holdOutQueries(parseVecs(bytes, 'fvecs') as typeof all, 60, 1).base;
    const checked: string[] = [];
    for (const plugin of registry.quantizers()) {
      const quantizer = registry.createQuantizer(plugin.id, {}, dim);
      await quantizer.fit(base, { seed: 3 });
      const nodeCodes = quantizer.encode(base);
      const inPage = await page.evaluate(
        async ({ base64, pluginId }) => {
          const dataset = { name: 'clustered.fvecs', bytes: Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)) };
          const r = await window.reefPlayground!.run({ dataset, pluginId, params: {}, seed: 3 });
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', r.codes as Uint8Array<ArrayBuffer>));
          return { sha: [...digest].map((b) => b.toString(16).padStart(2, '0')).join(''), count: r.count, wasmKernels: r.wasmKernels };
        },
        { base64: Buffer.from(bytes).toString('base64'), pluginId: plugin.id },
      );
      // The kernels' WASM modules (embedded, no file to fetch) load in the page's workers too.
      expect({ plugin: plugin.id, ...inPage }).toEqual({ plugin: plugin.id, sha: sha256(nodeCodes), count: base.count, wasmKernels: true });
      checked.push(plugin.id);
    }
    expect(checked.length).toBeGreaterThanOrEqual(6);
    expect(pageErrors).toEqual([]);
  });
});

// Served over http a run may start workers of its own (a WebWorkerPool running pool-worker.ts); a
// page from file:// may not, and the page keeps to one thread there.
describe.skipIf(!hasChromium)('playground over http: runs on a WebWorkerPool', () => {
  let server: ChildProcess;
  let browser: Browser;
  let page: Page;
  let registry: Registry;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(app, 'scripts/build.mjs')], { stdio: 'pipe' });
    server = spawn(process.execPath, [join(app, 'scripts/serve.mjs')], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve, reject) => {
      server.stdout!.on('data', (chunk) => {
        const found = /http:\/\/127\.0\.0\.1:\d+\//.exec(String(chunk));
        if (found) resolve(found[0]);
      });
      server.on('exit', (code) => reject(new Error(`serve.mjs exited (${code})`)));
    });
    registry = await createNodeRegistry({ roots: [app] });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage();
    await page.goto(url);
  });

  afterAll(async () => {
    await browser?.close();
    server?.kill();
  });

  it('PQ trained on 2 pool workers gives the codes of one thread in Node', async () => {
    const dim = 32;
    const all = clusteredVectors({ count: 600, dim, seed: 13 });
    const bytes = encodeVecs(all.data as Float32Array, dim);
    const base = holdOutQueries(parseVecs(bytes, 'fvecs') as typeof all, 60, 1).base;
    // PQ's own `threads` parameter makes it use the pool even for this small set.
    const params = { m: 8, nbits: 6, threads: 2 };
    const quantizer = registry.createQuantizer('pq', params, dim);
    await quantizer.fit(base, { seed: 2 });
    const inPage = await page.evaluate(
      async ({ base64, params }) => {
        const dataset = { name: 'clustered.fvecs', bytes: Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)) };
        const r = await window.reefPlayground!.run({ dataset, pluginId: 'pq', params, seed: 2, threads: 2 });
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', r.codes as Uint8Array<ArrayBuffer>));
        return { sha: [...digest].map((b) => b.toString(16).padStart(2, '0')).join(''), jobsInPool: r.jobsInPool };
      },
      { base64: Buffer.from(bytes).toString('base64'), params },
    );
    expect(inPage.sha).toBe(sha256(quantizer.encode(base)));
    expect(inPage.jobsInPool).toBeGreaterThan(0);
  });
});

