// @ts-check
/**
 * Starts the local development stack: the Web PubSub emulator in this process and the example
 * Worker under `wrangler dev` as a child process, bound to that emulator. The emulator delivers
 * the hub's events to the Worker's `/eventhandler`. Stops both again.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORT as DEFAULT_EMULATOR_PORT, startEmulator } from '../../emulator/server.js';

export { DEFAULT_EMULATOR_PORT };

/** Port of `wrangler dev` when none is given. */
export const DEFAULT_WORKER_PORT = 8787;

/** Route of the example Worker that receives the hub's events (worker-example/src/event-handler.ts). */
export const EVENT_HANDLER_PATH = '/eventhandler';

/** Time wrangler gets to bundle the Worker and respond to its first request, in milliseconds. */
const WORKER_STARTUP_TIMEOUT_MS = 60_000;

/** Time wrangler gets to exit after SIGTERM before its process group is killed, in milliseconds. */
const WORKER_STOP_TIMEOUT_MS = 5_000;

const HOST = '127.0.0.1';
const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRANGLER_BIN = fileURLToPath(new URL('../../node_modules/.bin/wrangler', import.meta.url));

// Keeps wrangler on loopback: no `cf` object download, no usage metrics, and no banner, because
// printing the banner checks the npm registry for a newer wrangler.
const WRANGLER_ENV = {
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
};

/** An error whose message is complete for the user; callers print it without a stack. */
export class StackError extends Error {
  name = 'StackError';
}

/**
 * @typedef {object} DevStackOptions
 * @property {number} [emulatorPort] default 8092
 * @property {number} [workerPort] default 8787
 * @property {(line: string) => void} [onWorkerOutput] receives each line wrangler prints
 * @property {import('../../emulator/log.js').LogSink} [emulatorLog] receives each emulator log entry
 * @property {AbortSignal} [signal] stops the startup, such as on Ctrl+C
 */

/**
 * @typedef {object} DevStack
 * @property {import('../../emulator/server.js').Emulator} emulator
 * @property {string} workerUrl such as `http://127.0.0.1:8787`
 * @property {Promise<string>} workerExited resolves when wrangler exits, with its exit code or
 *   signal, such as `code 1`
 * @property {() => Promise<void>} stop stops wrangler and the emulator; later calls return the
 *   same promise
 */

/**
 * Starts the emulator, then `wrangler dev`, and resolves once the Worker returns a client URL
 * that points at this emulator.
 *
 * @param {DevStackOptions} [options]
 * @returns {Promise<DevStack>}
 * @throws {StackError} when a port is in use, wrangler exits, the Worker does not respond in time,
 *   or `signal` aborts. Whatever was started is stopped first.
 */
export async function startDevStack(options = {}) {
  const {
    emulatorPort = DEFAULT_EMULATOR_PORT,
    workerPort = DEFAULT_WORKER_PORT,
    onWorkerOutput = () => {},
    emulatorLog = () => {},
    signal = new AbortController().signal,
  } = options;

  // wrangler would pick another port on its own, and the printed URLs would then be wrong.
  await assertPortFree(workerPort);

  // The emulator checks the upstream with its abuse-protection request before the first event,
  // so it may start before the Worker.
  const upstream = { urlTemplate: `http://${HOST}:${workerPort}${EVENT_HANDLER_PATH}` };
  let emulator;
  try {
    emulator = await startEmulator({ host: HOST, port: emulatorPort, log: emulatorLog, upstream });
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === 'EADDRINUSE') {
      throw new StackError(
        `Port ${emulatorPort} on ${HOST} is already in use, so the emulator cannot start. Stop the process using it or pass --emulator-port <n>.`,
      );
    }
    throw error;
  }

  const worker = spawnWrangler(emulator.connectionString, workerPort, onWorkerOutput);
  const workerUrl = `http://${HOST}:${workerPort}`;

  /** @type {Promise<void> | undefined} */
  let stopped;
  const stop = () => {
    stopped ??= (async () => {
      await worker.stop();
      await emulator.close();
    })();
    return stopped;
  };

  try {
    await waitForWorker(workerUrl, emulator.url, worker.exited, signal);
  } catch (error) {
    await stop();
    throw error;
  }

  return { emulator, workerUrl, workerExited: worker.exited, stop };
}

/** @param {number} port */
async function assertPortFree(port) {
  const server = createServer();
  try {
    server.listen(port, HOST);
    await once(server, 'listening');
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === 'EADDRINUSE') {
      throw new StackError(
        `Port ${port} on ${HOST} is already in use, so the Worker cannot start. Stop the process using it or pass --worker-port <n>.`,
      );
    }
    throw error;
  }
  server.close();
  await once(server, 'close');
}

/**
 * Spawns `wrangler dev` in its own process group, so that stopping it also reaches the workerd
 * processes it starts, and so that Ctrl+C in the terminal reaches only this process.
 *
 * @param {string} connectionString
 * @param {number} port
 * @param {(line: string) => void} onOutput
 */
