import { defineConfig } from 'vitest/config';

// `npm test`: unit tests (pure, test/unit mirrors lib/), integration tests (git, pip, venvs, real small processes,
// the TUI, spawned entry points; no root), and the tests of tools/. The E2E tests need root and a real machine of
// the Debian kind: vitest.e2e.config.ts, `npm run test:e2e`.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/tools/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
