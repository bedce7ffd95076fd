/**
 * The client in headless Chromium (Debian's `chromium` package, driven by playwright-core): a
 * loopback page loads an esbuild bundle of `src/client/index.ts` and runs the shared scenario
 * with the browser's WebSocket against the emulator.
 */
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../emulator/server.js';
import { accessUrl } from '../client/helpers/emulator-clients.js';
import { EXPECTED_RECEIVED, type ScenarioInput, type ScenarioResult } from './client-scenario.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PAGE = `<!doctype html>
<script type="module">
  import * as client from '/client.js';
  import { runClientScenario } from '/scenario.js';
  window.runScenario = (input) => runClientScenario(client, input);
  window.isReady = true;
</script>`;

let emulator: Emulator;
let server: Server;
let pageUrl: string;
let userDataDir: string;
let context: BrowserContext;

async function bundle(entryPoint: string): Promise<string> {
  const output = await build({ entryPoints: [join(ROOT, entryPoint)], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' });
  return output.outputFiles[0]!.text;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}. Install it with: apt-get update && apt-get install -y --no-install-recommends chromium`);
  }

  emulator = await startEmulator({ port: 0, log: () => {} });
  const files: Record<string, string> = {
    '/': PAGE,
    '/client.js': await bundle('src/client/index.ts'),
    '/scenario.js': await bundle('test/runtimes/client-scenario.ts'),
  };
  server = createServer((request, response) => {
    const body = files[request.url ?? ''];
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': request.url === '/' ? 'text/html' : 'text/javascript' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  userDataDir = await mkdtemp(join(tmpdir(), 'webpubsub-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  await new Promise((resolve) => server?.close(resolve));
  await emulator?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
});

it('runs the client scenario in Chromium', async () => {
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(pageUrl);
  await page.waitForFunction(() => (window as unknown as { isReady?: boolean }).isReady === true, undefined, { timeout: 10_000 });
  const input: ScenarioInput = {
    subscriberUrl: await accessUrl(emulator, 'browser', { userId: 'subscriber', groups: ['g'] }),
    publisherUrl: await accessUrl(emulator, 'browser', { userId: 'publisher', roles: ['webpubsub.sendToGroup'] }),
  };

  const result = await page.evaluate(
    (scenarioInput) => (window as unknown as { runScenario: (value: unknown) => Promise<ScenarioResult> }).runScenario(scenarioInput),
    input,
  );

  expect(pageErrors).toEqual([]);
  expect(result.connectedUserIds.sort()).toEqual(['publisher', 'subscriber']);
  expect(result.received).toEqual(EXPECTED_RECEIVED);
  expect(result.eventAck.isDuplicated).toBe(false);
  expect(result.stoppedCodes).toEqual([1000, 1000]);
  await page.close();
}, 60_000);