function spawnWrangler(connectionString, port, onOutput) {
  const args = [
    'dev',
    '--ip',
    HOST,
    '--port',
    String(port),
    '--show-interactive-dev-session=false',
    // Overrides the value in .dev.vars, which assumes the emulator's default port.
    '--var',
    `WEBPUBSUB_CONNECTION_STRING:${connectionString}`,
  ];
  const child = spawn(WRANGLER_BIN, args, {
    cwd: REPOSITORY_ROOT,
    env: { ...process.env, ...WRANGLER_ENV },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  forwardLines(child.stdout, onOutput);
  forwardLines(child.stderr, onOutput);

  /** @type {Promise<string>} */
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`));
    child.once('error', (error) => resolve(`an error: ${error.message}`));
  });

  /** @type {Promise<void> | undefined} */
  let stopped;
  const stop = () => {
    stopped ??= (async () => {
      const groupId = child.pid;
      if (groupId === undefined) {
        return;
      }

      // The bin wrapper forwards SIGTERM to the wrangler CLI and exits after it.
      signalProcess(groupId, 'SIGTERM');
      const timedOut = Symbol('timed out');
      const result = await Promise.race([exited, delay(WORKER_STOP_TIMEOUT_MS).then(() => timedOut)]);
      if (result === timedOut) {
        onOutput(`wrangler did not exit within ${WORKER_STOP_TIMEOUT_MS} ms of SIGTERM; killing its process group.`);
      }

      // wrangler 4.86 exits without waiting for its children: its esbuild service can outlive it,
      // and its workerd processes stay as zombies until init reaps them. Kill what is left in the
      // group and wait until the group is empty, so that no workerd process remains on return.
      signalProcess(-groupId, 'SIGKILL');
      await exited;
      if (!(await waitForGroupExit(groupId, WORKER_STOP_TIMEOUT_MS))) {
        onOutput(`Processes of wrangler's process group ${groupId} were still listed ${WORKER_STOP_TIMEOUT_MS} ms after SIGKILL.`);
      }
    })();
    return stopped;
  };

  return { exited, stop };
}

/**
 * Resolves with true once no process of the group is left, zombies included, or with false
 * after `timeoutMs`.
 *
 * @param {number} groupId
 * @param {number} timeoutMs
 */
async function waitForGroupExit(groupId, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(-groupId, 0);
    } catch {
      return true;
    }
    await delay(100);
  }
  return false;
}

/**
 * @param {number} pid a process id, or a negative process group id
 * @param {NodeJS.Signals} signal
 */
function signalProcess(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch (error) {
    // ESRCH: the process or group is gone.
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'ESRCH') {
      throw error;
    }
  }
}

/**
 * Polls `GET /negotiate` until the Worker returns a client URL on this emulator.
 *
 * @param {string} workerUrl
 * @param {string} emulatorUrl
 * @param {Promise<string>} workerExited
 * @param {AbortSignal} signal
 */
async function waitForWorker(workerUrl, emulatorUrl, workerExited, signal) {
  const deadline = Date.now() + WORKER_STARTUP_TIMEOUT_MS;
  const probeUrl = `${workerUrl}/negotiate?userId=startup-check`;
  const expectedPrefix = `${emulatorUrl.replace(/^http/, 'ws')}/client/hubs/`;
  /** @type {string | undefined} */
  let exitReason;
  void workerExited.then((reason) => {
    exitReason = reason;
  });

  let lastProblem = 'no response yet';
  while (Date.now() < deadline) {
    if (signal.aborted) {
      throw new StackError('Startup was interrupted.');
    }

    if (exitReason !== undefined) {
      throw new StackError(`wrangler dev exited with ${exitReason} before the Worker responded. See its output above.`);
    }

    try {
      const response = await fetch(probeUrl, { signal: AbortSignal.timeout(5_000) });
      const body = /** @type {{ url?: unknown }} */ (await response.json().catch(() => ({})));
      if (response.ok && typeof body.url === 'string') {
        if (!body.url.startsWith(expectedPrefix)) {
          throw new StackError(`The Worker returned a client URL outside this emulator (expected ${expectedPrefix}...). Check WEBPUBSUB_CONNECTION_STRING.`);
        }
        return;
      }
      lastProblem = `GET /negotiate returned status ${response.status}`;
    } catch (error) {
      if (error instanceof StackError) {
        throw error;
      }
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    await delay(250);
  }

  throw new StackError(
    `The Worker did not respond at ${workerUrl} within ${WORKER_STARTUP_TIMEOUT_MS / 1000} s (last attempt: ${lastProblem}). See the wrangler output above.`,
  );
}

/**
 * @param {import('node:stream').Readable} stream
 * @param {(line: string) => void} onLine
 */
function forwardLines(stream, onLine) {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (/** @type {string} */ chunk) => {
    const lines = (pending + chunk).split(/\r?\n/);
    pending = lines.pop() ?? '';
    for (const line of lines) {
      onLine(line);
    }
  });
  stream.on('end', () => {
    if (pending !== '') {
      onLine(pending);
    }
  });
}

/** @param {number} ms */
function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
