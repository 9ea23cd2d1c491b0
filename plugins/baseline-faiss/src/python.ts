import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Environment variable naming the Python interpreter to use (one with `faiss` and `numpy`). */
export const PYTHON_ENV = 'REEF_FAISS_PYTHON';

/** A Python that imports faiss, or why none was found. */
export type PythonProbe = { readonly python: string; readonly version: string } | { readonly python?: undefined; readonly reason: string };

/**
 * Interpreters tried, in order: $REEF_FAISS_PYTHON alone when set; otherwise the system Python first
 * (Debian's python3-faiss installs there, while `python3` on PATH may be a bare pyenv or venv one).
 */
export function candidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const chosen = env[PYTHON_ENV];
  if (chosen) return [chosen];
  return [...(existsSync('/usr/bin/python3') ? ['/usr/bin/python3'] : []), 'python3'];
}

/** Importing faiss and numpy can take seconds on a loaded machine, never minutes. */
const PROBE_TIMEOUT_MS = 120_000;

/** Tries each candidate with `import faiss, numpy`; the first that works wins. */
export function probePython(tried: readonly string[] = candidates()): PythonProbe {
  const failures: string[] = [];
  for (const python of tried) {
    const run = spawnSync(python, ['-c', 'import faiss, numpy; print(faiss.__version__)'], { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS });
    if (run.status === 0) return { python, version: run.stdout.trim() };
    const why = run.error ? run.error.message : lastLine(run.stderr) || `exit status ${run.status}`;
    failures.push(`${python}: ${why}`);
  }
  return {
    reason: `no Python with faiss (${failures.join('; ')}); install python3-faiss (Debian/Ubuntu) or \`pip install faiss-cpu numpy\`, or set ${PYTHON_ENV} to a Python that has them`,
  };
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

let cached: PythonProbe | undefined;

/** The probe, run once per process (it starts Python). */
export function faissPython(): PythonProbe {
  cached ??= probePython();
  return cached;
}
