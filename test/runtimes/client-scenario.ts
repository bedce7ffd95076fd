/**
 * One scenario that every runtime test runs with this package's client: two clients connect,
 * one publishes each data type to a group, the other receives them, then both stop. It uses web
 * APIs only, so that Deno, Chromium and workerd run the same code.
 */
import type * as ClientModule from '../../src/client/index.js';

export interface ScenarioInput {
  /** Access URL of the subscriber: its token joins group `g`. */
  subscriberUrl: string;
  /** Access URL of the publisher: its token may send to group `g`. */
  publisherUrl: string;
  /** Socket factory; the runtime's global WebSocket when missing. */
  webSocketFactory?: ClientModule.WebSocketFactory;
}

export interface ScenarioResult {
  connectedUserIds: string[];
  received: Array<{ dataType: string; data: unknown; fromUserId: string }>;
  eventAck: { ackId?: number; isDuplicated: boolean };
  stoppedCodes: Array<number | undefined>;
}

const TIMEOUT_MS = 10_000;

function withTimeout<T>(promise: Promise<T>, description: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${description} did not happen within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function runClientScenario(client: typeof ClientModule, input: ScenarioInput): Promise<ScenarioResult> {
  const options = input.webSocketFactory ? { webSocketFactory: input.webSocketFactory } : {};
  const subscriber = new client.WebPubSubClient(input.subscriberUrl, options);
  const publisher = new client.WebPubSubClient({ getClientAccessUrl: async () => input.publisherUrl }, { ...options, protocol: client.WebPubSubJsonProtocol() });

  const result: ScenarioResult = { connectedUserIds: [], received: [], eventAck: { isDuplicated: true }, stoppedCodes: [] };
  let onThirdMessage: () => void = () => {};
  const allReceived = new Promise<void>((resolve) => (onThirdMessage = resolve));
  subscriber.on('group-message', ({ message }) => {
    const data = message.dataType === 'binary' ? [...new Uint8Array(message.data as ArrayBuffer)] : message.data;
    result.received.push({ dataType: message.dataType, data, fromUserId: message.fromUserId });
    if (result.received.length === 3) onThirdMessage();
  });
  for (const client of [subscriber, publisher]) {
    client.on('connected', ({ userId }) => result.connectedUserIds.push(userId));
  }
  const stopped = Promise.all(
    [subscriber, publisher].map(
      (client) =>
        new Promise<void>((resolve) => {
          client.on('stopped', ({ code }) => {
            result.stoppedCodes.push(code);
            resolve();
          });
        }),
    ),
  );

  try {
    await withTimeout(subscriber.start(), 'subscriber start');
    await withTimeout(publisher.start(), 'publisher start');
    await publisher.sendToGroup('g', { n: 1 }, 'json');
    await publisher.sendToGroup('g', 'two', 'text');
    await publisher.sendToGroup('g', new Uint8Array([3, 254]), 'binary');
    await withTimeout(allReceived, 'receiving three messages');
    result.eventAck = await subscriber.sendEvent('done', { ok: true }, 'json');
  } finally {
    subscriber.stop();
    publisher.stop();
  }
  await withTimeout(stopped, 'stopped events');
  return result;
}

/** What every runtime must produce. */
export const EXPECTED_RECEIVED: ScenarioResult['received'] = [
  { dataType: 'json', data: { n: 1 }, fromUserId: 'publisher' },
  { dataType: 'text', data: 'two', fromUserId: 'publisher' },
  { dataType: 'binary', data: [3, 254], fromUserId: 'publisher' },
];
