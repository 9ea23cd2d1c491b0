import { defineConfig } from 'vitest/config';

// Tests spawn the built CLI as real processes: give them room on a busy 2-core machine. Test files
// mostly wait on those children, so two run side by side even on 2 cores (vitest's default is one).
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000, maxWorkers: 2, minWorkers: 1 } });
