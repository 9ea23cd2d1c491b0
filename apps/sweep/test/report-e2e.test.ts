import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { cli, GAUSS, removeWorkDirs, TOY, workDir } from './helpers.js';

/**
 * End to end: the HTML report of a real sweep, opened in headless Chromium (Debian's, driven by
 * playwright-core) at a laptop width and a narrow one. Screenshots are kept in the test's temp folder
 * (printed) while it runs; the checks are on the laid-out page.
 */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
afterAll(removeWorkDirs);

if (!CHROMIUM) {
  console.warn('report-e2e: SKIPPED — no Chromium at /usr/bin/chromium (install the Debian package chromium; .ci/run does)');
}

/** What the test measures in the page (computed by the browser's layout). */
interface Layout {
  viewport: number;
  scrollWidth: number;
  /** Elements whose right edge passes the viewport. */
  tooWide: string[];
  charts: { id: string; xLog: boolean; yLog: boolean; xTicks: number[]; yTicks: number[]; xRange: number[]; yRange: number[] }[];
  /** Per results table: its last header cell's right edge, and whether that cell is what the page shows at its centre. */
  lastColumns: { group: string; right: number; onTop: boolean }[];
  /** Page height below the last element's bottom edge. */
  blankBelow: number;
  rows: number;
}

describe.skipIf(!CHROMIUM)(`HTML report in headless Chromium${CHROMIUM ? '' : ' (SKIPPED: chromium not installed)'}`, () => {
  let browser: Browser;
  let cwd: string;
  let url: string;
  beforeAll(async () => {
    cwd = workDir();
    // Two methods, 8 configurations: the report's charts, legend and every column group.
    const r = await cli(['--plugin', TOY, '--methods', 'toy,sq', '--dataset', GAUSS, '--toy-bits', '2,4,8', '--quiet', '--no-png', '--out', 'res'], cwd);
    expect(r.code, r.stderr).toBe(0);
    url = pathToFileURL(join(cwd, 'res/report.html')).href;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  for (const width of [1400, 800]) {
    it(`at ${width} px: nothing wider than the window, every table column on screen, log axes with ≥ 4 ticks, recall within [0, 1], no blank area`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      try {
        await page.goto(url);
        await page.waitForSelector('body[data-charts-rendered="3"]');
        const shot = join(cwd, `report-${width}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        expect(statSync(shot).size).toBeGreaterThan(10_000);
        console.log(`report-e2e: screenshot ${shot}`);
        const layout: Layout = await page.evaluate(() => {
          const vw = document.documentElement.clientWidth;
          const all = Array.from(document.querySelectorAll('body *')).filter((e) => (e as HTMLElement).id !== 'tooltip' && e.getBoundingClientRect().width > 0);
          const nums = (s: string | null): number[] => (s ?? '').split(' ').filter(Boolean).map(Number);
          const lastColumns = Array.from(document.querySelectorAll('table.results')).map((t) => {
            const th = t.querySelector('thead th:last-child') as HTMLElement;
            th.scrollIntoView({ block: 'center', inline: 'nearest' });
            const r = th.getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return { group: t.getAttribute('data-group') ?? '', right: r.right, onTop: hit !== null && th.contains(hit) };
          });
          window.scrollTo(0, 0);
          return {
            viewport: vw,
            scrollWidth: document.documentElement.scrollWidth,
            tooWide: all.filter((e) => e.getBoundingClientRect().right > vw + 0.5).map((e) => `${e.tagName.toLowerCase()}.${e.getAttribute('class') ?? ''}#${e.id}`),
            charts: Array.from(document.querySelectorAll('svg.chart')).map((s) => ({
              id: s.id,
              xLog: s.getAttribute('data-x-log') === '1',
              yLog: s.getAttribute('data-y-log') === '1',
              xTicks: Array.from(s.querySelectorAll('.tick-x')).map((t) => Number(t.textContent)),
              yTicks: Array.from(s.querySelectorAll('.tick-y')).map((t) => Number(t.textContent)),
              xRange: nums(s.getAttribute('data-x-range')),
              yRange: nums(s.getAttribute('data-y-range')),
            })),
            lastColumns,
            blankBelow: document.documentElement.scrollHeight - Math.max(...all.map((e) => e.getBoundingClientRect().bottom + window.scrollY)),
            rows: document.querySelectorAll('table.results[data-group="Size"] tbody tr').length,
          };
        });
        expect(layout.viewport).toBe(width);
        expect(layout.tooWide, layout.tooWide.join(', ')).toEqual([]);
        expect(layout.scrollWidth).toBeLessThanOrEqual(width);
        expect(layout.rows).toBe(8);
        expect(layout.lastColumns.length).toBeGreaterThanOrEqual(4);
        for (const c of layout.lastColumns) {
          expect(c.right, `${c.group}: last column's right edge`).toBeLessThanOrEqual(width);
          expect(c.onTop, `${c.group}: last column visible`).toBe(true);
        }
        expect(layout.charts).toHaveLength(3);
        for (const c of layout.charts) {
          if (c.xLog) expect(c.xTicks.length, `${c.id} x ticks ${c.xTicks.join(' ')}`).toBeGreaterThanOrEqual(4);
          if (c.yLog) expect(c.yTicks.length, `${c.id} y ticks ${c.yTicks.join(' ')}`).toBeGreaterThanOrEqual(4);
          const recallAxis = c.id.startsWith('recall-vs-compression') ? c.yRange : c.id.startsWith('recall-vs-qps') ? c.xRange : undefined;
          if (recallAxis) {
            expect(recallAxis[0]).toBeGreaterThanOrEqual(0);
            expect(recallAxis[1], `${c.id}: recall axis`).toBeLessThanOrEqual(1);
            expect(Math.max(...(c.id.startsWith('recall-vs-compression') ? c.yTicks : c.xTicks))).toBeLessThanOrEqual(1);
          }
        }
        // The page ends where its content does (body margin aside).
        expect(layout.blankBelow).toBeLessThan(60);
      } finally {
        await page.close();
      }
    });
  }

  it('draws one point per run, hides a method from its legend entry, sorts a column on click', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await page.goto(`${url}#selftest`);
      await page.waitForSelector('body[data-charts-rendered="3"]');
      const charts = page.locator('#charts svg.chart');
      expect(await charts.count()).toBe(3);
      // The first chart lost the method #selftest hid (below); the others show every run.
      expect([3, 5]).toContain(await charts.nth(0).locator('circle.point').count());
      for (let i = 1; i < 3; i++) expect(await charts.nth(i).locator('circle.point').count()).toBe(8);
      expect(await page.locator('polyline.trend').count()).toBeGreaterThan(0);
      // #selftest clicked the first legend entry in the first chart: SQ's 5 points or Toy's 3 go.
      expect(['24:19', '24:21']).toContain(await page.getAttribute('body', 'data-selftest'));
      const qps = page.locator('table.results[data-group="Speed and memory"] th[data-col="qps"]');
      await qps.click();
      const values = await page.locator('table.results[data-group="Speed and memory"] tbody tr td:nth-child(6)').evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-v'))));
      expect(values).toEqual([...values].sort((a, b) => a - b));
    } finally {
      await page.close();
    }
  });
});
