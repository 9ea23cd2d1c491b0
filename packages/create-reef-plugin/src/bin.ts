#!/usr/bin/env node
import { main } from './cli.js';

process.exitCode = main(process.argv.slice(2), process.cwd(), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
