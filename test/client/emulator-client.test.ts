/**
 * The client against the emulator over real loopback sockets: the field cases that need a real
 * service, with the emulator's hooks to drop, stall and close connections.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../emulator/log.js';
import { startEmulator, type Emulator } from '../../emulator/server.js';
import { ConnectionError, WebPubSubClient, WebPubSubJsonProtocol, type SendMessageError } from '../../src/client/index.js';
import { clientToken, clientUrl } from '../emulator/helpers.js';
import { accessUrl, connectionIdOf, createEmulatorClient, nextEvent, nodeWebSocketFactory, waitUntil } from './helpers/emulator-clients.js';

let emulator: Emulator;
const logs: LogEntry[] = [];
const started: WebPubSubClient[] = [];
let hubCount = 0;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, log: (entry) => logs.push(entry) });
});

afterEach(() => {
  started.splice(0).forEach((client) => client.stop());
});

afterAll(async () => {
  await emulator.close();
});

function newHub(): string {
  hubCount += 1;
  return `client${hubCount}`;
}

function track<T extends { client: WebPubSubClient }>(created: T): T {
  started.push(created.client);
  return created;
}

const GROUP_ROLES = ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'];

describe('messages', () => {
  it('reach another client in a group with each data type', async () => {
    const hub = newHub();
    const alice = track(createEmulatorClient(emulator, hub, { userId: 'alice', roles: GROUP_ROLES }));
    const bob = track(createEmulatorClient(emulator, hub, { userId: 'bob', roles: GROUP_ROLES }));
    await alice.client.start();
    await bob.client.start();
    await bob.client.joinGroup('room');
    const received: Array<{ dataType: string; data: unknown; fromUserId: string }> = [];
    bob.client.on('group-message', ({ message }) => received.push(message));

    await alice.client.sendToGroup('room', { n: 1 }, 'json');
    await alice.client.sendToGroup('room', 'text', 'text');
    await alice.client.sendToGroup('room', new Uint8Array([1, 2, 250]), 'binary');
    await waitUntil(() => received.length === 3);

    expect(received.map(({ dataType, fromUserId }) => [dataType, fromUserId])).toEqual([
      ['json', 'alice'],
      ['text', 'alice'],
      ['binary', 'alice'],
    ]);
    expect(received[0]?.data).toEqual({ n: 1 });
    expect(received[1]?.data).toBe('text');
    expect([...new Uint8Array(received[2]?.data as ArrayBuffer)]).toEqual([1, 2, 250]);
  });

  it('leave the sender out with noEcho', async () => {
    const hub = newHub();
    const alice = track(createEmulatorClient(emulator, hub, { userId: 'alice', roles: GROUP_ROLES }));
    await alice.client.start();
    await alice.client.joinGroup('room');

    const echoed = nextEvent(alice.client, 'group-message');
    await alice.client.sendToGroup('room', 'quiet', 'text', { noEcho: true });
    await alice.client.sendToGroup('room', 'loud', 'text');
    await echoed;

    expect(alice.events.filter((event) => event.name === 'group-message').map((event) => (event.args as { message: { data: unknown } }).message.data)).toEqual(['loud']);
  });

  it('acknowledge an event sent to the application server', async () => {
    const hub = newHub();
    const alice = track(createEmulatorClient(emulator, hub, { userId: 'alice' }));
    await alice.client.start();

    await expect(alice.client.sendEvent('hello', { x: 1 }, 'json')).resolves.toMatchObject({ isDuplicated: false });
  });
});

describe('oversized frame', () => {
  it('is rejected and the connection stays', async () => {
    const hub = newHub();
    const alice = track(createEmulatorClient(emulator, hub, { userId: 'alice', roles: GROUP_ROLES }));
    await alice.client.start();
    const firstId = connectionIdOf(emulator, hub, 'alice');

    const error = await alice.client.sendToGroup('g', 'a'.repeat(1_048_576), 'text').catch((caught: unknown) => caught);

    expect(error).toMatchObject({ name: 'ConfigError', code: 'INVALID_ARGUMENT' });
    await expect(alice.client.sendToGroup('g', 'small', 'text')).resolves.toMatchObject({ isDuplicated: false });
    expect(connectionIdOf(emulator, hub, 'alice')).toBe(firstId);
    expect(alice.events.map((event) => event.name)).toEqual(['connected']);
  });
});

describe('group permissions', () => {
  it('rejects joinGroup at once without the role, and joins with it', async () => {
    const hub = newHub();
    const without = track(createEmulatorClient(emulator, hub, { userId: 'nobody' }));
    const withRole = track(createEmulatorClient(emulator, hub, { userId: 'member', roles: ['webpubsub.joinLeaveGroup.g'] }));
    await without.client.start();
    await withRole.client.start();

    const startedAt = Date.now();
    const error = (await without.client.joinGroup('g').catch((caught: unknown) => caught)) as SendMessageError;

    expect(Date.now() - startedAt).toBeLessThan(500);
    expect(error).toMatchObject({ code: 'ACK_FAILED', errorDetail: { name: 'Forbidden' } });
    await expect(withRole.client.joinGroup('g')).resolves.toMatchObject({ isDuplicated: false });
    expect(emulator.hooks.connections(hub).find((connection) => connection.userId === 'member')?.groups).toEqual(['g']);
  });
});

describe('half-open socket', () => {
  it('is detected by keepalive and recovered on the reliable protocol', async () => {
    const hub = newHub();
    const subscriber = track(
      createEmulatorClient(emulator, hub, { userId: 'sub', groups: ['g'] }, { keepAliveIntervalInMs: 100, keepAliveTimeoutInMs: 500 }),
    );
    await subscriber.client.start();
    const connectionId = connectionIdOf(emulator, hub, 'sub') as string;

    emulator.hooks.stallConnection(connectionId);
    await waitUntil(() => logs.some((entry) => entry.event === 'client.recovered' && entry.connectionId === connectionId), 3000, 'recovery');
    const publisher = track(createEmulatorClient(emulator, hub, { userId: 'pub', roles: ['webpubsub.sendToGroup'] }));
    await publisher.client.start();
    const received = nextEvent(subscriber.client, 'group-message');
    await publisher.client.sendToGroup('g', 'after', 'text');

    expect((await received).message.data).toBe('after');
    expect(subscriber.events.filter((event) => event.name === 'disconnected')).toEqual([]);
  });

  it('is closed once and replaced on the non-reliable protocol', async () => {
    const hub = newHub();
    const client = track(
      createEmulatorClient(
        emulator,
        hub,
        { userId: 'sub' },
        { protocol: WebPubSubJsonProtocol(), keepAliveIntervalInMs: 100, keepAliveTimeoutInMs: 500 },
      ),
    );
    await client.client.start();
    const firstId = connectionIdOf(emulator, hub, 'sub') as string;
    const reconnected = nextEvent(client.client, 'connected', 3000);

    emulator.hooks.stallConnection(firstId);

    expect((await reconnected).connectionId).not.toBe(firstId);
    expect(client.events.filter((event) => event.name === 'disconnected')).toMatchObject([{ args: { connectionId: firstId, code: 1006 } }]);
    expect(client.urlRequests()).toBe(2);
  });
});

describe('idle connection', () => {
  it('stays open while the emulator answers pings', async () => {
    const hub = newHub();
    const client = track(createEmulatorClient(emulator, hub, { userId: 'idle' }, { keepAliveIntervalInMs: 50, keepAliveTimeoutInMs: 300 }));
    await client.client.start();

    await new Promise((resolve) => setTimeout(resolve, 1500));

    expect(client.events.map((event) => event.name)).toEqual(['connected']);
  });
});

describe('autoReconnect off', () => {
  it('emits disconnected then stopped once after a dropped socket, and starts again', async () => {
    const hub = newHub();
    const client = track(createEmulatorClient(emulator, hub, { userId: 'u' }, { autoReconnect: false, protocol: WebPubSubJsonProtocol() }));
    await client.client.start();
    const stopped = nextEvent(client.client, 'stopped');

    emulator.hooks.dropConnection(connectionIdOf(emulator, hub, 'u') as string);
    await stopped;
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(client.events.map((event) => event.name)).toEqual(['connected', 'disconnected', 'stopped']);
    await client.client.start();
    expect(client.events.at(-1)?.name).toBe('connected');
  });

  it('emits disconnected then stopped once after a clean close', async () => {
    const hub = newHub();
    const client = track(createEmulatorClient(emulator, hub, { userId: 'u' }, { autoReconnect: false, protocol: WebPubSubJsonProtocol() }));
    await client.client.start();
    const stopped = nextEvent(client.client, 'stopped');

    emulator.hooks.closeConnection(connectionIdOf(emulator, hub, 'u') as string, 1000, 'done');

    expect(await stopped).toEqual({ code: 1000, reason: 'done' });
    expect(client.events.map((event) => event.name)).toEqual(['connected', 'disconnected', 'stopped']);
    expect(client.events[1]?.args).toMatchObject({ code: 1000, reason: 'done', message: { message: 'done' } });
  });
});

describe('stop during reconnect', () => {
  it('ends the loop while upgrades fail', async () => {
    const hub = newHub();
    let calls = 0;
    const client = new WebPubSubClient(
      {
        // The first URL works; later ones carry a token the emulator rejects with 401.
        getClientAccessUrl: async () => {
          calls += 1;
          const url = await accessUrl(emulator, hub, { userId: 'u' });
          return calls === 1 ? url : url.replace(/access_token=[^&]+/, 'access_token=invalid');
        },
      },
      { webSocketFactory: nodeWebSocketFactory, reconnectRetryOptions: { retryDelayInMs: 50 } },
    );
    started.push(client);
    const names: string[] = [];
    client.on('disconnected', () => names.push('disconnected'));
    client.on('stopped', () => names.push('stopped'));
    await client.start();

    emulator.hooks.closeConnection(connectionIdOf(emulator, hub, 'u') as string, 1008, 'gone');
    await waitUntil(() => calls >= 4, 3000, 'failed reconnects');
    const stopped = nextEvent(client, 'stopped');
    client.stop();
    await stopped;
    const attemptsAtStop = calls;
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(calls).toBe(attemptsAtStop);
    expect(names).toEqual(['disconnected', 'stopped']);
  });
});

describe('close details', () => {
  it('report 1008 with reason and message, then a new connection', async () => {
    const hub = newHub();
    const client = track(createEmulatorClient(emulator, hub, { userId: 'u' }));
    await client.client.start();
    const firstId = connectionIdOf(emulator, hub, 'u') as string;
    const disconnected = nextEvent(client.client, 'disconnected');
    const reconnected = nextEvent(client.client, 'connected');

    emulator.hooks.closeConnection(firstId, 1008, 'invalid recovery token');

    expect(await disconnected).toEqual({
      connectionId: firstId,
      code: 1008,
      reason: 'invalid recovery token',
      message: { kind: 'disconnected', message: 'invalid recovery token' },
    });
    expect((await reconnected).connectionId).not.toBe(firstId);
  });

  for (const code of [1000, 4000, 1011]) {
    it(`report service close ${code} without recovery`, async () => {
      const hub = newHub();
      const socketUrls: string[] = [];
      const client = track(
        createEmulatorClient(emulator, hub, { userId: 'u' }, {
          webSocketFactory: (url, protocol, options) => {
            socketUrls.push(url);
            return nodeWebSocketFactory(url, protocol, options);
          },
        }),
      );
      await client.client.start();
      const firstId = connectionIdOf(emulator, hub, 'u') as string;
      const disconnected = nextEvent(client.client, 'disconnected');
      const reconnected = nextEvent(client.client, 'connected');

      emulator.hooks.closeConnection(firstId, code, 'bye');

      expect(await disconnected).toEqual({
        connectionId: firstId,
        code,
        reason: 'bye',
        message: { kind: 'disconnected', message: 'bye' },
      });
      expect((await reconnected).connectionId).not.toBe(firstId);
      expect(socketUrls.filter((url) => url.includes('awps_connection_id'))).toEqual([]);
    });
  }
});

describe('lost ack', () => {
  it('is retried with the same ackId and published once', async () => {
    const hub = newHub();
    const sender = track(createEmulatorClient(emulator, hub, { userId: 'sender', roles: ['webpubsub.sendToGroup'] }, { messageRetryOptions: { maxRetries: 0 } }));
    const receiver = track(createEmulatorClient(emulator, hub, { userId: 'receiver', groups: ['g'] }));
    await sender.client.start();
    await receiver.client.start();
    const received: unknown[] = [];
    receiver.client.on('group-message', ({ message }) => received.push(message.data));

    emulator.hooks.dropBeforeNextAck(connectionIdOf(emulator, hub, 'sender') as string);
    const error = (await sender.client.sendToGroup('g', 'once', 'text').catch((caught: unknown) => caught)) as SendMessageError;
    expect(error.code).toBe('CONNECTION_CLOSED');
    await waitUntil(() => logs.some((entry) => entry.event === 'client.recovered' && entry.userId === 'sender'), 3000, 'recovery');

    const retried = await sender.client.sendToGroup('g', 'once', 'text', { ackId: error.ackId });
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(retried).toEqual({ ackId: error.ackId, isDuplicated: true });
    expect(received).toEqual(['once']);
  });

  it('is retried by the client itself', async () => {
    const hub = newHub();
    const sender = track(createEmulatorClient(emulator, hub, { userId: 'sender', roles: ['webpubsub.sendToGroup'] }, { messageRetryOptions: { retryDelayInMs: 100 } }));
    const receiver = track(createEmulatorClient(emulator, hub, { userId: 'receiver', groups: ['g'] }));
    await sender.client.start();
    await receiver.client.start();
    const received: unknown[] = [];
    receiver.client.on('group-message', ({ message }) => received.push(message.data));

    emulator.hooks.dropBeforeNextAck(connectionIdOf(emulator, hub, 'sender') as string);
    const result = await sender.client.sendToGroup('g', 'once', 'text');
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(result.isDuplicated).toBe(true);
    expect(received).toEqual(['once']);
  });
});

describe('rejoin', () => {
  it('joins the groups again on a new connection', async () => {
    const hub = newHub();
    const client = track(createEmulatorClient(emulator, hub, { userId: 'u', roles: ['webpubsub.joinLeaveGroup'] }));
    await client.client.start();
    await client.client.joinGroup('a');
    await client.client.joinGroup('b');
    await client.client.leaveGroup('b');
    const reconnected = nextEvent(client.client, 'connected');

    emulator.hooks.closeConnection(connectionIdOf(emulator, hub, 'u') as string, 1008, 'new connection please');
    await reconnected;

    expect(emulator.hooks.connections(hub)[0]?.groups).toEqual(['a']);
  });
});

describe('reconnect pacing', () => {
  for (const [label, protocol, code] of [
    ['JSON protocol, close 1000', WebPubSubJsonProtocol(), 1000],
    ['reliable protocol, close 1008', undefined, 1008],
    ['reliable protocol, close 1000', undefined, 1000],
  ] as const) {
    it(`limits connections closed at once (${label})`, async () => {
      const hub = newHub();
      const client = track(
        createEmulatorClient(emulator, hub, { userId: 'u' }, {
          reconnectRetryOptions: { retryDelayInMs: 250 },
          ...(protocol ? { protocol } : {}),
        }),
      );
      let connectedCount = 0;
      client.client.on('connected', ({ connectionId }) => {
        connectedCount += 1;
        emulator.hooks.closeConnection(connectionId, code, 'closed by the application');
      });
      await client.client.start();

      await new Promise((resolve) => setTimeout(resolve, 2000));
      client.client.stop();

      // Reconnect delays of 200 to 300 ms allow at most 11 connections in 2 s.
      expect(connectedCount).toBeGreaterThanOrEqual(3);
      expect(connectedCount).toBeLessThanOrEqual(11);
      expect(client.urlRequests()).toBeLessThanOrEqual(11);
    });
  }
});

describe('rejected upgrade', () => {
  it('rejects start with 401 for a wrong key', async () => {
    const hub = newHub();
    const token = await clientToken(emulator, hub, { userId: 'u', key: 'not-the-access-key' });
    const client = new WebPubSubClient(clientUrl(emulator, hub, token), { webSocketFactory: nodeWebSocketFactory });

    const error = (await client.start().catch((caught: unknown) => caught)) as ConnectionError;

    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.status).toBe(401);
  });

  it('reports 401 for each failed reconnect', async () => {
    const hub = newHub();
    let calls = 0;
    const client = new WebPubSubClient(
      {
        getClientAccessUrl: async () => {
          calls += 1;
          const key = calls === 1 ? emulator.accessKeys[0] : 'not-the-access-key';
          return clientUrl(emulator, hub, await clientToken(emulator, hub, { userId: 'u', key }));
        },
      },
      { webSocketFactory: nodeWebSocketFactory, reconnectRetryOptions: { maxRetries: 2, retryDelayInMs: 50 } },
    );
    started.push(client);
    const statuses: Array<number | undefined> = [];
    client.on('error', ({ error }) => statuses.push((error as ConnectionError).status));
    await client.start();
    const stopped = nextEvent(client, 'stopped');

    emulator.hooks.closeConnection(connectionIdOf(emulator, hub, 'u') as string, 1008, 'gone');
    await stopped;

    // The first attempt and its 2 retries.
    expect(statuses).toEqual([401, 401, 401]);
  });
});
