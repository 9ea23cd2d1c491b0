import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import * as cluster from './cluster.js';
import * as demo from './demo.js';
import * as plugins from './plugins.js';
import * as store from './store.js';

/** Every command group registers itself here; each module exports register(program, ctx). */
export const commandModules: { register(program: Command, ctx: CliContext): void }[] = [plugins, demo, store, cluster];
