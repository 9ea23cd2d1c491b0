import type { Registry } from '@reef/core';

/**
 * What the store needs of a host's Registry: its delta types. A Registry is one; a host that only
 * reads refs and commits (the CLI's status, log, show) may pass a plain object and so start without
 * loading the DI container.
 */
export type DeltaTypeSource = Pick<Registry, 'deltaTypes' | 'deltaType'> & {
  /** The host's services (a Registry's); the store reads PROGRESS from them when present. */
  readonly services?: Registry['services'];
};
