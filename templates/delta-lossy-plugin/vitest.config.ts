import { defineConfig } from 'vitest/config';

// The contract suite encodes every dtype and shape, some tests in fresh registries: allow minutes
// on a slow or busy machine, so only a hang times out.
export default defineConfig({
  test: { testTimeout: 300_000, hookTimeout: 300_000 },
});
