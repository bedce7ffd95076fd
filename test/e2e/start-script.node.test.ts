/**
 * `scripts/start.js` and `scripts/listen.js` as child processes. `--demo` passes its round trip,
 * prints what arrived and exits 0. Without it the script serves until SIGTERM, and both leave no
 * wrangler or workerd process behind.
 */

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const START_SCRIPT = fileURLToPath(new URL('../../scripts/start.js', import.meta.url));
const LISTEN_SCRIPT = fileURLToPath(new URL('../../scripts/listen.js', import.meta.url));
const DEMO_TIMEOUT_MS = 90_000;
const OUTPUT_TIMEOUT_MS = 60_000;
const CHILD_ENV = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' };

/** Returns a port that was free a moment ago. Another process may take it before it is used. */
async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function runScript(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [START_SCRIPT, ...args], { env: CHILD_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));

    // SIGTERM makes the script stop wrangler and the emulator before it exits.
    const timer = setTimeout(() => child.kill('SIGTERM'), DEMO_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A running script whose stdout and stderr are collected into `output`. */
class RunningScript {
  output = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk) => (this.output += chunk));
    child.stderr.on('data', (chunk) => (this.output += chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static start(script: string, args: string[]): RunningScript {
    return new RunningScript(spawn(process.execPath, [script, ...args], { env: CHILD_ENV }));
  }

  /** Resolves once the output contains `text`, or rejects after OUTPUT_TIMEOUT_MS. */
  async waitForOutput(text: string): Promise<void> {
    const deadline = Date.now() + OUTPUT_TIMEOUT_MS;
    while (!this.output.includes(text)) {
      if (Date.now() > deadline) {
        throw new Error(`"${text}" did not appear within ${OUTPUT_TIMEOUT_MS} ms. Output:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Sends `signal` and resolves with the exit code. */
  async stop(signal: NodeJS.Signals): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal);
    }
    return this.exited;
  }
}

/** Command lines of running processes that contain `text`; empty where /proc does not exist. */
function processesMatching(text: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }

  const matches: string[] = [];
  for (const pid of entries) {
    try {
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (commandLine.includes(text)) matches.push(`${pid}: ${commandLine}`);
    } catch {
      // The process exited while the list was read.
    }
  }
  return matches;
}

describe('scripts/start.js --demo', () => {
  it(
    'passes the round trip and stops both processes',
    async () => {
      const emulatorPort = await findFreePort();
      const workerPort = await findFreePort();

      const { code, stdout, stderr } = await runScript(['--demo', '--emulator-port', String(emulatorPort), '--worker-port', String(workerPort)]);

      expect(code, `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(0);
      expect(stdout).toContain('Joined group demo-room (ack 1 succeeded).');
      expect(stdout).toMatch(/Received the broadcast to all: .*"data":\{"text":"Hello, all"\}/);
      expect(stdout).toMatch(/Received the broadcast to group demo-room: .*"data":\{"text":"Hello, group demo-room"\}/);
      expect(stdout).toMatch(/Received the broadcast to user demo-user: .*"data":\{"text":"Hello, user demo-user"\}/);
      expect(stdout).toMatch(/Received the chat message from the Worker: .*"data":\{"from":"demo-user","text":"Hello through the event handler"\}/);
      expect(stdout).toMatch(/Received the event handler's reply: .*"data":\{"sent":true,"group":null,"count":1\}/);
      expect(stdout).toContain('Demo passed');
      // wrangler's command line and that of its entry workerd process contain the Worker port.
      expect(processesMatching(`--port ${workerPort}`)).toEqual([]);
      expect(processesMatching(`entry=127.0.0.1:${workerPort}`)).toEqual([]);
    },
    DEMO_TIMEOUT_MS + 15_000,
  );

  it('reports a Worker port in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;

    try {
      const { code, stderr } = await runScript(['--demo', '--worker-port', String(port), '--emulator-port', String(await findFreePort())]);

      expect(code).toBe(1);
      expect(stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(stderr).toContain('--worker-port');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('reports an emulator port in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;

    try {
      const { code, stderr } = await runScript(['--demo', '--emulator-port', String(port), '--worker-port', String(await findFreePort())]);

      expect(code).toBe(1);
      expect(stderr).toContain(`Port ${port} on 127.0.0.1 is already in use, so the emulator cannot start`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('rejects an invalid port with usage help', async () => {
    const { code, stderr } = await runScript(['--worker-port', 'eighty']);

    expect(code).toBe(2);
    expect(stderr).toContain('Invalid --worker-port "eighty"');
    expect(stderr).toContain('Usage: node scripts/start.js');
  });
});

describe('scripts/start.js', () => {
  it(
    'serves listen.js until SIGTERM',
    async () => {
      const emulatorPort = await findFreePort();
      const workerPort = await findFreePort();
      const workerUrl = `http://127.0.0.1:${workerPort}`;
      const start = RunningScript.start(START_SCRIPT, ['--emulator-port', String(emulatorPort), '--worker-port', String(workerPort)]);
      let listen: RunningScript | undefined;

      try {
        await start.waitForOutput('Press Ctrl+C to stop both.');
        expect(start.output).toContain(`Example Worker:      ${workerUrl}`);
        expect(start.output).toContain(`node scripts/listen.js alice room-1 --worker-url ${workerUrl}`);

        listen = RunningScript.start(LISTEN_SCRIPT, ['alice', 'room-1', '--worker-url', workerUrl]);
        await listen.waitForOutput('Listening as alice.');
        expect(listen.output).toContain('Joined group room-1 (ack 1).');

        const response = await fetch(`${workerUrl}/broadcast`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"message":{"text":"hello room"},"group":"room-1"}',
        });
        expect(response.status).toBe(202);
        await listen.waitForOutput('{"type":"message","from":"server","dataType":"json","data":{"text":"hello room"}}');

        // A typed line goes through the Worker's /eventhandler, which broadcasts it to room-1.
        listen.child.stdin.write('hello from alice\n');
        await listen.waitForOutput('"data":{"from":"alice","text":"hello from alice"}');
        await listen.waitForOutput('"data":{"sent":true,"group":"room-1","count":1}');

        expect(await listen.stop('SIGINT')).toBe(0);
        expect(await start.stop('SIGTERM')).toBe(0);
        expect(start.output).toContain('Received SIGTERM. Stopping wrangler and the emulator...');
        expect(start.output).toContain('Stopped.');
        expect(processesMatching(`--port ${workerPort}`)).toEqual([]);
        expect(processesMatching(`entry=127.0.0.1:${workerPort}`)).toEqual([]);
      } finally {
        await listen?.stop('SIGKILL');
        await start.stop('SIGTERM');
      }
    },
    OUTPUT_TIMEOUT_MS * 2,
  );
});
