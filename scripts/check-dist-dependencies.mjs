#!/usr/bin/env node
// CI: every bare import in a publishable package's built output (dist/**/*.js) must be declared in its
// manifest, and every declared dependency must be imported. Needs a build first (`pnpm build`).
// Usage: node scripts/check-dist-dependencies.mjs [root]
import { resolve } from 'node:path';
import { checkDistDependencies } from './dist-dependencies/check.mjs';

const root = resolve(process.argv[2] ?? new URL('..', import.meta.url).pathname);
const { findings, packages, files } = checkDistDependencies(root);
if (packages === 0) {
  console.error(`dist dependencies: no built publishable package under ${root}; run \`pnpm build\` first`);
  process.exit(1);
}
for (const f of findings) {
  console.error(
    f.kind === 'undeclared'
      ? `${f.file}:${f.line} ${f.package} imports ${f.dependency} but its package.json does not declare it (dependencies, or peerDependencies for @reef/core)`
      : `${f.package} declares the dependency ${f.dependency} but no file of its dist imports it`,
  );
}
console.log(`dist dependencies: ${findings.length} problem(s) in ${files} built files of ${packages} packages`);
process.exit(findings.length ? 1 : 0);
