import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// Test files named *.test.ts under test/service, test/handler and test/internal use only web
// APIs and run in both Node and workerd. *.node.test.ts files need Node (official SDKs, sockets, child processes).
// test/workerd contains tests that only make sense inside workerd.
const PORTABLE = ['test/service/**/*.test.ts', 'test/handler/**/*.test.ts', 'test/internal/**/*.test.ts'];
const NODE_ONLY = '**/*.node.test.ts';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/workerd/**', '**/node_modules/**'],
          globalSetup: ['test/setup/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            main: './worker-example/src/index.ts',
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                WEBPUBSUB_CONNECTION_STRING: inject('emulatorConnectionString'),
                EMULATOR_URL: inject('emulatorUrl'),
              },
            },
          })),
        ],
        test: {
          name: 'workerd',
          include: [...PORTABLE, 'test/workerd/**/*.test.ts'],
          exclude: [NODE_ONLY, '**/node_modules/**'],
          globalSetup: ['test/setup/global-setup.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
