/**
 * Two projects: `unit` (fast, in-process) and `e2e` (spawned CLIs, worker pools, the browser,
 * fuzzing, million-row reports). `npm test` runs both; `npm run test:unit` the fast one. The e2e
 * project builds dist/ once first (test/setup/build.ts): its tests use the built CLI and workers.
 * A new test file that spawns the CLI or starts workers belongs in E2E below.
 */
import { defineConfig } from 'vitest/config';

const E2E = [
  'test/cli/**/*.test.ts',
  'test/runner/**/*.test.ts',
  'test/api/**/*.test.ts',
  'test/slurm/**/*.test.ts',
  'test/advise/cli.test.ts',
  'test/results/selection-e2e.test.ts',
  'test/robust/journal.test.ts',
  'test/fuzz/**/*.test.ts',
  'test/**/e2e.test.ts',
  'test/**/browser.test.ts',
  'test/report/size.test.ts',
  'test/report/journal.test.ts',
  'test/results/frames.test.ts',
  'test/results/csv-writer-run.test.ts',
  'test/robust/pool.test.ts',
];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: E2E,
          // property tests run thousands of backtests; on a loaded machine 5 s is not enough
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: E2E,
          globalSetup: ['test/setup/build.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
