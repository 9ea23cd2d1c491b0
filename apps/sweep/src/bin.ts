#!/usr/bin/env node
import { isReefError } from '@reef/core';
import { main } from './cli.js';

main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  cwd: process.env.INIT_CWD && process.env.npm_lifecycle_event === 'sweep' ? process.env.INIT_CWD : process.cwd(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Bad input: one clear line, no stack. Anything else is a bug: show the stack.
    if (isReefError(err)) process.stderr.write(`reef-sweep: ${err.message}\n`);
    else process.stderr.write(`reef-sweep: unexpected error\n${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = isReefError(err) ? 2 : 1;
  },
);
