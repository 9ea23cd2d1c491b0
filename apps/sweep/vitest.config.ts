import { defineConfig } from 'vitest/config';

// Tests spawn the built CLI as real processes: give them room on a busy 2-core machine.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } });
