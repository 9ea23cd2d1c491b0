import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReefError } from '@reef/core';

/** The Python side: one FAISS operation per process (python/faiss_runner.py, shipped with the package). */
const SCRIPT = fileURLToPath(new URL('../python/faiss_runner.py', import.meta.url));

/** A request to the runner; file fields are names inside the work folder, made absolute here. */
export interface Request {
  readonly op: 'train' | 'encode' | 'decode' | 'search';
  readonly dim: number;
  readonly threads: number;
  readonly [field: string]: string | number;
}

/**
 * The child's environment: OpenBLAS and OpenMP limited to the request's threads, set before Python
 * starts (omp_set_num_threads alone leaves OpenBLAS's own thread pool, used by k-means, at every core).
 */
function childEnv(threads: number): NodeJS.ProcessEnv {
  const n = String(threads);
  return { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
}

/** The runner's answer: `ms` measured in Python around the FAISS call alone. */
export interface Answer {
  readonly ms: number;
  readonly codeSize?: number;
}

/** Work folders of this process, removed when it exits (they hold copies of the data and indexes). */
const folders = new Set<string>();
let started = false;

function removeFolders(): void {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  folders.clear();
}

const PREFIX = 'reef-faiss-';

/**
 * Folders left by processes that are gone (a worker thread terminated by its host never runs exit
 * handlers): each folder is named after its process id, and one whose process no longer exists is
 * removed by the next process that starts FAISS work. Only folders with this plugin's prefix and a
 * dead owner are touched.
 */
function removeStaleFolders(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(/^reef-faiss-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * One private folder under the OS temporary directory per quantizer: the data handed to Python, its
 * index files and answers. Only names this plugin chooses are written there.
 */
export class WorkFolder {
  readonly dir: string;
  private serial = 0;

  constructor() {
    if (!started) {
      removeStaleFolders();
      process.once('exit', removeFolders);
      started = true;
    }
    this.dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
    folders.add(this.dir);
  }

  /** A fresh file name in the folder (never reused, so two arrays never share a file). */
  file(stem: string, ext: string): string {
    return join(this.dir, `${stem}-${++this.serial}.${ext}`);
  }

  write(stem: string, ext: string, data: ArrayBufferView): string {
    const path = this.file(stem, ext);
    writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return path;
  }

  /** Reads a file the runner wrote, then deletes it unless `keep` (index files stay in the folder). */
  read(path: string, keep = false): Uint8Array {
    const bytes = readFileSync(path);
    if (!keep) unlinkSync(path);
    // A copy into a fresh, aligned buffer: callers view it as float32 or int32.
    const out = new Uint8Array(bytes.byteLength);
    out.set(bytes);
    return out;
  }

  private requestFile(request: Request): string {
    const path = this.file(request.op, 'json');
    writeFileSync(path, JSON.stringify(request));
    return path;
  }

  /** Runs one operation and waits (encode, decode and search are synchronous in the quantizer contract). */
  runSync(python: string, request: Request, inputs: readonly string[] = []): Answer {
    const file = this.requestFile(request);
    const run = spawnSync(python, [SCRIPT, file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: childEnv(request.threads) });
    this.remove([file, ...inputs]);
    return answerOf(request, run.status, run.stdout, run.stderr, run.error);
  }

  /** Deletes files handed to Python once it has read them. */
  remove(paths: readonly string[]): void {
    for (const path of paths) rmSync(path, { force: true });
  }

  /** Runs one operation without blocking the event loop (fit is asynchronous). */
  run(python: string, request: Request, inputs: readonly string[] = []): Promise<Answer> {
    const file = this.requestFile(request);
    return new Promise((resolve, reject) => {
      const child = spawn(python, [SCRIPT, file], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv(request.threads) });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', (err) => reject(new ReefError('UNSUPPORTED', `cannot start ${python} for FAISS: ${err.message}`, { cause: err })));
      child.on('close', (status) => {
        this.remove([file, ...inputs]);
        try {
          resolve(answerOf(request, status, stdout, stderr));
        } catch (err) {
          reject(err);
        }
      });
    });
  }
}

function answerOf(request: Request, status: number | null, stdout: string, stderr: string, error?: Error): Answer {
  if (error) throw new ReefError('UNSUPPORTED', `cannot run FAISS ${request.op}: ${error.message}`, { cause: error });
  const last = stdout.trim().split('\n').pop() ?? '';
  if (status !== 0 || !last.startsWith('{')) {
    // FAISS prints warnings on stderr too; its exception is the last lines.
    const why = stderr.trim().split('\n').slice(-2).join(' | ') || `exit status ${status}`;
    throw new ReefError('UNSUPPORTED', `FAISS ${request.op} (${request.factory ?? ''}) failed: ${why}`);
  }
  return JSON.parse(last) as Answer;
}
