import { PROGRESS, SILENT_PROGRESS, type ProgressReporter } from '@reef/core/services';
import type { DeltaTypeSource } from './delta-type-source.js';

/**
 * Long store work (add, export, checkout, fsck, gc, cluster) reports how far it got to the host's
 * PROGRESS service, in bytes where it can: the store prints nothing itself. A host that provides
 * no PROGRESS gets core's silent default.
 */
export class Work {
  private done = 0;

  constructor(
    private readonly reporter: ProgressReporter,
    readonly label: string,
    readonly total: number,
    private readonly unit: 'bytes' | 'items' = 'bytes',
  ) {
    this.send();
  }

  /** `n` more bytes (or items) done. */
  advance(n: number): void {
    this.done += n;
    this.send();
  }

  /** The task is over (also after an error: the host's status line is taken down). */
  finish(): void {
    if (this.total <= 0) return;
    this.done = Math.max(this.done, this.total);
    this.reporter.report(1, this.label, { done: this.done, total: this.total, unit: this.unit });
  }

  private send(): void {
    if (this.total <= 0) return; // nothing to do: nothing to show
    const fraction = this.total > 0 ? Math.min(this.done / this.total, 0.999) : 0; // 1 only from finish()
    this.reporter.report(fraction, this.label, { done: this.done, total: this.total, unit: this.unit });
  }
}

/** The host's PROGRESS service of this registry (silent for a registry-like object without services). */
export function progressOf(registry: DeltaTypeSource): ProgressReporter {
  return registry.services?.find(PROGRESS) ?? SILENT_PROGRESS;
}

/** Runs `fn` with a Work that is finished however `fn` ends. */
export async function withWork<T>(registry: DeltaTypeSource, label: string, total: number, fn: (work: Work) => Promise<T>, unit: 'bytes' | 'items' = 'bytes'): Promise<T> {
  const work = new Work(progressOf(registry), label, total, unit);
  try {
    return await fn(work);
  } finally {
    work.finish();
  }
}
