import type { ParamSpec } from '@reef/core';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

function describeParam(p: ParamSpec): string {
  const range =
    p.type === 'enum' ? ` {${p.values.join('|')}}` : p.type === 'int' || p.type === 'float' ? rangeText(p.min, p.max) : '';
  return `${p.name} (${p.type}${range}, default ${String(p.default)}): ${p.description}`;
}

function rangeText(min?: number, max?: number): string {
  if (min === undefined && max === undefined) return '';
  return ` ${min ?? '-∞'}..${max ?? '∞'}`;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('plugins')
    .description('list the installed quantizers and delta types with their parameters')
    .option('--json', 'print machine-readable JSON')
    .action(async (opts: { json?: boolean }) => {
      const registry = await ctx.registry();
      const quantizers = registry.quantizers().map((q) => ({
        id: q.id,
        label: q.label,
        summary: q.summary,
        package: q.packageName ?? null,
        apiVersion: q.apiVersion,
        params: q.params,
        defaultGrid: q.defaultGrid,
        baselineOf: q.baselineOf ?? null,
        // Asked here only: it may start a process (e.g. Python, to import FAISS).
        unavailable: q.unavailable?.() ?? null,
      }));
      const deltaTypes = registry.deltaTypes().map((d) => ({
        id: d.id,
        label: d.label,
        summary: d.summary,
        package: d.packageName ?? null,
        apiVersion: d.apiVersion,
        lossless: d.lossless,
        params: d.params,
      }));
      if (opts.json) {
        ctx.out(JSON.stringify({ quantizers, deltaTypes }, null, 2));
        return;
      }
      ctx.out(`Quantizers (${quantizers.length}):`);
      for (const q of quantizers) {
        const baseline = q.baselineOf ? ` (baseline for ${q.baselineOf})` : '';
        ctx.out(`  ${q.id.padEnd(12)} ${q.summary}${baseline}  [${q.package ?? 'local'}]`);
        if (q.unavailable) ctx.out(`      unavailable: ${q.unavailable}`);
        for (const p of q.params) ctx.out(`      --${q.id}-${p.name}  ${describeParam(p)}`);
      }
      ctx.out(`Delta types (${deltaTypes.length}):`);
      for (const d of registry.deltaTypes()) {
        ctx.out(`  ${d.id.padEnd(12)} ${d.lossless ? 'lossless' : 'lossy   '} ${d.summary}  [${d.packageName ?? 'local'}]`);
        for (const p of d.params) ctx.out(`      ${describeParam(p)}`);
      }
      if (quantizers.length === 0 && deltaTypes.length === 0) {
        ctx.out('No plugins found. Install one (e.g. npm install @reef/quantizer-sq) or pass --plugin <path|package>.');
      }
    });
}
