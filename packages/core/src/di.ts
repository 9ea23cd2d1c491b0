// The DI container (tsyringe), as browsers and bundlers load it: ES imports. Node loads di-node.ts
// instead (package.json "imports", condition `node`); see there why.
import 'reflect-metadata';
export { container } from 'tsyringe';
export type { DependencyContainer, InjectionToken } from 'tsyringe';
