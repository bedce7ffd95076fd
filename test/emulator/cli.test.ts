import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORT } from '../../emulator/server.js';
import { startTestEmulator } from './helpers.js';

const CLI_PATH = fileURLToPath(new URL('../../emulator/cli.js', import.meta.url));

interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function runCli(args: string[], environment: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    env: { ...process.env, ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function waitForOutput(read: () => string, pattern: RegExp, timeoutMs = 5000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = read().match(pattern);
    if (match) {
      return match;
    }
    if (Date.now() > deadline) {
      throw new Error(`Output did not match ${pattern} within ${timeoutMs} ms: ${read()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('emulator command line', () => {
  it('serves until SIGTERM, then exits 0', async () => {
    const run = runCli(['--port', '0']);
    try {
      const [, endpoint] = await waitForOutput(run.stderr, /Connection string: Endpoint=(http:\/\/127\.0\.0\.1:\d+);AccessKey=[A-Za-z0-9+/=]{44};Version=1\.0;/);
      expect((await fetch(`${endpoint}/api/health`, { method: 'HEAD' })).status).toBe(200);

      run.child.kill('SIGTERM');

      expect(await run.exited).toBe(0);
      const events = run.stdout().trim().split('\n').map((line) => JSON.parse(line).event);
      expect(events[0]).toBe('emulator.start');
      expect(events.at(-1)).toBe('emulator.stop');
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('reads the port from WEBPUBSUB_EMULATOR_PORT', async () => {
    const run = runCli([], { WEBPUBSUB_EMULATOR_PORT: '0' });
    try {
      const [, port] = await waitForOutput(run.stderr, /Endpoint=http:\/\/127\.0\.0\.1:(\d+);/);
      run.child.kill('SIGINT');

      expect(Number(port)).not.toBe(DEFAULT_PORT);
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('rejects an invalid WEBPUBSUB_EMULATOR_PORT', async () => {
    const run = runCli([], { WEBPUBSUB_EMULATOR_PORT: 'eighty' });

    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('Invalid port "eighty" in WEBPUBSUB_EMULATOR_PORT');
  });

  it('exits 1 when port is busy', async () => {
    const { emulator } = await startTestEmulator();
    try {
      const run = runCli(['--port', String(emulator.port)]);

      expect(await run.exited).toBe(1);
      expect(run.stderr()).toContain(`Port ${emulator.port} on 127.0.0.1 is already in use`);
    } finally {
      await emulator.close();
    }
  });

  it('exits 1 for an invalid port', async () => {
    const run = runCli(['--port', '70000']);

    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('Invalid port "70000"');
  });
});
