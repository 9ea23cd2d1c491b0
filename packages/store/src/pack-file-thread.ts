import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PackFile } from './pack-file.js';
import { transferableRecord, type PackRecord } from './pack-record.js';

export type PackFileRequest =
  | { readonly id: number; readonly op: 'create'; readonly path: string }
  | { readonly id: number; readonly op: 'write'; readonly record: PackRecord }
  | { readonly id: number; readonly op: 'close' | 'abandon' };

/** A request before it is numbered (Omit of each member of the union). */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

export interface PackFileReply {
  readonly id: number;
  /** The failure's message; absent on success. */
  readonly error?: string;
}

const WORKER_SCRIPT = new URL('./pack-file-worker.js', import.meta.url);

/**
 * Whether the worker's module is there to start: it is in a build (dist/, or next to the CLI's
 * bundle), not beside TypeScript sources run by a test runner, where packs are written in-thread.
 */
export function packFileThreadAvailable(): boolean {
  return WORKER_SCRIPT.protocol === 'file:' && existsSync(fileURLToPath(WORKER_SCRIPT));
}

/**
 * A pack file written by a worker thread. h5wasm takes ~0.15 s of CPU to start (a 4 MB module to
 * parse, WebAssembly to compile and initialise); started in a worker when an add begins, it runs
 * on another core while this thread reads, hashes and encodes, and a small add no longer waits for
 * it. Each record is copied once to cross threads (transferableRecord). The worker keeps the
 * process alive only while a request is pending.
 */
export class ThreadPackFile implements PackFile {
  private readonly worker = new Worker(WORKER_SCRIPT);
  private readonly pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private nextId = 0;
  /** Set when the worker failed or exited: every later request fails with it. */
  private broken?: Error;

  constructor() {
    this.worker.on('message', (reply: PackFileReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if (reply.error === undefined) waiting.resolve();
      else waiting.reject(new Error(reply.error));
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the pack-writing thread exited (code ${code})`)));
    // After the listeners: adding a 'message' listener refs the worker again.
    this.worker.unref();
  }

  create(path: string): Promise<void> {
    return this.request({ op: 'create', path });
  }

  write(record: PackRecord): Promise<void> {
    const { record: own, transfer } = transferableRecord(record);
    return this.request({ op: 'write', record: own }, transfer);
  }

  async close(): Promise<void> {
    await this.request({ op: 'close' });
    void this.worker.terminate();
  }

  /** Lets the worker go when no file was asked of it (nothing to wait for). */
  dismiss(): void {
    void this.worker.terminate();
  }

  abandon(): void {
    void this.discard();
  }

  discard(): Promise<void> {
    // Runs after whatever the worker is doing (a create still in flight included), so no file is
    // left behind; the worker then ends. The caller removes the file too, in case the worker is gone.
    return this.request({ op: 'abandon' }).catch(() => undefined).finally(() => void this.worker.terminate());
  }

  private request(message: Unnumbered<PackFileRequest>, transfer: ArrayBuffer[] = []): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  private fail(err: Error): void {
    this.broken ??= err;
    for (const { reject } of this.pending.values()) reject(this.broken);
    this.pending.clear();
  }
}

/** A worker started ahead of the add that will adopt it (`warmPackThread`). */
let spare: ThreadPackFile | undefined;

/**
 * Starts a pack-writing worker now, for an add about to run in this process: a host that knows
 * early that it will add (the CLI, before it discovers plugins) gives h5wasm that much more time
 * to load beside it. The next PackWriter that wants a thread takes it; unused, it ends with the
 * process (it keeps nothing alive).
 */
export function warmPackThread(): void {
  if (!spare && packFileThreadAvailable()) spare = new ThreadPackFile();
}

/** The worker `warmPackThread` started, if any (taken: the next caller starts its own). */
export function takeWarmPackThread(): ThreadPackFile | undefined {
  const taken = spare;
  spare = undefined;
  return taken;
}

