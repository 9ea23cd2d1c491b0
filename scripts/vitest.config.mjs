// The root scripts' own tests (scripts/test), run by `pnpm test` after the workspace packages.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.mjs'],
    exclude: ['test/fixtures/**'],
  },
});
