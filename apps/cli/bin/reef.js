#!/usr/bin/env node
// The `reef` command. A committed file rather than the built dist/bundle/reef.js itself, so that a package manager
// can link the command when it installs a fresh checkout, before anything is built.
const built = new URL('../dist/bundle/reef.js', import.meta.url);
try {
  await import(built.href);
} catch (err) {
  // A checkout that was installed but not built yet: say what to run, not a module-resolution stack.
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes(built.pathname)) throw err;
  process.stderr.write('reef: not built yet (no ' + built.pathname + '): run npx -y pnpm@10 build in the repository\n');
  process.exitCode = 2;
}
