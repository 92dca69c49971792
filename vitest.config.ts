import { configDefaults, defineConfig } from 'vitest/config';

/** Tests that measure latency under load: they run after everything else, alone on the machine's cores. */
const ALONE = ['test/adversarial/reader-stall.test.ts'];

/**
 * The engine-neutral suites: they run a second time on PostgreSQL (CEPING_TEST_ENGINE=postgres makes
 * test/helpers/app.ts start the app on a PostgreSQL server of the test file's own). The suites left out read the
 * SQLite files themselves (the box's file, the main file's bytes, raw SQL on the connection), or time an interleaving
 * only SQLite's single connection makes certain; test/integration and test/adversarial hold the PostgreSQL side of those.
 */
const ENGINE_NEUTRAL = [
  'test/http/exports-instruments.test.ts',
  'test/http/exports-statistics.test.ts',
  'test/http/exports.test.ts',
  'test/http/first-start.test.ts',
  'test/http/login-audit.test.ts',
  'test/http/meeting-edit.test.ts',
  'test/http/meta.test.ts',
  'test/http/paper-ballots.test.ts',
  'test/http/poll-actions.test.ts',
  'test/http/print-address.test.ts',
  'test/http/results-pdf-row-name.test.ts',
  'test/http/sessions.test.ts',
  'test/http/turnout-all-voted.test.ts',
  'test/http/turnout-live.test.ts',
  'test/http/voter-waiting.test.ts',
  'test/http/write-atomicity.test.ts',
  'test/adversarial/injection.test.ts',
  'test/adversarial/publications.test.ts',
  'test/adversarial/race.test.ts',
  'test/adversarial/slow-clients.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts', 'src/**/*.test.ts'], exclude: [...configDefaults.exclude, ...ALONE] } },
      { extends: true, test: { name: 'postgres', include: ENGINE_NEUTRAL, env: { CEPING_TEST_ENGINE: 'postgres' } } },
      { extends: true, test: { name: 'alone', include: ALONE, sequence: { groupOrder: 1 } } },
    ],
  },
});
