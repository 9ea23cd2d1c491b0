import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderChartSvg, reportHtml, writeReport, type RunRow } from '../src/index.js';
import { chartSpecs } from '../src/charts.js';
import { readRows, removeWorkDirs, TOY, GAUSS, cli, workDir } from './helpers.js';

afterAll(removeWorkDirs);

const pointsOf = (svg: string): number => (svg.match(/<circle class="point"/g) ?? []).length;

describe('charts', () => {
  it('draws the Pareto front through the points no other point beats on both axes', () => {
    const svg = renderChartSvg({
      id: 't', title: 'T', xLabel: 'recall', yLabel: 'qps', yLog: true,
      series: [{ name: 'A', color: '#000', line: 'pareto', points: [
        { x: 0.3, y: 4000, label: 'a' }, { x: 0.4, y: 3000, label: 'b' }, { x: 0.35, y: 1000, label: 'dominated' }, { x: 0.9, y: 10, label: 'c' },
      ] }],
    });
    expect(pointsOf(svg)).toBe(4);
    const front = /<polyline class="pareto"[^>]*points="([^"]+)"/.exec(svg)![1].split(' ');
    expect(front).toHaveLength(3); // a, b, c: 'dominated' has lower recall and lower QPS than b
  });

  it('leaves out hidden series and non-positive values on log axes', () => {
    const svg = renderChartSvg({
      id: 't', title: 'T', xLabel: 'x', yLabel: 'y', xLog: true,
      hidden: ['B'],
      series: [
        { name: 'A', color: '#000', line: 'sorted', points: [{ x: 0, y: 1, label: 'zero' }, { x: 10, y: 2, label: 'ten' }] },
        { name: 'B', color: '#f00', line: 'sorted', points: [{ x: 5, y: 1, label: 'b' }] },
      ],
    });
    expect(pointsOf(svg)).toBe(1);
    expect(svg).toContain('data-label="ten"');
    expect(svg).toContain('data-series="B"'); // still in the legend, to toggle back
  });
});

/** Tick labels of one axis, as numbers (the class names are what the browser test counts too). */
const ticksOf = (svg: string, axis: 'x' | 'y'): number[] =>
  [...svg.matchAll(new RegExp(`<text class="tick tick-${axis}"[^>]*>([^<]+)</text>`, 'g'))].map((m) => Number(m[1]));
const rangeOf = (svg: string, axis: 'x' | 'y'): number[] => new RegExp(`data-${axis}-range="([^"]+)"`).exec(svg)![1].split(' ').map(Number);

describe('chart axes', () => {
  const one = (x: number, y: number) => [{ name: 'A', color: '#000', line: 'sorted' as const, points: [{ x, y, label: 'p' }] }];

  it('gives a log axis at least four ticks, however narrow or wide its range, each inside the range', () => {
    for (const [lo, hi] of [[3.9, 4.1], [2, 8], [60, 280], [1, 1], [1e-7, 10], [1e-30, 1e30]] as const) {
      const svg = renderChartSvg({
        id: 't', title: 'T', xLabel: 'x', yLabel: 'y', xLog: true, yLog: true,
        series: [{ name: 'A', color: '#000', line: 'sorted', points: [{ x: lo, y: lo, label: 'a' }, { x: hi, y: hi, label: 'b' }] }],
      });
      for (const axis of ['x', 'y'] as const) {
        const ticks = ticksOf(svg, axis);
        const [r0, r1] = rangeOf(svg, axis);
        expect(ticks.length, `${lo}..${hi} ${axis}: ${ticks.join(' ')}`).toBeGreaterThanOrEqual(4);
        expect(ticks.length, `${lo}..${hi} ${axis}: ${ticks.join(' ')}`).toBeLessThanOrEqual(12);
        // Labels are rounded for reading: inside the range up to that rounding.
        for (const t of ticks) expect(t >= r0 * 0.99 && t <= r1 * 1.01, `${t} in [${r0}, ${r1}]`).toBe(true);
      }
    }
  });

  it('never runs a recall axis past 1 or below 0, even for one point at recall 1', () => {
    for (const recall of [1, 0, 0.5]) {
      const [vsCompression, , vsQps] = chartSpecs('d', [
        { run_key: 'k', dataset: 'd', config_name: 'm(a=1)', method: 'm', status: 'ok', recall10_adc: recall, compression_codes: 4, qps: 100, mse: 1, bits_per_vector: 8 } as unknown as RunRow,
      ]);
      const y = rangeOf(renderChartSvg(vsCompression), 'y');
      const x = rangeOf(renderChartSvg(vsQps), 'x');
      for (const [lo, hi] of [y, x]) {
        expect(lo).toBeGreaterThanOrEqual(0);
        expect(hi).toBeLessThanOrEqual(1);
        expect(hi - lo).toBeGreaterThan(0.05);
      }
      expect(Math.max(...ticksOf(renderChartSvg(vsCompression), 'y'))).toBeLessThanOrEqual(1);
    }
    // Without bounds a single point still gets a range around it.
    expect(rangeOf(renderChartSvg({ id: 't', title: 'T', xLabel: 'x', yLabel: 'y', series: one(1, 1) }), 'y')[1]).toBeGreaterThan(1);
  });
});

describe('report files', () => {
  it('writes SVG and PNG plots and a self-contained HTML report from a real sweep', async () => {
    const cwd = workDir();
    const r = await cli(['--plugin', TOY, '--methods', 'toy', '--dataset', GAUSS, '--toy-bits', '2,4,8', '--quiet', '--out', 'res'], cwd);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Report: ${join(cwd, 'res/report.html')}`);
    const plots = ['recall-vs-compression', 'mse-vs-bits', 'recall-vs-qps'].map((p) => join(cwd, 'res/plots', `${p}-gauss-500-16-euclidean`));
    for (const p of plots) {
      expect(pointsOf(readFileSync(`${p}.svg`, 'utf8'))).toBe(3);
      const png = readFileSync(`${p}.png`);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.readUInt32BE(16)).toBe(1280); // width: 640 px at zoom 2
    }
    const html = readFileSync(join(cwd, 'res/report.html'), 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/); // nothing fetched
    expect(html).toContain('Toy(bits=8)');
    // The report can be regenerated from the database alone.
    const rows = await readRows(join(cwd, 'res/results.db'));
    const again = await writeReport(rows, join(cwd, 'again'), { png: false });
    expect(existsSync(again.html)).toBe(true);
    expect(again.svgs).toHaveLength(3);
  });

  it('escapes values so a configuration name cannot break out of the page', () => {
    const row = { run_key: 'k', dataset: 'd', config_name: '</script><b>x', method: 'm', status: 'ok', params: '{}', versions: '{}', recall10_adc: 0.5, compression_codes: 4, qps: 10, mse: 1, bits_per_vector: 8 } as unknown as RunRow;
    const html = reportHtml([row], []);
    expect(html).not.toContain('</script><b>x');
  });
});
