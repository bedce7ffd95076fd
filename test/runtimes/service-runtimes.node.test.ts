/**
 * The service client and the event handler outside Node. Deno runs them with network access to
 * loopback only, and no env, sys or read permission, so nothing may sniff the platform. Bun runs
 * them too, workerd runs them through Miniflare with and without the nodejs_compat flag, and the
 * edge-runtime sandbox runs them where `process` and `require` do not exist. Each runs the same scenarios: the service client against a live emulator, and
 * the event handler on signed and forged requests.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EdgeRuntime } from 'edge-runtime';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../emulator/server.js';
import { createDenoRunner, ROOT, type DenoRunner } from './deno.js';
import type { HandlerScenarioResult, ServiceScenarioResult } from './service-scenario.js';

const run = promisify(execFile);
const SCENARIO = join(ROOT, 'test/runtimes/service-scenario.ts');

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

function expectScenarioPassed(result: ServiceScenarioResult): void {
  expect(result.tokenParts).toBe(3);
  expect(result.baseUrl).toBe(`${emulator.url.replace('http', 'ws')}/client/hubs/runtimes`);
  expect(result.sentToAll).toBe(true);
  expect(result.sentToGroup).toBe(true);
  expect(result.unknownConnectionExists).toBe(false);
  expect(result.serviceStatus).toBe(true);
}

function expectHandlerScenarioPassed(result: HandlerScenarioResult): void {
  expect(result.validationStatus).toBe(200);
  expect(result.allowedOrigin).toBe('demo.webpubsub.azure.com');
  expect(result.connectStatus).toBe(200);
  expect(result.connectBody).toEqual({ userId: 'from-handler', groups: ['g'] });
  expect(result.forgedStatus).toBe(401);
  expect(result.userEventStatus).toBe(200);
  expect(result.userEventBody).toBe('echo:hi');
  expect(result.rejectedStatus).toBe(400);
}

function expectScenariosPassed(result: { service: ServiceScenarioResult; handler: HandlerScenarioResult }): void {
  expectScenarioPassed(result.service);
  expectHandlerScenarioPassed(result.handler);
}

/** Bundle a fetch handler around the scenario, the way a Worker or an edge function ships. */
async function bundleScenarioHandler(format: 'esm' | 'iife'): Promise<string> {
  const handler = `
    import { runHandlerScenario, runServiceScenario } from ${JSON.stringify(SCENARIO)};
    async function handle(request) {
      const connectionString = new URL(request.url).searchParams.get('cs');
      try {
        return Response.json({ service: await runServiceScenario(connectionString), handler: await runHandlerScenario() });
      } catch (error) {
        return new Response(String(error && error.stack || error), { status: 500 });
      }
    }
    ${format === 'esm' ? 'export default { fetch: handle };' : "addEventListener('fetch', (event) => event.respondWith(handle(event.request)));"}
  `;
  const result = await build({
    stdin: { contents: handler, resolveDir: ROOT, sourcefile: 'handler.js' },
    bundle: true,
    format,
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

describe('service client and handler runtimes', () => {
  it('bundles without Node built-ins', async () => {
    const code = await bundleScenarioHandler('esm');
    expect(code).not.toMatch(/from\s*["']node:/);
    expect(code).not.toMatch(/\brequire\(/);
    expect(code).not.toMatch(/\bprocess\.\w/);
    expect(code).not.toMatch(/\bBuffer\.\w/);
  });

  it('runs in Deno with loopback network access only', async () => {
    const { stdout } = await deno.run([
      'run',
      '--no-config',
      '--sloppy-imports',
      '--allow-net=127.0.0.1',
      'test/runtimes/service-runtime-main.ts',
      emulator.connectionString,
    ]);
    expectScenariosPassed(JSON.parse(stdout.trim().split('\n').at(-1)!));
  }, 90_000);

  it('runs in Bun', async () => {
    const { stdout } = await run(
      join(ROOT, 'node_modules/.bin/bun'),
      ['run', 'test/runtimes/service-runtime-main.ts', emulator.connectionString],
      { cwd: ROOT, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } },
    );
    expectScenariosPassed(JSON.parse(stdout.trim().split('\n').at(-1)!));
  }, 90_000);

  for (const compatibilityFlags of [[], ['nodejs_compat']]) {
    it(`runs in workerd with compatibility flags [${compatibilityFlags.join(', ')}]`, async () => {
      const miniflare = new Miniflare({
        modules: true,
        script: await bundleScenarioHandler('esm'),
        compatibilityDate: '2026-04-01',
        compatibilityFlags,
        cf: false,
      });
      try {
        const response = await miniflare.dispatchFetch(`http://worker/?cs=${encodeURIComponent(emulator.connectionString)}`);
        const body = await response.text();
        expect(response.status, body).toBe(200);
        expectScenariosPassed(JSON.parse(body));
      } finally {
        await miniflare.dispose();
      }
    }, 60_000);
  }

  it('runs in edge-runtime without process or require', async () => {
    const runtime = new EdgeRuntime({ initialCode: await bundleScenarioHandler('iife') });
    expect(runtime.evaluate('typeof process')).toBe('undefined');
    expect(runtime.evaluate('typeof require')).toBe('undefined');

    const response = await runtime.dispatchFetch(`http://edge/?cs=${encodeURIComponent(emulator.connectionString)}`);
    const body = await response.text();
    expect(response.status, body).toBe(200);
    expectScenariosPassed(JSON.parse(body));
  }, 60_000);
});
