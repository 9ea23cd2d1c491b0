import { defineConfig } from 'vitest/config';

// The contract suite loads a saved model in a fresh Node process and trains on a few thousand
// vectors: allow minutes on a slow or busy machine, so only a hang times out.
export default defineConfig({
  test: { testTimeout: 300_000, hookTimeout: 300_000 },
});
