/**
 * The emulator command line with an upstream: `--upstream URL_TEMPLATE` and
 * `WEBPUBSUB_EMULATOR_UPSTREAM`.
 */

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEV_PRIMARY_KEY } from '../../emulator/server.js';
import { TestClient, signToken } from './helpers.js';
import { startWebhook, type Webhook } from './upstream-webhook.js';

const CLI_PATH = fileURLToPath(new URL('../../emulator/cli.js', import.meta.url));
const webhooks: Webhook[] = [];

afterEach(async () => {
  await Promise.all(webhooks.splice(0).map((webhook) => webhook.close()));
});

function runCli(args: string[], environment: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { env: { ...process.env, ...environment }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

async function waitForEndpoint(stderr: () => string): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const match = /Endpoint=(http:\/\/127\.0\.0\.1:\d+);/.exec(stderr());
    if (match) return match[1]!;
    if (Date.now() > deadline) throw new Error(`No connection string within 5000 ms: ${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Connects one client to hub `chat` and resolves with the `connect` events the webhook received. */
async function connectThrough(endpoint: string, webhook: Webhook): Promise<string[]> {
  const token = await signToken({ key: DEV_PRIMARY_KEY, audience: `${endpoint}/client/hubs/chat`, claims: { sub: 'cli-user' } });
  const client = await TestClient.connect(`${endpoint.replace(/^http/, 'ws')}/client/hubs/chat?access_token=${token}`);
  client.close();
  return webhook
    .events()
    .filter((request) => request.headers['ce-eventname'] === 'connect')
    .map((request) => `${request.path} ${request.headers['ce-type']}`);
}

describe('emulator command line with an upstream', () => {
  it('delivers events to --upstream', async () => {
    const webhook = await startWebhook();
    webhooks.push(webhook);
    const run = runCli(['--port', '0', '--upstream', `${webhook.url}/hooks/{hub}/{event}?code=cli-secret`]);

    try {
      const endpoint = await waitForEndpoint(run.stderr);

      expect(run.stderr()).toContain(`Event handler:     ${webhook.url}/hooks/{hub}/{event}`);
      expect(run.stderr()).not.toContain('cli-secret');
      expect(await connectThrough(endpoint, webhook)).toEqual(['/hooks/chat/connect?code=cli-secret azure.webpubsub.sys.connect']);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('reads WEBPUBSUB_EMULATOR_UPSTREAM', async () => {
    const webhook = await startWebhook();
    webhooks.push(webhook);
    const run = runCli(['--port', '0'], { WEBPUBSUB_EMULATOR_UPSTREAM: `${webhook.url}/eventhandler` });

    try {
      const endpoint = await waitForEndpoint(run.stderr);

      expect(await connectThrough(endpoint, webhook)).toEqual(['/eventhandler azure.webpubsub.sys.connect']);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('prints that no upstream is set', async () => {
    const run = runCli(['--port', '0'], { WEBPUBSUB_EMULATOR_UPSTREAM: '' });

    try {
      await waitForEndpoint(run.stderr);

      expect(run.stderr()).toContain('Event handler:     none');
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  const invalid = [
    { name: '--upstream', args: ['--upstream', 'ftp://127.0.0.1/x'], environment: {}, message: 'use http or https. (from --upstream)' },
    { name: 'WEBPUBSUB_EMULATOR_UPSTREAM', args: [], environment: { WEBPUBSUB_EMULATOR_UPSTREAM: 'http://127.0.0.1/{name}' }, message: '(from WEBPUBSUB_EMULATOR_UPSTREAM)' },
  ];
  for (const { name, args, environment, message } of invalid) {
    it(`exits 1 for an invalid ${name}`, async () => {
      const run = runCli(['--port', '0', ...args], environment);

      expect(await run.exited).toBe(1);
      expect(run.stderr()).toContain(message);
    });
  }
});
