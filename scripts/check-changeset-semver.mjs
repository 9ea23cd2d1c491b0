#!/usr/bin/env node
// A minor release of @reef/core (0.x) must not force major releases of the plugins and libraries
// that depend on it while their declared ranges still hold. This adds a throwaway changeset bumping
// core by a minor, asks `changeset status` for the release plan (in addition to any real pending
// changesets), removes the changeset again, prints the plan and exits 1 if any package other than
// core would get a major bump from it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const probe = join(root, '.changeset', `zz-probe-core-minor-${process.pid}.md`);
const out = join(mkdtempSync(join(tmpdir(), 'reef-changeset-')), 'status.json');
writeFileSync(probe, `---\n'@reef/core': minor\n---\n\nProbe: a minor core release (removed again by scripts/check-changeset-semver.mjs).\n`);
let plan;
try {
  execFileSync('npx', ['changeset', 'status', `--output=${out}`], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  plan = JSON.parse(readFileSync(out, 'utf8'));
} finally {
  rmSync(probe, { force: true });
}
const majors = plan.releases.filter((r) => r.type === 'major' && r.name !== '@reef/core');
console.log('release plan for a minor @reef/core (plus pending changesets):');
for (const r of plan.releases.sort((a, b) => a.name.localeCompare(b.name))) {
  console.log(`  ${r.name.padEnd(26)} ${r.type.padEnd(6)} ${r.oldVersion} -> ${r.newVersion}`);
}
if (majors.length) {
  console.error(`changeset semver: a core minor would major-bump ${majors.map((r) => r.name).join(', ')}`);
  process.exit(1);
}
console.log('changeset semver: a core minor release major-bumps no other package');
