import { defineConfig } from 'vitest/config';

// Fits on a shared 2-core machine can take several seconds; the default 5 s is too tight.
export default defineConfig({ test: { testTimeout: 30_000, hookTimeout: 60_000 } });
