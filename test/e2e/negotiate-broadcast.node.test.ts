/**
 * End to end in Node: the emulator, the example Worker under wrangler's `unstable_startWorker`,
 * and `@azure/web-pubsub-client` 1.1.0 as the WebSocket client. The official client gets its URL
 * from the Worker's `/negotiate`, joins a group and receives broadcasts sent through `/broadcast`.
 */

import { WebPubSubClient, type OnServerDataMessageArgs } from '@azure/web-pubsub-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../emulator/server.js';
import { startExampleWorker, type DevWorker } from './example-worker.js';

const WAIT_MS = 10_000;

let emulator: Emulator;
let worker: DevWorker;
let workerUrl: string;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, log: () => {} });
  ({ worker, url: workerUrl } = await startExampleWorker(emulator.connectionString));
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
  await emulator?.close();
});

async function negotiate(userId: string): Promise<string> {
  const response = await fetch(`${workerUrl}/negotiate?userId=${encodeURIComponent(userId)}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { url: string }).url;
}

async function broadcast(body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${workerUrl}/broadcast`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(202);
}

/** Resolves with the first server message whose data equals `expected`. */
function waitForServerMessage(received: OnServerDataMessageArgs[], expected: unknown): Promise<OnServerDataMessageArgs> {
  const deadline = Date.now() + WAIT_MS;
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = received.find((event) => JSON.stringify(event.message.data) === JSON.stringify(expected));
      if (match) {
        resolve(match);
      } else if (Date.now() > deadline) {
        reject(new Error(`${JSON.stringify(expected)} did not arrive within ${WAIT_MS} ms`));
      } else {
        setTimeout(check, 20);
      }
    };
    check();
  });
}

describe('example Worker with @azure/web-pubsub-client', () => {
  it('hands out URLs on the test emulator', async () => {
    const url = await negotiate('e2e-probe');

    expect(url.startsWith(`${emulator.url.replace(/^http/, 'ws')}/client/hubs/chat?access_token=`)).toBe(true);
  });

  it('delivers to all, group and user', async () => {
    const tag = crypto.randomUUID();
    const received: OnServerDataMessageArgs[] = [];
    const client = new WebPubSubClient({ getClientAccessUrl: () => negotiate('e2e-user') }, { autoReconnect: false });
    client.on('server-message', (event) => received.push(event));

    await client.start();
    try {
      await client.joinGroup('e2e-room');

      const toAll = { text: 'to all', tag };
      await broadcast({ message: toAll });
      const allEvent = await waitForServerMessage(received, toAll);
      expect(allEvent.message.dataType).toBe('json');

      const toRoom = { text: 'to the room', tag };
      await broadcast({ message: toRoom, group: 'e2e-room' });
      const roomEvent = await waitForServerMessage(received, toRoom);
      expect(roomEvent.message.dataType).toBe('json');

      const toUser = `to e2e-user ${tag}`;
      await broadcast({ message: toUser, userId: 'e2e-user' });
      await waitForServerMessage(received, toUser);

      const tagged = received.map((event) => event.message.data).filter((data) => JSON.stringify(data).includes(tag));
      expect(tagged).toEqual([toAll, toRoom, toUser]);
    } finally {
      client.stop();
    }
  });

  it('skips clients outside the group', async () => {
    const tag = crypto.randomUUID();
    const received: OnServerDataMessageArgs[] = [];
    const client = new WebPubSubClient({ getClientAccessUrl: () => negotiate('e2e-outsider') }, { autoReconnect: false });
    client.on('server-message', (event) => received.push(event));

    await client.start();
    try {
      await broadcast({ message: { text: 'to the room', tag }, group: 'e2e-other-room' });
      const toAll = { text: 'to all', tag };
      await broadcast({ message: toAll });
      await waitForServerMessage(received, toAll);

      // Messages to one connection arrive in the order they were sent, so the group message
      // would have come first.
      const tagged = received.map((event) => event.message.data).filter((data) => JSON.stringify(data).includes(tag));
      expect(tagged).toEqual([toAll]);
    } finally {
      client.stop();
    }
  });
});
