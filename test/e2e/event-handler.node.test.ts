/**
 * The whole event loop in Node: a client connects to the emulator, the emulator delivers the
 * hub's events to the example Worker's `/eventhandler` (workerd under wrangler's
 * `unstable_startWorker`), and the Worker's replies and REST broadcasts come back to the clients.
 */

import { WebPubSubClient, type OnServerDataMessageArgs } from '@azure/web-pubsub-client';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LogEntry } from '../../emulator/log.js';
import { startEmulator, type Emulator } from '../../emulator/server.js';
import { JSON_SUBPROTOCOL, TestClient, clientToken, clientUrl } from '../emulator/helpers.js';
import { startExampleWorker, type DevWorker } from './example-worker.js';

const WAIT_MS = 10_000;

let emulator: Emulator;
let worker: DevWorker;
let workerUrl: string;
const logs: LogEntry[] = [];

/** Returns a port that was free a moment ago. Another process may take it before it is used. */
async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  // The emulator needs the Worker's URL for its upstream and the Worker needs the emulator's
  // connection string, so the Worker port is chosen first.
  const workerPort = await findFreePort();
  emulator = await startEmulator({
    port: 0,
    log: (entry) => logs.push(entry),
    upstream: { urlTemplate: `http://127.0.0.1:${workerPort}/eventhandler` },
  });
  ({ worker, url: workerUrl } = await startExampleWorker(emulator.connectionString, workerPort));
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
  await emulator?.close();
});

async function negotiate(userId: string, room?: string): Promise<string> {
  const response = await fetch(`${workerUrl}/negotiate?userId=${encodeURIComponent(userId)}`);
  expect(response.status).toBe(200);
  const { url } = (await response.json()) as { url: string };
  return room === undefined ? url : `${url}&room=${encodeURIComponent(room)}`;
}

/** Connects with the JSON subprotocol as `userId`, in `room`, and returns the `connected` frame too. */
async function connectChat(userId: string, room?: string) {
  return TestClient.connectWithSubprotocol(await negotiate(userId, room), JSON_SUBPROTOCOL);
}

/** Reads frames until one matches, skipping the others. */
async function nextMatching(client: TestClient, predicate: (frame: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const frame = await client.nextJson(Math.max(1, deadline - Date.now()));
    if (predicate(frame)) return frame;
  }
}

/** Attempts an upgrade and resolves with the status and body of the rejection. */
function rejectedUpgrade(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, [JSON_SUBPROTOCOL]);
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.once('open', () => {
      socket.terminate();
      reject(new Error('The upgrade succeeded.'));
    });
    socket.on('error', () => {});
  });
}

function upstreamCalls(connectionId: string): Array<{ eventName: unknown; status: unknown }> {
  return logs
    .filter((entry) => entry.event === 'upstream.request' && entry.connectionId === connectionId)
    .map((entry) => ({ eventName: entry.eventName, status: entry.status }));
}

