/**
 * The client in Deno 2.9.6 (the `deno` dev dependency): a Deno process imports
 * `src/client/index.ts` directly, connects to the emulator with Deno's global WebSocket and runs
 * the shared scenario. Deno may reach loopback only.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../emulator/server.js';
import { accessUrl } from '../client/helpers/emulator-clients.js';
import { EXPECTED_RECEIVED, type ScenarioResult } from './client-scenario.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DENO = join(ROOT, 'node_modules/.bin/deno');

let emulator: Emulator;
let denoDir: string;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, log: () => {} });
  denoDir = await mkdtemp(join(tmpdir(), 'webpubsub-deno-'));
});

afterAll(async () => {
  await emulator.close();
  await rm(denoDir, { recursive: true, force: true });
});

const DENO_ENV = () => ({ ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_DIR: denoDir, NO_COLOR: '1' });

it('type-checks the client in Deno', async () => {
  const { stderr } = await run(DENO, ['check', '--no-config', '--sloppy-imports', 'src/client/index.ts'], {
    cwd: ROOT,
    timeout: 60_000,
    env: DENO_ENV(),
  });

  expect(stderr).toContain('Check');
  expect(stderr).not.toMatch(/error/i);
}, 90_000);

it('runs the client scenario in Deno', async () => {
  const subscriberUrl = await accessUrl(emulator, 'deno', { userId: 'subscriber', groups: ['g'] });
  const publisherUrl = await accessUrl(emulator, 'deno', { userId: 'publisher', roles: ['webpubsub.sendToGroup'] });

  // --sloppy-imports lets Deno resolve the `.js` specifiers of the TypeScript sources to `.ts`.
  const { stdout } = await run(
    DENO,
    ['run', '--no-config', '--sloppy-imports', '--allow-net=127.0.0.1', 'test/runtimes/client-deno-main.ts', subscriberUrl, publisherUrl],
    { cwd: ROOT, timeout: 60_000, env: DENO_ENV() },
  );
  const result = JSON.parse(stdout.trim().split('\n').at(-1) as string) as ScenarioResult;

  expect(result.connectedUserIds.sort()).toEqual(['publisher', 'subscriber']);
  expect(result.received).toEqual(EXPECTED_RECEIVED);
  expect(result.eventAck.isDuplicated).toBe(false);
  expect(result.stoppedCodes).toEqual([1000, 1000]);
}, 90_000);
