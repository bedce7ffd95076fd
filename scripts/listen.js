#!/usr/bin/env node
// @ts-check
/**
 * `node scripts/listen.js <userId> [group ...]`: connects to the hub as `userId` through the
 * example Worker's `/negotiate`, joins the groups, and prints every message that arrives. Each
 * line on stdin is sent as the user event `message`, which the Worker's event handler broadcasts
 * as a chat message.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { DEFAULT_WORKER_PORT } from './lib/dev-stack.js';
import { connectListener } from './lib/pubsub-listener.js';

const DEFAULT_WORKER_URL = `http://127.0.0.1:${DEFAULT_WORKER_PORT}`;

const USAGE = `Usage: node scripts/listen.js <userId> [group ...] [--worker-url URL]

Gets a client URL for <userId> from the Worker's /negotiate, connects with the
json.webpubsub.azure.v1 subprotocol, joins each group, and prints every message as
one JSON line until Ctrl+C. Each line typed on stdin is sent as the user event
"message": the Worker's /eventhandler broadcasts it to the first group, or to the
whole hub without one. Start the Worker first with \`npm start\`.

Options:
  --worker-url URL   Base URL of the example Worker. Default: ${DEFAULT_WORKER_URL}.
  --help             Print this help.
`;

/**
 * @param {string} message
 * @returns {never}
 */
function exitWithUsageError(message) {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function readOptions() {
  let parsed;
  try {
    parsed = parseArgs({
      options: { 'worker-url': { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    exitWithUsageError(error instanceof Error ? error.message : String(error));
  }

  if (parsed.values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }

  const [userId, ...groups] = parsed.positionals;
  if (!userId) {
    exitWithUsageError('Missing <userId>.');
  }
  return { userId, groups, workerUrl: (parsed.values['worker-url'] ?? DEFAULT_WORKER_URL).replace(/\/+$/, '') };
}

async function main() {
  const { userId, groups, workerUrl } = readOptions();

  let listener;
  try {
    listener = await connectListener({ workerUrl, userId, groups, onFrame: (frame) => console.log(JSON.stringify(frame)) });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(`Could not connect through ${workerUrl}: ${reason}\nIs the Worker running? Start it with \`npm start\`.`);
    return 1;
  }

  for (const group of groups) {
    try {
      const ackId = await listener.joinGroup(group);
      console.error(`Joined group ${group} (ack ${ackId}).`);
    } catch (error) {
      console.error(error instanceof Error ? error.message : String(error));
      await listener.close();
      return 1;
    }
  }
  console.error(`Listening as ${userId}. Type a line to send a chat message. Press Ctrl+C to stop.`);
  sendTypedLines(listener);

  const stopped = await new Promise((resolve) => {
    process.once('SIGINT', () => resolve('signal'));
    process.once('SIGTERM', () => resolve('signal'));
    listener.socket.once('close', (code, reason) => resolve(`closed with code ${code}${reason.length > 0 ? `: ${reason}` : ''}`));
  });
  if (stopped !== 'signal') {
    console.error(`The connection ${stopped}.`);
    return 1;
  }

  await listener.close();
  return 0;
}

/**
 * Sends each non-empty line of stdin as a chat message. A failed send is printed, and the next
 * line is sent all the same.
 *
 * @param {import('./lib/pubsub-listener.js').PubSubListener} listener
 */
function sendTypedLines(listener) {
  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', (line) => {
    if (line.trim() === '') {
      return;
    }

    listener.sendEvent('message', line).catch((error) => {
      console.error(error instanceof Error ? error.message : String(error));
    });
  });
}

main().then(
  (exitCode) => process.exit(exitCode),
  (error) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exit(1);
  },
);
