// Drives faiss_server.py (FAISS 1.7.3 under /usr/bin/python3) from a bench script: one command at
// a time, so Reef and FAISS runs can be interleaved (A, B, A, B) on the same machine state.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export function startFaiss() {
  // Passive OpenMP waiting: on a shared machine, spinning threads make FAISS many times slower.
  const env = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };
  const child = spawn('/usr/bin/python3', [join(here, 'faiss_server.py')], { cwd: here, env, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    /** Sends one command; resolves with the reply, rejects with FAISS's error line. */
    async call(cmd) {
      child.stdin.write(JSON.stringify(cmd) + '\n');
      const { value, done } = await lines.next();
      if (done) throw new Error(`faiss_server.py exited during ${cmd.cmd}`);
      const reply = JSON.parse(value);
      if (!reply.ok) throw new Error(`FAISS ${cmd.cmd}: ${reply.error}`);
      return reply;
    },
    close() {
      child.stdin.end();
    },
  };
}
