/**
 * The client in Deno 2.9.6 (the `deno` dev dependency): a Deno process imports
 * `src/client/index.ts` directly, connects to the emulator with Deno's global WebSocket and runs
 * the shared scenario. Deno may reach loopback only.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../emulator/server.js';
import { accessUrl } from '../client/helpers/emulator-clients.js';
import { EXPECTED_RECEIVED, type ScenarioResult } from './client-scenario.js';
import { createDenoRunner, type DenoRunner } from './deno.js';

let emulator: Emulator;
let deno: DenoRunner;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, log: () => {} });
  deno = await createDenoRunner();
});

afterAll(async () => {
  await emulator.close();
  await deno.dispose();
});

it('type-checks the client in Deno', async () => {
  const { stderr } = await deno.run(['check', '--no-config', '--sloppy-imports', 'src/client/index.ts']);

  expect(stderr).toContain('Check');
  expect(stderr).not.toMatch(/error/i);
}, 90_000);

it('runs the client scenario in Deno', async () => {
  const subscriberUrl = await accessUrl(emulator, 'deno', { userId: 'subscriber', groups: ['g'] });
  const publisherUrl = await accessUrl(emulator, 'deno', { userId: 'publisher', roles: ['webpubsub.sendToGroup'] });

  // --sloppy-imports lets Deno resolve the `.js` specifiers of the TypeScript sources to `.ts`.
  const { stdout } = await deno.run([
    'run',
    '--no-config',
    '--sloppy-imports',
    '--allow-net=127.0.0.1',
    'test/runtimes/client-deno-main.ts',
    subscriberUrl,
    publisherUrl,
  ]);
  const result = JSON.parse(stdout.trim().split('\n').at(-1) as string) as ScenarioResult;

  expect(result.connectedUserIds.sort()).toEqual(['publisher', 'subscriber']);
  expect(result.received).toEqual(EXPECTED_RECEIVED);
  expect(result.eventAck.isDuplicated).toBe(false);
  expect(result.stoppedCodes).toEqual([1000, 1000]);
}, 90_000);
