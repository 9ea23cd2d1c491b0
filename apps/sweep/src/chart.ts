/**
 * One scatter/line chart as an SVG string. The function is self-contained (no imports, no outer
 * variables) on purpose: the HTML report inlines its source (`renderChartSvg.toString()`) so the
 * browser redraws charts with exactly the code that wrote the SVG files.
 */
export interface ChartPoint {
  readonly x: number;
  readonly y: number;
  /** Shown on hover (configuration name). */
  readonly label: string;
}

export interface ChartSeries {
  readonly name: string;
  readonly color: string;
  readonly points: readonly ChartPoint[];
  /** 'sorted': line through points by x; 'pareto': line along the points no other point beats on both axes. */
  readonly line: 'sorted' | 'pareto' | 'none';
}

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xLog?: boolean;
  readonly yLog?: boolean;
  /** Bounds no axis end may pass (a recall axis: [0, 1]); the padded range is clipped to them. */
  readonly xBounds?: readonly [number, number];
  readonly yBounds?: readonly [number, number];
  readonly series: readonly ChartSeries[];
  /** Series names to leave out (the report's legend toggles them). */
  readonly hidden?: readonly string[];
  readonly width?: number;
  readonly height?: number;
}

export function renderChartSvg(spec: ChartSpec): string {
  const W = spec.width ?? 640;
  const H = spec.height ?? 420;
  const M = { left: 72, right: 150, top: 36, bottom: 52 };
  const esc = (s: string): string => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const hidden = new Set(spec.hidden ?? []);
  const visible = spec.series.filter((s) => !hidden.has(s.name));
  const usable = (v: number, log: boolean | undefined): boolean => Number.isFinite(v) && (!log || v > 0);
  const pts = visible.flatMap((s) => s.points).filter((p) => usable(p.x, spec.xLog) && usable(p.y, spec.yLog));
  const tf = (v: number, log: boolean | undefined): number => (log ? Math.log10(v) : v);
  const range = (vals: number[], log: boolean | undefined, bounds: readonly [number, number] | undefined): [number, number] => {
    let lo = vals.length === 0 ? 0 : Math.min(...vals.map((v) => tf(v, log)));
    let hi = vals.length === 0 ? 1 : Math.max(...vals.map((v) => tf(v, log)));
    if (hi - lo < 1e-12) {
      lo -= log ? 0.5 : Math.abs(lo) * 0.1 + 0.5;
      hi += log ? 0.5 : Math.abs(hi) * 0.1 + 0.5;
    }
    const pad = (hi - lo) * 0.06;
    lo -= pad;
    hi += pad;
    // A bounded quantity (recall) never gets an axis beyond its bounds, however few points there are.
    if (bounds) {
      const [bl, bh] = [tf(bounds[0], log), tf(bounds[1], log)];
      if (Number.isFinite(bl)) lo = Math.max(lo, bl);
      if (Number.isFinite(bh)) hi = Math.min(hi, bh);
      if (hi - lo < 1e-9) [lo, hi] = [Math.max(bl, hi - 0.1), Math.min(bh, lo + 0.1)];
    }
    return [lo, hi];
  };
  const [x0, x1] = range(pts.map((p) => p.x), spec.xLog, spec.xBounds);
  const [y0, y1] = range(pts.map((p) => p.y), spec.yLog, spec.yBounds);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (v: number): number => M.left + ((tf(v, spec.xLog) - x0) / (x1 - x0)) * pw;
  const sy = (v: number): number => M.top + ph - ((tf(v, spec.yLog) - y0) / (y1 - y0)) * ph;
  const fmt = (v: number): string => {
    const a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(0);
    return String(Number(v.toPrecision(3)));
  };
  // Linear ticks: a 1-2-5 step giving about five labels between lo and hi.
  const linearTicks = (lo: number, hi: number): number[] => {
    const step0 = (hi - lo) / 5;
    const mag = 10 ** Math.floor(Math.log10(step0));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
    const out: number[] = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12 * Math.abs(hi); v += step) out.push(Number(v.toPrecision(12)));
    return out;
  };
  // Log ticks: decades when the range spans enough of them (every k-th when it spans many), else
  // 1-2-5 or 1..9 multiples per decade, else linear steps inside the range: always at least four.
  const ticks = (lo: number, hi: number, log: boolean | undefined): number[] => {
    if (!log) return linearTicks(lo, hi);
    const inRange = (v: number): boolean => Math.log10(v) >= lo - 1e-9 && Math.log10(v) <= hi + 1e-9;
    const decades = Math.floor(hi) - Math.ceil(lo) + 1;
    if (decades >= 4) {
      const every = Math.ceil(decades / 8);
      const out: number[] = [];
      for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) if (e % every === 0) out.push(10 ** e);
      if (out.length >= 4) return out;
    }
    for (const mantissas of [[1, 2, 5], [1, 2, 3, 5, 7], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
      const out: number[] = [];
      for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) for (const m of mantissas) if (inRange(m * 10 ** e)) out.push(Number((m * 10 ** e).toPrecision(6)));
      if (out.length >= 4) return out;
    }
    return linearTicks(10 ** lo, 10 ** hi).filter((v) => v > 0);
  };
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${esc(spec.id)}" data-x-log="${spec.xLog ? 1 : 0}" data-y-log="${spec.yLog ? 1 : 0}" data-x-range="${spec.xLog ? 10 ** x0 : x0} ${spec.xLog ? 10 ** x1 : x1}" data-y-range="${spec.yLog ? 10 ** y0 : y0} ${spec.yLog ? 10 ** y1 : y1}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(`<text x="${M.left + pw / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(spec.title)}</text>`);
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  for (const t of ticks(x0, x1, spec.xLog)) {
    const x = sx(t);
    if (x < M.left - 0.5 || x > M.left + pw + 0.5) continue;
    parts.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${M.top + ph}" stroke="#eee"/><text class="tick tick-x" x="${x}" y="${M.top + ph + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(y0, y1, spec.yLog)) {
    const y = sy(t);
    if (y < M.top - 0.5 || y > M.top + ph + 0.5) continue;
    parts.push(`<line x1="${M.left}" y1="${y}" x2="${M.left + pw}" y2="${y}" stroke="#eee"/><text class="tick tick-y" x="${M.left - 6}" y="${y + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  parts.push(`<text x="${M.left + pw / 2}" y="${H - 12}" text-anchor="middle">${esc(spec.xLabel)}${spec.xLog ? ' (log)' : ''}</text>`);
  parts.push(`<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}${spec.yLog ? ' (log)' : ''}</text>`);
  spec.series.forEach((s, i) => {
    const ly = M.top + 10 + i * 18;
    const off = hidden.has(s.name);
    parts.push(`<g class="legend-item" data-series="${esc(s.name)}" style="cursor:pointer" opacity="${off ? 0.35 : 1}"><rect x="${W - M.right + 12}" y="${ly - 9}" width="12" height="12" fill="${s.color}"/><text x="${W - M.right + 30}" y="${ly + 1}">${esc(s.name)}</text></g>`);
  });
  for (const s of visible) {
    const ps = s.points.filter((p) => usable(p.x, spec.xLog) && usable(p.y, spec.yLog));
    let path: ChartPoint[] = [];
    if (s.line === 'sorted') path = [...ps].sort((a, b) => a.x - b.x);
    if (s.line === 'pareto') {
      // Best first along x (higher is better on both axes): keep a point when its y beats all to its right.
      const byX = [...ps].sort((a, b) => b.x - a.x || b.y - a.y);
      let bestY = -Infinity;
      for (const p of byX) if (p.y > bestY) { path.push(p); bestY = p.y; }
      path.reverse();
    }
    parts.push(`<g class="series" data-series="${esc(s.name)}">`);
    if (path.length > 1) {
      parts.push(`<polyline class="${s.line === 'pareto' ? 'pareto' : 'trend'}" fill="none" stroke="${s.color}" stroke-width="1.6" points="${path.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ')}"/>`);
    }
    for (const p of ps) {
      parts.push(`<circle class="point" cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="4" fill="${s.color}" data-label="${esc(p.label)}" data-x="${p.x}" data-y="${p.y}"><title>${esc(`${p.label}: ${fmt(p.x)}, ${fmt(p.y)}`)}</title></circle>`);
    }
    parts.push('</g>');
  }
  if (pts.length === 0) parts.push(`<text x="${M.left + pw / 2}" y="${M.top + ph / 2}" text-anchor="middle" fill="#888">no data</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
