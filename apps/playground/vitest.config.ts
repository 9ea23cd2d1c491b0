import { defineConfig } from 'vitest/config';

// Browser tests start Chromium and run quantizers in it: generous timeouts on a busy 2-core machine.
export default defineConfig({ test: { testTimeout: 300_000, hookTimeout: 300_000, maxWorkers: 1, minWorkers: 1 } });
