// `node --import ./record-loads.mjs ...`: records the URL of every module the process resolves
// (static and dynamic imports) in the file named by REEF_LOAD_LOG, one per line.
import { register } from 'node:module';

register('./record-loads-hooks.mjs', import.meta.url, { data: { log: process.env.REEF_LOAD_LOG } });
