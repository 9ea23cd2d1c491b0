/**
 * `@reef/sweep/charts`: the report's chart code alone, free of Node APIs, so other hosts (the
 * playground in a browser) draw their charts with exactly the sweep report's code.
 */
export * from './chart.js';
export * from './charts.js';
export type { RunRow } from './schema.js';
