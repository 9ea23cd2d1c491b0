import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, GAUSS, removeWorkDirs, TOY, workDir } from './helpers.js';

/** End to end: the HTML report opened in headless Chromium draws its charts with the inline script. */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
afterAll(removeWorkDirs);

if (!CHROMIUM) {
  console.warn('report-e2e: SKIPPED — no Chromium at /usr/bin/chromium (install the Debian package chromium; .ci/run does)');
}

describe.skipIf(!CHROMIUM)(`HTML report in headless Chromium${CHROMIUM ? '' : ' (SKIPPED: chromium not installed)'}`, () => {
  it('renders three charts with one point per run and the results table', async () => {
    const cwd = workDir();
    const r = await cli(['--plugin', TOY, '--methods', 'toy', '--dataset', GAUSS, '--toy-bits', '2,4,8', '--quiet', '--no-png', '--out', 'res'], cwd);
    expect(r.code).toBe(0);
    const url = pathToFileURL(join(cwd, 'res/report.html')).href;
    // Asynchronous, so the test worker keeps answering vitest while Chromium runs.
    const dump = async (page: string): Promise<string> => (await promisify(execFile)(CHROMIUM!, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-extensions',
      '--no-first-run', '--disable-dev-shm-usage', `--user-data-dir=${join(cwd, 'chrome-profile')}`, '--virtual-time-budget=5000', '--dump-dom', page,
    ], { encoding: 'utf8', timeout: 60_000 })).stdout;
    const dom = await dump(url);
    // Set by the inline script once every chart is drawn: proves the script ran without error.
    expect(dom).toContain('data-charts-rendered="3"');
    const body = dom.replace(/<script[\s\S]*?<\/script>/g, ''); // the inline renderer's source contains the same markup
    const charts = body.split('<svg xmlns="http://www.w3.org/2000/svg" class="chart"').slice(1);
    expect(charts).toHaveLength(3);
    for (const chart of charts) expect((chart.match(/<circle class="point"/g) ?? []).length).toBe(3);
    expect(body).toContain('class="trend"');
    expect(body).toContain('class="legend-item" data-series="Toy"');
    expect((body.match(/<tr>/g) ?? []).length).toBe(4); // header + 3 runs
    // Interactivity: clicking the legend entry hides the method's 3 points in the first chart.
    expect(await dump(`${url}#selftest`)).toContain('data-selftest="9:6"');
  });
});
