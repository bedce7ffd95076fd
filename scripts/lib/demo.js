// @ts-check
/**
 * The scripted round trip of `npm run demo`: a WebSocket client negotiates through the Worker,
 * joins a group, and receives one broadcast to the hub, one to the group and one to its user.
 * Then it sends one chat message as the user event `message`, which the emulator delivers to the
 * Worker's `/eventhandler`, and receives the Worker's broadcast of it and the handler's reply.
 */
import { connectListener } from './pubsub-listener.js';

export const DEMO_USER_ID = 'demo-user';
export const DEMO_GROUP = 'demo-room';
export const DEMO_CHAT_TEXT = 'Hello through the event handler';

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

    await sendChatMessage(listener, print);
  } finally {
    await listener.close();
  }
}

/**
 * Sends one chat message and waits for the Worker's broadcast of it and for its reply. The demo
 * client has no chat room (its token has no group), so the Worker broadcasts to the whole hub.
 *
 * @param {import('./pubsub-listener.js').PubSubListener} listener
 * @param {(line: string) => void} print
 */
async function sendChatMessage(listener, print) {
  const ackId = await listener.sendEvent('message', DEMO_CHAT_TEXT);
  print(`Sent the user event "message" to the event handler (ack ${ackId} succeeded).`);

  const broadcast = await listener.waitForFrame(
    (frame) => {
      const data = /** @type {any} */ (frame.data);
      return frame.type === 'message' && data?.from === DEMO_USER_ID && data?.text === DEMO_CHAT_TEXT;
    },
    DELIVERY_TIMEOUT_MS,
    "The Worker's broadcast of the chat message",
  );
  print(`Received the chat message from the Worker: ${JSON.stringify(broadcast)}`);

  const reply = await listener.waitForFrame(
    (frame) => frame.type === 'message' && /** @type {any} */ (frame.data)?.sent === true,
    DELIVERY_TIMEOUT_MS,
    "The event handler's reply",
  );
  print(`Received the event handler's reply: ${JSON.stringify(reply)}`);
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
