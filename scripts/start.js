#!/usr/bin/env node
// @ts-check
/**
 * `npm start`: runs the Web PubSub emulator and the example Worker (`wrangler dev`) on loopback
 * until Ctrl+C, with the emulator delivering the hub's events to the Worker's `/eventhandler`.
 * `npm run demo`: the same, then a scripted round trip through both, then exit.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_EMULATOR_PORT, DEFAULT_WORKER_PORT, EVENT_HANDLER_PATH, StackError, startDevStack } from './lib/dev-stack.js';
import { runDemo } from './lib/demo.js';

const USAGE = `Usage: node scripts/start.js [--demo] [--emulator-port N] [--worker-port N]

Starts the Azure Web PubSub emulator and the example Worker (wrangler dev) on 127.0.0.1,
with the Worker bound to the emulator and the emulator delivering the hub's events to the
Worker's /eventhandler, and runs them until Ctrl+C.

Options:
  --demo              Run a round trip through the Worker and the emulator, print the
                      messages that arrive, stop both and exit (0 on success).
  --emulator-port N   Port of the emulator. Default: ${DEFAULT_EMULATOR_PORT}.
  --worker-port N     Port of the Worker. Default: ${DEFAULT_WORKER_PORT}.
  --help              Print this help.
`;

/** Lines of wrangler and emulator output kept in demo mode, printed if the demo fails. */
const DEMO_LOG_LINES = 200;

/**
 * @param {string} message
 * @returns {never}
 */
function exitWithUsageError(message) {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

/**
 * @param {string | undefined} value
 * @param {string} option
 * @param {number} fallback
 */
function parsePort(value, option, fallback) {
  if (value === undefined) {
    return fallback;
  }

  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
    exitWithUsageError(`Invalid ${option} "${value}". Use an integer from 1 to 65535.`);
  }
  return port;
}

function readOptions() {
  /** @type {ReturnType<typeof parseOptions>} */
  let parsed;
  try {
    parsed = parseOptions();
  } catch (error) {
    exitWithUsageError(error instanceof Error ? error.message : String(error));
  }

  if (parsed.values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }

  return {
    isDemo: parsed.values.demo === true,
    emulatorPort: parsePort(parsed.values['emulator-port'], '--emulator-port', DEFAULT_EMULATOR_PORT),
    workerPort: parsePort(parsed.values['worker-port'], '--worker-port', DEFAULT_WORKER_PORT),
  };
}

function parseOptions() {
  return parseArgs({
    options: {
      demo: { type: 'boolean' },
      'emulator-port': { type: 'string' },
      'worker-port': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
}

/**
 * @param {string} workerUrl
 * @param {string} emulatorUrl
 * @param {number} workerPort
 */
function printInstructions(workerUrl, emulatorUrl, workerPort) {
  const listenCommand = workerPort === DEFAULT_WORKER_PORT ? 'node scripts/listen.js alice room-1' : `node scripts/listen.js alice room-1 --worker-url ${workerUrl}`;
  const broadcast = `curl -X POST ${workerUrl}/broadcast -H 'content-type: application/json'`;
  console.log(
    [
      '',
      `Web PubSub emulator: ${emulatorUrl}`,
      `Example Worker:      ${workerUrl}`,
      `Event handler:       ${workerUrl}${EVENT_HANDLER_PATH} (the emulator sends the hub's events here)`,
      '',
      'Get a client URL for user alice, who joins group room-1 on connect:',
      `  curl '${workerUrl}/negotiate?userId=alice&groups=room-1'`,
      '',
      'Connect as alice, join room-1 and print what arrives (in another terminal):',
      `  ${listenCommand}`,
      'Each line typed there goes to the event handler as a chat message for room-1.',
      '',
      'Broadcast to every client, to group room-1, or to user alice:',
      `  ${broadcast} -d '{"message":"hello"}'`,
      `  ${broadcast} -d '{"message":{"text":"hello room"},"group":"room-1"}'`,
      `  ${broadcast} -d '{"message":"hello alice","userId":"alice"}'`,
      '',
      'Press Ctrl+C to stop both.',
      '',
    ].join('\n'),
  );
}

/**
 * Returns a promise that resolves with the first of SIGINT, SIGTERM and SIGHUP, and an
 * AbortSignal that aborts at the same time.
 */
function watchStopSignals() {
  const controller = new AbortController();
  /** @type {Promise<NodeJS.Signals>} */
  const received = new Promise((resolve) => {
    for (const name of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
      process.on(name, () => {
        if (controller.signal.aborted) {
          console.error(`Received ${name} again; still stopping the emulator and wrangler.`);
          return;
        }

        controller.abort();
        resolve(name);
      });
    }
  });
  return { received, signal: controller.signal };
}

async function main() {
  const { isDemo, emulatorPort, workerPort } = readOptions();
  const stopSignal = watchStopSignals();

  /** @type {string[]} */
  const recentLog = [];
  /** @param {string} line */
  const keepLine = (line) => {
    recentLog.push(line);
    if (recentLog.length > DEMO_LOG_LINES) {
      recentLog.shift();
    }
  };
  const printRecentLog = () => {
    console.error(`\nLast ${recentLog.length} lines of wrangler and emulator output:`);
    for (const line of recentLog) {
      console.error(`  ${line}`);
    }
  };

  // The demo keeps wrangler and emulator output for a failure report; npm start prints it.
  /** @param {string} line */
  const handleOutput = (line) => (isDemo ? keepLine(line) : console.log(line));

  console.log(`Starting the emulator on 127.0.0.1:${emulatorPort} and wrangler dev on 127.0.0.1:${workerPort}...`);
  let stack;
  try {
    stack = await startDevStack({
      emulatorPort,
      workerPort,
      signal: stopSignal.signal,
      onWorkerOutput: (line) => handleOutput(`[wrangler] ${line}`),
      emulatorLog: (entry) => handleOutput(`[emulator] ${JSON.stringify(entry)}`),
    });
  } catch (error) {
    if (isDemo) {
      printRecentLog();
    }
    if (error instanceof StackError) {
      console.error(`\n${error.message}`);
      return stopSignal.signal.aborted ? 130 : 1;
    }
    throw error;
  }

  if (!isDemo) {
    printInstructions(stack.workerUrl, stack.emulator.url, workerPort);
    const outcome = await Promise.race([
      stopSignal.received.then((name) => `Received ${name}.`),
      stack.workerExited.then((reason) => `wrangler dev exited unexpectedly with ${reason}.`),
    ]);
    console.log(`\n${outcome} Stopping wrangler and the emulator...`);
    await stack.stop();
    console.log('Stopped.');
    return outcome.startsWith('Received') ? 0 : 1;
  }

  let exitCode = 0;
  try {
    console.log(`Worker ready at ${stack.workerUrl}; emulator at ${stack.emulator.url}.\n`);
    const interrupted = stopSignal.received.then((name) => {
      throw new Error(`Interrupted by ${name}.`);
    });
    await Promise.race([runDemo(stack.workerUrl, (line) => console.log(line)), interrupted]);
    console.log('\nDemo passed: every broadcast and the chat message arrived.');
  } catch (error) {
    printRecentLog();
    console.error(`\nDemo failed: ${error instanceof Error ? error.message : String(error)}`);
    exitCode = stopSignal.signal.aborted ? 130 : 1;
  } finally {
    await stack.stop();
    console.log('Stopped wrangler and the emulator.');
  }
  return exitCode;
}

main().then(
  (exitCode) => process.exit(exitCode),
  (error) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exit(1);
  },
);
