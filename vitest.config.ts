import { defineConfig } from 'vitest/config';

// Two projects: unit tests run anywhere without root; e2e tests need root and a
// real machine of the Debian kind and are selected with `npm run test:e2e`.
export default defineConfig({
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/tools/**/*.test.ts',
      'test/proc/**/*.test.ts',
      'test/ui/**/*.test.ts',
      'test/cli/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
