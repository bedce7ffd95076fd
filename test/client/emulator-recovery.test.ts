/**
 * Connection recovery in the emulator, driven with raw `ws` sockets: what the client library
 * relies on, checked without it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ClientConnection, RECOVERY_WINDOW_MS } from '../../emulator/client-connection.js';
import type { Emulator } from '../../emulator/server.js';
import { RELIABLE_SUBPROTOCOL, TestClient, clientToken, clientUrl, rest, startTestEmulator, uniqueHub } from '../emulator/helpers.js';

const API = 'api-version=2024-12-01';

let emulator: Emulator;
const clients: TestClient[] = [];

beforeAll(async () => {
  ({ emulator } = await startTestEmulator());
});

afterAll(async () => {
  clients.forEach((client) => client.close());
  await emulator.close();
});

interface Reliable {
  client: TestClient;
  connectionId: string;
  reconnectionToken: string;
  url: string;
}

async function connectReliable(hub: string, options: { roles?: string[]; groups?: string[] } = {}): Promise<Reliable> {
  const token = await clientToken(emulator, hub, options);
  const url = clientUrl(emulator, hub, token);
  const { client, connected } = await TestClient.connectWithSubprotocol(url, RELIABLE_SUBPROTOCOL);
  clients.push(client);
  return { client, url, connectionId: connected.connectionId as string, reconnectionToken: connected.reconnectionToken as string };
}

function recoveryUrl(reliable: Reliable, token = reliable.reconnectionToken): string {
  const url = new URL(reliable.url);
  url.searchParams.set('awps_connection_id', reliable.connectionId);
  url.searchParams.set('awps_reconnection_token', token);
  return url.href;
}

async function recover(reliable: Reliable, token?: string): Promise<TestClient> {
  const client = await TestClient.connect(recoveryUrl(reliable, token), { protocols: [RELIABLE_SUBPROTOCOL] });
  clients.push(client);
  return client;
}

async function sendToConnection(hub: string, connectionId: string, text: string): Promise<void> {
  const response = await rest(emulator, `/api/hubs/${hub}/connections/${connectionId}/:send?${API}`, { contentType: 'text/plain', body: text });
  expect(response.status).toBe(202);
}

async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('emulator recovery', () => {
  it('resends unacknowledged messages in order after a drop and keeps the groups', async () => {
    const hub = uniqueHub('Recover');
    const reliable = await connectReliable(hub, { groups: ['g'] });
    await sendToConnection(hub, reliable.connectionId, 'one');
    expect(await reliable.client.nextJson()).toMatchObject({ data: 'one', sequenceId: 1 });
    reliable.client.send({ type: 'sequenceAck', sequenceId: 1 });
    // The pong proves that the emulator read the sequenceAck, which came first.
    reliable.client.send({ type: 'ping' });
    expect(await reliable.client.nextJson()).toEqual({ type: 'pong' });

    emulator.hooks.dropConnection(reliable.connectionId);
    await reliable.client.closed();
    await waitUntil(() => emulator.hooks.recoverableConnections(hub).includes(reliable.connectionId));
    await sendToConnection(hub, reliable.connectionId, 'two');
    // A REST send to a group reaches the group's members as a server message.
    const groupResponse = await rest(emulator, `/api/hubs/${hub}/groups/g/:send?${API}`, { contentType: 'text/plain', body: 'three' });
    expect(groupResponse.status).toBe(202);

    const recovered = await recover(reliable);

    expect(await recovered.nextJson()).toMatchObject({ from: 'server', data: 'two', sequenceId: 2 });
    expect(await recovered.nextJson()).toMatchObject({ from: 'server', data: 'three', sequenceId: 3 });
    expect(emulator.hooks.connections(hub)).toMatchObject([{ connectionId: reliable.connectionId, groups: ['g'] }]);
  });

  it('closes a recovery with a wrong token with 1008', async () => {
    const hub = uniqueHub('Recover');
    const reliable = await connectReliable(hub);
    emulator.hooks.dropConnection(reliable.connectionId);
    await reliable.client.closed();

    const recovered = await recover(reliable, 'wrong-token');

    expect((await recovered.closed()).code).toBe(1008);
  });

  it('closes a recovery of a connection the service closed with 1008', async () => {
    const hub = uniqueHub('Recover');
    const reliable = await connectReliable(hub);
    emulator.hooks.closeConnection(reliable.connectionId, 4000, 'closed by test');
    await reliable.client.closed();

    expect((await (await recover(reliable)).closed()).code).toBe(1008);
  });

  it('does not keep a connection the client closed normally', async () => {
    const hub = uniqueHub('Recover');
    const reliable = await connectReliable(hub);
    reliable.client.socket.close(1000);
    await reliable.client.closed();

    expect(emulator.hooks.recoverableConnections(hub)).toEqual([]);
    expect((await (await recover(reliable)).closed()).code).toBe(1008);
  });

  it('hands a stalled connection to the recovering socket', async () => {
    const hub = uniqueHub('Recover');
    const reliable = await connectReliable(hub);
    emulator.hooks.stallConnection(reliable.connectionId);
    await sendToConnection(hub, reliable.connectionId, 'while stalled');

    const recovered = await recover(reliable);

    expect(await recovered.nextJson()).toMatchObject({ data: 'while stalled', sequenceId: 1 });
    expect(emulator.hooks.connections(hub)).toMatchObject([{ connectionId: reliable.connectionId, isStalled: false }]);
  });

  it('keeps a live connection from a second socket', async () => {
    const hub = uniqueHub('Recover');
    const reliable = await connectReliable(hub);

    expect((await (await recover(reliable)).closed()).code).toBe(1008);
    await sendToConnection(hub, reliable.connectionId, 'still here');
    expect(await reliable.client.nextJson()).toMatchObject({ data: 'still here' });
  });

  it('discards a dropped connection whose buffer fills', async () => {
    const hub = uniqueHub('Recover');
    const reliable = await connectReliable(hub, { groups: ['g'] });
    emulator.hooks.dropConnection(reliable.connectionId);
    await reliable.client.closed();
    await waitUntil(() => emulator.hooks.recoverableConnections(hub).length === 1);

    const publisher = await connectReliable(hub, { roles: ['webpubsub.sendToGroup'] });
    for (let index = 0; index <= 1000; index++) {
      publisher.client.send({ type: 'sendToGroup', group: 'g', dataType: 'text', data: `m${index}`, noEcho: true });
    }
    publisher.client.send({ type: 'sendToGroup', group: 'g', dataType: 'text', data: 'marker', ackId: 1 });
    await waitUntil(() => emulator.hooks.recoverableConnections(hub).length === 0);

    expect((await (await recover(reliable)).closed()).code).toBe(1008);
  });

  it('answers a lost-ack retry with Duplicate', async () => {
    const hub = uniqueHub('Recover');
    const sender = await connectReliable(hub, { roles: ['webpubsub.sendToGroup'] });
    const receiver = await connectReliable(hub, { groups: ['g'] });
    emulator.hooks.dropBeforeNextAck(sender.connectionId);

    sender.client.send({ type: 'sendToGroup', group: 'g', dataType: 'text', data: 'once', ackId: 7 });
    expect((await sender.client.closed()).code).toBe(1006);
    await waitUntil(() => emulator.hooks.recoverableConnections(hub).includes(sender.connectionId));
    const recovered = await recover(sender);
    recovered.send({ type: 'sendToGroup', group: 'g', dataType: 'text', data: 'once', ackId: 7 });

    expect(await recovered.nextJson()).toMatchObject({ type: 'ack', ackId: 7, success: false, error: { name: 'Duplicate' } });
    expect(await receiver.client.nextJson()).toMatchObject({ data: 'once' });
    await expect(receiver.client.next(200)).rejects.toThrow(/No frame/);
  });

  it('answers ping with pong', async () => {
    const hub = uniqueHub('Recover');
    const reliable = await connectReliable(hub);

    reliable.client.send({ type: 'ping' });

    expect(await reliable.client.nextJson()).toEqual({ type: 'pong' });
  });
});

describe('recovery window', () => {
  it('removes a dropped connection after 30 seconds', () => {
    vi.useFakeTimers();
    try {
      const webSocket = { readyState: 3 } as never;
      const logger = { error() {}, warn() {}, info() {} } as never;
      const connection = new ClientConnection({
        hubName: 'hub',
        userId: null,
        roles: [],
        subprotocol: RELIABLE_SUBPROTOCOL,
        webSocket,
        socket: {} as never,
        logger,
      });
      const remove = vi.fn();

      connection.keepForRecovery(remove);
      vi.advanceTimersByTime(RECOVERY_WINDOW_MS - 1);
      expect(remove).not.toHaveBeenCalled();
      expect(connection.isDetached).toBe(true);

      vi.advanceTimersByTime(1);
      expect(remove).toHaveBeenCalledOnce();
      expect(connection.isDetached).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
