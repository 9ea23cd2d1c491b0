#!/usr/bin/env node
import { debugRequested, formatFailure } from '@reef/core/exit-codes';
import { main } from './cli.js';

const argv = process.argv.slice(2);
main(argv, {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  cwd: process.env.INIT_CWD && process.env.npm_lifecycle_event === 'sweep' ? process.env.INIT_CWD : process.cwd(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // One `reef-sweep:` line and the exit code of its class (docs/errors.md); the stack trace of
    // an internal error only with --debug or REEF_DEBUG=1.
    const { exitCode, lines } = formatFailure(err, 'reef-sweep', debugRequested(argv, process.env));
    process.stderr.write(lines.join('\n') + '\n');
    process.exitCode = exitCode;
  },
);
