import { createRequire } from 'node:module';
import type * as Tsyringe from 'tsyringe';

/**
 * The DI container (tsyringe) in Node, loaded with require(). tsyringe and reflect-metadata are
 * CommonJS; imported from an ES module, Node first parses each of tsyringe's 34 files for its
 * export names (cjs-module-lexer), which made loading it ~2.5x slower (~45 against ~20 ms on the
 * 2-core benchmark VM) — part of every `reef` command that discovers plugins. require() shares
 * the one module instance an ES import of tsyringe would get. reflect-metadata must come first.
 */
const require = createRequire(import.meta.url);
require('reflect-metadata');
export const { container } = require('tsyringe') as typeof Tsyringe;
export type { DependencyContainer, InjectionToken } from 'tsyringe';
