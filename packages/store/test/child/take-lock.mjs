// Child process for the lock tests: waits for the `go` file (so that several start together), then
// tries to take the lock at `lockPath` once. Prints `won` and holds it until killed (or 60 s), or
// prints `lost <message>` and exits.
import { existsSync } from 'node:fs';
import { acquireLock } from '../../dist/lock.js';

const [lockPath, goFile] = process.argv.slice(2);
const wait = new Int32Array(new SharedArrayBuffer(4));
process.stdout.write('ready\n');
while (!existsSync(goFile)) Atomics.wait(wait, 0, 0, 2);
try {
  const release = acquireLock(lockPath);
  process.stdout.write('won\n');
  Atomics.wait(wait, 0, 0, 60_000);
  release();
} catch (err) {
  process.stdout.write(`lost ${err.message}\n`);
}
