#!/usr/bin/env node
// Every file that changes a task's output must be an input of that task, or turbo hands back a stale
// result as a cache hit. For each such file this edits it harmlessly, asks turbo (dry run) for the
// task hashes, restores the file and checks the hashes moved. Exits 1 naming each input turbo ignores.
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const PROBE_PACKAGE = '@reef/kernels';
const probes = [
  { file: 'tsconfig.base.json', tasks: ['build', 'typecheck'], edit: '\n' },
  { file: 'packages/kernels/tsconfig.json', tasks: ['build', 'typecheck'], edit: '\n' },
  { file: 'packages/kernels/tsconfig.test.json', tasks: ['typecheck'], edit: '\n' },
  { file: 'eslint.config.js', tasks: ['lint'], edit: '\n// probe\n' },
];

function taskHash(task) {
  const plan = JSON.parse(
    execFileSync('npx', ['turbo', 'run', task, '--dry=json', `--filter=${PROBE_PACKAGE}`], { cwd: root, encoding: 'utf8' }),
  );
  const entry = plan.tasks.find((t) => t.taskId === `${PROBE_PACKAGE}#${task}`);
  if (!entry) throw new Error(`turbo planned no ${PROBE_PACKAGE}#${task}`);
  return entry.hash;
}

let failures = 0;
for (const probe of probes) {
  const path = join(root, probe.file);
  const original = readFileSync(path);
  const before = Object.fromEntries(probe.tasks.map((t) => [t, taskHash(t)]));
  let after;
  try {
    appendFileSync(path, probe.edit);
    after = Object.fromEntries(probe.tasks.map((t) => [t, taskHash(t)]));
  } finally {
    writeFileSync(path, original); // restore byte for byte, whatever happened
  }
  for (const task of probe.tasks) {
    const moved = before[task] !== after[task];
    if (!moved) failures++;
    console.log(`${moved ? 'ok  ' : 'FAIL'} editing ${probe.file} ${moved ? 'changes' : 'does not change'} the ${task} hash`);
  }
}
if (failures > 0) {
  console.error(`turbo inputs: ${failures} task(s) ignore a file that changes their result; add it to turbo.json`);
  process.exit(1);
}
console.log('turbo inputs: every probed file is an input of the tasks it affects');
