import { defineConfig } from 'vitest/config';

// These tests spawn the real CLI; on a busy 2-core machine a process can take seconds to start.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } });
