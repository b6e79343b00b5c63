import { defineConfig } from 'vitest/config';

// End-to-end tests: root, a real stack on a Debian 12 machine. One file at a
// time (they share the machine's MariaDB, RabbitMQ and ports), long timeouts.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 45 * 60_000,
    hookTimeout: 20 * 60_000,
    pool: 'forks',
    reporters: ['verbose'],
  },
});
