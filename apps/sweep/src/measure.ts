import type { Quantizer } from '@reef/core';
import type { Dataset } from '@reef/datasets';
import { measureQuantizer, type MeasureOptions } from '@reef/metrics';
import type { Metrics } from './schema.js';

export type { MeasureOptions } from '@reef/metrics';

/**
 * Every metric of docs/metrics.md for one configuration: `@reef/metrics` measures them (as
 * `reef demo` does), the sweep adds the process's peak memory. The config runner replaces that
 * figure with its own sampling of this configuration alone.
 */
export async function measure(quantizer: Quantizer, dataset: Dataset, options: MeasureOptions): Promise<Metrics> {
  const measured = await measureQuantizer(quantizer, dataset, options);
  return { ...measured, peak_rss_mb: process.resourceUsage().maxRSS / 1024 };
}
