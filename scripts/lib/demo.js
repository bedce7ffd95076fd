// @ts-check
/**
 * The scripted round trip of `npm run demo`: a WebSocket client negotiates through the Worker,
 * joins a group, and receives one broadcast to the hub, one to the group and one to its user.
 */
import { connectListener } from './pubsub-listener.js';

export const DEMO_USER_ID = 'demo-user';
export const DEMO_GROUP = 'demo-room';

/** Time each broadcast gets to reach the client, in milliseconds. */
const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * Runs the round trip and prints each step.
 *
 * @param {string} workerUrl
 * @param {(line: string) => void} print
 * @throws {Error} when a step fails or a message does not arrive in time.
 */
export async function runDemo(workerUrl, print) {
  const listener = await connectListener({ workerUrl, userId: DEMO_USER_ID });
  try {
    const connected = await listener.waitForFrame(
      (frame) => frame.type === 'system' && frame.event === 'connected',
      DELIVERY_TIMEOUT_MS,
      'The "connected" system message',
    );
    print(`Connected as ${DEMO_USER_ID} (connection id ${connected.connectionId}).`);

    const ackId = await listener.joinGroup(DEMO_GROUP);
    print(`Joined group ${DEMO_GROUP} (ack ${ackId} succeeded).`);

    // Messages sent through the REST API arrive as server messages (`from: "server"`), also when
    // they target a group, so the demo matches each broadcast by its text.
    const targets = [
      { name: 'all', body: {} },
      { name: `group ${DEMO_GROUP}`, body: { group: DEMO_GROUP } },
      { name: `user ${DEMO_USER_ID}`, body: { userId: DEMO_USER_ID } },
    ];

    for (const target of targets) {
      const text = `Hello, ${target.name}`;
      await postBroadcast(workerUrl, { ...target.body, message: { text } });
      const frame = await listener.waitForFrame(
        (candidate) => candidate.type === 'message' && candidate.from === 'server' && /** @type {any} */ (candidate.data)?.text === text,
        DELIVERY_TIMEOUT_MS,
        `The broadcast to ${target.name}`,
      );
      print(`Received the broadcast to ${target.name}: ${JSON.stringify(frame)}`);
    }
  } finally {
    await listener.close();
  }
}

/**
 * @param {string} workerUrl
 * @param {Record<string, unknown>} body
 */
async function postBroadcast(workerUrl, body) {
  const response = await fetch(`${workerUrl}/broadcast`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
  });
  if (response.status !== 202) {
    throw new Error(`POST /broadcast returned status ${response.status}: ${await response.text()}`);
  }
}
