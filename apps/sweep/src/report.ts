import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChartSvg, type ChartSpec } from './chart.js';
import { pairBaselines, type BaselinePair } from './baselines.js';
import { chartSpecs } from './charts.js';
import { svgToPng } from './png.js';
import { METRIC_COLUMNS, type RunRow } from './schema.js';

export interface ReportFiles {
  readonly html: string;
  readonly svgs: string[];
  readonly pngs: string[];
  readonly warnings: string[];
}

const esc = (s: unknown): string => String(s ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Writes atomically so a report being regenerated is never seen half-written. */
function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function cell(v: unknown): string {
  if (typeof v !== 'number') return esc(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

/**
 * The results as column groups, one table each, so every column is on screen on a laptop or a
 * narrow window (28 columns in one table overflowed 1400 px): each group repeats the configuration
 * (and the dataset when there are several) and keeps its header visible while scrolling.
 */
const COLUMN_GROUPS: readonly { title: string; columns: readonly (keyof RunRow)[] }[] = [
  { title: 'Size', columns: ['bits_per_vector', 'code_bytes', 'model_bytes', 'compression_codes', 'compression_total'] },
  { title: 'Error', columns: ['mse', 'relative_mse', 'distance_distortion'] },
  { title: 'Recall', columns: ['recall1_adc', 'recall10_adc', 'recall100_adc', 'recall1_decoded', 'recall10_decoded', 'recall100_decoded'] },
  { title: 'Speed and memory', columns: ['fit_ms', 'encode_ms', 'decode_ms', 'search_ms', 'qps', 'peak_rss_mb', 'search_kind'] },
  { title: 'Run', columns: ['n_base', 'n_queries', 'dim', 'git_commit', 'finished_at'] },
];

/** Every metric column is in exactly one group (checked when the module loads, so none is ever dropped). */
for (const c of METRIC_COLUMNS) if (!COLUMN_GROUPS.some((g) => g.columns.includes(c))) throw new Error(`report: metric column ${c} is in no column group`);

/** Short, wrappable headers; the database column name is the header's tooltip. */
function header(column: string): string {
  return esc(column.replace(/^recall(\d+)_/, 'recall@$1 ').replace(/_/g, ' '));
}

function resultsTables(rows: readonly RunRow[], baselineOf: ReadonlyMap<string, string>): string {
  const ok = rows.filter((r) => r.status === 'ok');
  const lead: (keyof RunRow)[] = new Set(ok.map((r) => r.dataset)).size > 1 ? ['dataset', 'config_name'] : ['config_name'];
  const tables = COLUMN_GROUPS.map((g) => {
    const columns = [...lead, ...g.columns];
    const head = columns.map((c) => `<th data-col="${c}" title="${c}">${header(c)}</th>`).join('');
    const body = ok
      .map((r) => `<tr${baselineOf.has(r.method) ? ` data-baseline="${esc(baselineOf.get(r.method))}"` : ''}>${columns.map((c) => {
        const v = (r as unknown as Record<string, unknown>)[c];
        // Configuration names break after '(' and ',' only, never inside a parameter; baseline rows
        // (another library's implementation, for comparison) are marked after their name.
        const text = c === 'config_name' ? cell(v).replace(/([(,])/g, '$1<wbr>') + (baselineOf.has(r.method) ? ' (baseline)' : '') : cell(v);
        return `<td${typeof v === 'number' ? ` data-v="${v}"` : ''}>${text}</td>`;
      }).join('')}</tr>`)
      .join('\n');
    return `<section class="group"><h3>${esc(g.title)}</h3><table class="results" data-group="${esc(g.title)}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></section>`;
  });
  return `<div id="results">${tables.join('\n')}</div>`;
}

const times = (v: number | null): string => (v === null ? '-' : `${v.toFixed(2)}×`);

/** Reef ÷ baseline for each matching pair of runs (see docs/metrics.md); empty without baselines. */
function baselineTable(pairs: readonly BaselinePair[]): string {
  if (pairs.length === 0) return '';
  const body = pairs
    .map((p) => `<tr><td>${esc(p.reef.dataset)}</td><td>${esc(p.reef.config_name)}</td><td>${esc(p.baseline.config_name)}</td>${[p.fit, p.search, p.recall10].map((v) => `<td${v === null ? '' : ` data-v="${v}"`}>${times(v)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<h2>Reef ÷ baseline</h2><p>Same dataset, same values of the parameters both methods have. Times below 1: Reef is faster; recall below 1: Reef ranks worse.</p>
<table id="baseline-ratios"><thead><tr><th>dataset</th><th>Reef</th><th>baseline</th><th>fit_ms</th><th>search_ms</th><th>recall10_adc</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function skippedList(rows: readonly RunRow[]): string {
  const other = rows.filter((r) => r.status !== 'ok');
  if (other.length === 0) return '';
  return `<h2>Skipped and failed configurations</h2><ul id="skipped">${other
    .map((r) => `<li><b>${esc(r.status === 'invalid' ? 'skipped' : 'failed')}</b> ${esc(r.dataset)} ${esc(r.config_name)}: ${esc(r.reason)}</li>`)
    .join('')}</ul>`;
}

/** Browser side: draws every chart with the same renderer, legend clicks toggle methods, hover shows the point. */
const CLIENT_SCRIPT = `
(function () {
  var specs = JSON.parse(document.getElementById('chart-data').textContent);
  var box = document.getElementById('charts');
  var tip = document.getElementById('tooltip');
  var hidden = {};
  function draw(spec, holder) {
    holder.innerHTML = renderChartSvg(Object.assign({}, spec, { hidden: hidden[spec.id] || [] }));
    holder.querySelectorAll('.legend-item').forEach(function (item) {
      item.addEventListener('click', function () {
        var name = item.getAttribute('data-series');
        var list = hidden[spec.id] || (hidden[spec.id] = []);
        var at = list.indexOf(name);
        if (at >= 0) list.splice(at, 1); else list.push(name);
        draw(spec, holder);
      });
    });
    holder.querySelectorAll('circle.point').forEach(function (c) {
      c.addEventListener('mouseenter', function (e) {
        tip.textContent = c.getAttribute('data-label') + '  x=' + c.getAttribute('data-x') + '  y=' + c.getAttribute('data-y');
        tip.style.display = 'block';
        tip.style.left = (e.pageX + 12) + 'px';
        tip.style.top = (e.pageY + 12) + 'px';
        c.setAttribute('r', '6');
      });
      c.addEventListener('mouseleave', function () { tip.style.display = 'none'; c.setAttribute('r', '4'); });
    });
  }
  specs.forEach(function (spec) {
    var holder = document.createElement('div');
    holder.className = 'chart-box';
    box.appendChild(holder);
    draw(spec, holder);
  });
  // Sortable tables: click a header; numbers sort numerically.
  document.querySelectorAll('table.results').forEach(function (table) {
    table.querySelectorAll('th').forEach(function (th, col) {
      th.addEventListener('click', function () {
        var asc = th.getAttribute('data-sort') !== 'asc';
        table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('data-sort'); });
        th.setAttribute('data-sort', asc ? 'asc' : 'desc');
        var rows = Array.prototype.slice.call(table.tBodies[0].rows);
        rows.sort(function (a, b) {
          var x = a.cells[col], y = b.cells[col];
          var xv = x.hasAttribute('data-v') ? Number(x.getAttribute('data-v')) : x.textContent;
          var yv = y.hasAttribute('data-v') ? Number(y.getAttribute('data-v')) : y.textContent;
          return (xv < yv ? -1 : xv > yv ? 1 : 0) * (asc ? 1 : -1);
        });
        rows.forEach(function (r) { table.tBodies[0].appendChild(r); });
      });
    });
  });
  document.body.setAttribute('data-charts-rendered', String(box.querySelectorAll('svg.chart').length));
  // report.html#selftest: click the first legend entry and record the point counts (used by the e2e test).
  if (location.hash === '#selftest') {
    var before = box.querySelectorAll('circle.point').length;
    var item = box.querySelector('.legend-item');
    if (item) item.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    document.body.setAttribute('data-selftest', before + ':' + box.querySelectorAll('circle.point').length);
  }
})();
`;

export function reportHtml(rows: readonly RunRow[], specs: readonly ChartSpec[], baselineOf: ReadonlyMap<string, string> = new Map()): string {
  const ok = rows.filter((r) => r.status === 'ok');
  const datasets = [...new Set(rows.map((r) => r.dataset))];
  const commits = [...new Set(rows.map((r) => r.git_commit))];
  // Inline JSON: '<' escaped so no value can close the script element.
  const data = JSON.stringify(specs).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Reef sweep report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 16px 24px; color: #222; }
/* Charts share the width: three side by side on a wide screen, one per row on a narrow one. */
#charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 420px), 1fr)); gap: 12px; }
.chart-box { border: 1px solid #ddd; min-width: 0; }
.chart-box svg { display: block; width: 100%; height: auto; }
#tooltip { position: absolute; display: none; background: #222; color: #fff; padding: 4px 8px; border-radius: 4px; font-size: 12px; pointer-events: none; }
/* Column groups: side by side where they fit, stacked otherwise; every column of a group on screen. */
#results { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: flex-start; }
.group { max-width: 100%; }
.group h3 { margin: 8px 0 4px; font-size: 14px; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border: 1px solid #ddd; padding: 3px 5px; text-align: right; }
td { white-space: nowrap; }
th { cursor: pointer; background: #f4f4f4; position: sticky; top: 0; font-weight: 600; vertical-align: bottom; max-width: 7em; }
td:first-child { text-align: left; white-space: normal; max-width: 16em; }
th[data-sort=asc]::after { content: ' ▲'; } th[data-sort=desc]::after { content: ' ▼'; }
</style></head>
<body>
<h1>Reef sweep report</h1>
<p>${ok.length} run(s) on ${esc(datasets.join(', '))}; git ${esc(commits.join(', '))}; generated ${esc(new Date().toISOString())}.
Metrics are defined in docs/metrics.md. Click a legend entry to hide a method, hover a point for its configuration, click a column to sort.</p>
<div id="charts"></div>
<div id="tooltip"></div>
<h2>Results</h2>
${resultsTables(rows, baselineOf)}
${baselineTable(pairBaselines(rows, baselineOf))}
${skippedList(rows)}
<script type="application/json" id="chart-data">${data}</script>
<script>
var renderChartSvg = ${renderChartSvg.toString()};
${CLIENT_SCRIPT}
</script>
</body></html>
`;
}

/**
 * Writes plots/<chart>.svg and .png per dataset and a self-contained report.html (inline data and
 * script, no network) into `outDir`.
 */
export async function writeReport(rows: readonly RunRow[], outDir: string, options: { png: boolean; baselineOf?: ReadonlyMap<string, string> }): Promise<ReportFiles> {
  const plots = join(outDir, 'plots');
  mkdirSync(plots, { recursive: true });
  const datasets = [...new Set(rows.map((r) => r.dataset))];
  const specs = datasets.flatMap((d) => chartSpecs(d, rows.filter((r) => r.dataset === d)));
  const svgs: string[] = [];
  const pngs: string[] = [];
  const warnings = new Set<string>();
  for (const spec of specs) {
    const svg = renderChartSvg(spec);
    const file = join(plots, `${spec.id}.svg`);
    writeAtomic(file, svg);
    svgs.push(file);
    if (options.png) {
      const { png, warning } = await svgToPng(svg);
      if (warning) warnings.add(warning);
      const pngFile = join(plots, `${spec.id}.png`);
      writeAtomic(pngFile, png);
      pngs.push(pngFile);
    }
  }
  const html = join(outDir, 'report.html');
  writeAtomic(html, reportHtml(rows, specs, options.baselineOf));
  return { html, svgs, pngs, warnings: [...warnings] };
}
