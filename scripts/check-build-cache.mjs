#!/usr/bin/env node
// After a build, a second `turbo run build` must be a full cache hit: prints each task that would
// rebuild and exits 1 if any would.
import { execFileSync } from 'node:child_process';

const plan = JSON.parse(execFileSync('npx', ['turbo', 'run', 'build', '--dry=json'], { encoding: 'utf8' }));
const misses = plan.tasks.filter((t) => t.cache.status !== 'HIT').map((t) => t.taskId);
if (misses.length > 0) {
  console.error(`build cache: ${misses.length} of ${plan.tasks.length} tasks would rebuild: ${misses.join(', ')}`);
  process.exit(1);
}
console.log(`build cache: all ${plan.tasks.length} build tasks are cache hits on a second build`);