async function waitFor(check: () => boolean, description: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${description} did not happen within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('connect through the Worker', () => {
  it('joins the room the handler chose', async () => {
    const room = `room-${crypto.randomUUID()}`;
    const { client, connected } = await connectChat('e2e-alice', room);

    try {
      expect(connected).toMatchObject({ type: 'system', event: 'connected', userId: 'e2e-alice' });
      const info = emulator.hooks.connections('chat').find((connection) => connection.connectionId === connected.connectionId);
      expect(info?.userId).toBe('e2e-alice');
      expect(info?.groups).toEqual([room]);
    } finally {
      client.close();
    }
  });

  it('fails the upgrade with 401', async () => {
    const token = await clientToken(emulator, 'chat', { roles: ['webpubsub.sendToGroup'] });

    const { status, body } = await rejectedUpgrade(clientUrl(emulator, 'chat', token));

    expect(status).toBe(401);
    expect(body).toContain('Anonymous connections are not allowed');
  });

  it('sends connected and disconnected', async () => {
    const { client, connected } = await connectChat('e2e-notified');
    const connectionId = connected.connectionId as string;

    client.socket.close(1000);
    await client.closed();
    await waitFor(() => upstreamCalls(connectionId).length === 3, 'The disconnected event');

    expect(upstreamCalls(connectionId)).toEqual([
      { eventName: 'connect', status: 200 },
      { eventName: 'connected', status: 204 },
      { eventName: 'disconnected', status: 204 },
    ]);
  });
});

describe('chat messages through the Worker', () => {
  it('broadcast to the room and reply', async () => {
    const room = `room-${crypto.randomUUID()}`;
    const alice = await connectChat('e2e-alice', room);
    const bob = await connectChat('e2e-bob', room);

    try {
      alice.client.send({ type: 'event', event: 'message', dataType: 'text', data: 'hello room', ackId: 1 });

      const received = await nextMatching(bob.client, (frame) => frame.type === 'message');
      expect(received).toEqual({ type: 'message', from: 'server', dataType: 'json', data: { from: 'e2e-alice', text: 'hello room' } });
      expect(await nextMatching(alice.client, (frame) => frame.type === 'message' && (frame.data as { sent?: unknown }).sent === true)).toEqual({
        type: 'message',
        from: 'server',
        dataType: 'json',
        data: { sent: true, group: room, count: 1 },
      });
      expect(await nextMatching(alice.client, (frame) => frame.type === 'ack')).toEqual({ type: 'ack', ackId: 1, success: true });
    } finally {
      alice.client.close();
      bob.client.close();
    }
  });

  it('carry the count in the connection state', async () => {
    const room = `room-${crypto.randomUUID()}`;
    const { client } = await connectChat('e2e-counter', room);

    try {
      const counts: unknown[] = [];
      for (const [ackId, text] of [[1, 'one'], [2, 'two'], [3, 'three']] as const) {
        client.send({ type: 'event', event: 'message', dataType: 'json', data: { text }, ackId });
        const reply = await nextMatching(client, (frame) => frame.type === 'message' && (frame.data as { sent?: unknown }).sent === true);
        counts.push((reply.data as { count: unknown }).count);
      }

      expect(counts).toEqual([1, 2, 3]);
    } finally {
      client.close();
    }
  });

  it('work for a client without a subprotocol', async () => {
    const room = `room-${crypto.randomUUID()}`;
    const client = await TestClient.connect(await negotiate('e2e-simple', room));

    try {
      client.socket.send('hello simple');

      const broadcast = await client.next(WAIT_MS);
      const reply = await client.next(WAIT_MS);
      expect(broadcast.isBinary).toBe(false);
      expect(JSON.parse(broadcast.data as string)).toEqual({ from: 'e2e-simple', text: 'hello simple' });
      expect(reply.isBinary).toBe(false);
      expect(JSON.parse(reply.data as string)).toEqual({ sent: true, group: room, count: 1 });
    } finally {
      client.close();
    }
  });

  it('reach @azure/web-pubsub-client', async () => {
    const received: OnServerDataMessageArgs[] = [];
    const client = new WebPubSubClient({ getClientAccessUrl: () => negotiate('e2e-official') }, { autoReconnect: false });
    client.on('server-message', (event) => received.push(event));
    const tag = crypto.randomUUID();

    await client.start();
    try {
      await client.sendEvent('message', { text: tag }, 'json');
      await waitFor(() => received.length >= 2, 'The broadcast and the reply');

      const data = received.map((event) => event.message.data);
      expect(data).toContainEqual({ from: 'e2e-official', text: tag });
      expect(data).toContainEqual({ sent: true, group: null, count: 1 });
    } finally {
      client.stop();
    }
  });
});

describe('events the Worker rejects', () => {
  it('close a subprotocol client after an error ack', async () => {
    const { client } = await connectChat('e2e-typing');

    client.send({ type: 'event', event: 'typing', dataType: 'text', data: 'x', ackId: 7 });

    const ack = await nextMatching(client, (frame) => frame.type === 'ack');
    expect(ack).toMatchObject({ ackId: 7, success: false, error: { name: 'InternalServerError' } });
    expect((ack.error as { message: string }).message).toContain('400');
    const disconnected = await nextMatching(client, (frame) => frame.type === 'system');
    expect(disconnected.event).toBe('disconnected');
    expect((await client.closed(WAIT_MS)).code).toBe(1000);
  });

  it('close a simple client that sends binary', async () => {
    const client = await TestClient.connect(await negotiate('e2e-binary'));

    client.socket.send(Buffer.from([1, 2, 3]));

    expect((await client.closed(WAIT_MS)).code).toBe(1000);
  });
});
