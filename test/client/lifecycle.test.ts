import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ClientStateError,
  ConnectionError,
  SendMessageError,
  WebPubSubClient,
  WebPubSubJsonProtocol,
} from '../../src/client/index.js';
import { createHarness, flush, passReconnectDelay } from './helpers/client-harness.js';
import type { FakeSocket } from './helpers/fake-service.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('start', () => {
  it('resolves after the connected message and emits connected once', async () => {
    const { client, service, argsOf } = createHarness({}, { userId: 'alice' });
    service.newSocketBehavior = 'hang';

    let isStarted = false;
    const started = client.start().then(() => (isStarted = true));
    await flush();
    service.last.open(service.last.requestedProtocol);
    await flush();

    expect(isStarted).toBe(false);
    expect(argsOf('connected')).toEqual([]);

    service.last.receive({ type: 'system', event: 'connected', connectionId: 'c1', userId: 'alice', reconnectionToken: 't' });
    await started;

    expect(argsOf('connected')).toEqual([{ connectionId: 'c1', userId: 'alice' }]);
    client.stop();
  });

  it('offers the reliable subprotocol by default', async () => {
    const { client, service } = createHarness();
    await client.start();

    expect(service.last.requestedProtocol).toBe('json.reliable.webpubsub.azure.v1');
    client.stop();
  });

  it('rejects when the socket closes before the connected message', async () => {
    const { client, service, names } = createHarness();
    service.newSocketBehavior = 'hang';

    const started = client.start();
    await flush();
    service.last.open();
    service.last.serverClose(4001, 'hub closed');

    const error = await started.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: 'CONNECTION_CLOSED', closeCode: 4001, closeReason: 'hub closed' });
    expect(names()).toEqual([]);
  });

  it('rejects with NETWORK_ERROR on a failed upgrade', async () => {
    const { client, service } = createHarness();
    service.newSocketBehavior = 'fail';

    await expect(client.start()).rejects.toMatchObject({ name: 'ConnectionError', code: 'NETWORK_ERROR' });
  });

  it('rejects with ABORTED when its signal aborts and can start again', async () => {
    const { client, service } = createHarness();
    service.newSocketBehavior = 'hang';
    const controller = new AbortController();

    const started = client.start({ abortSignal: controller.signal });
    await flush();
    controller.abort();

    await expect(started).rejects.toMatchObject({ code: 'ABORTED' });
    expect(service.last.closeCalls.length).toBe(1);

    service.newSocketBehavior = 'accept';
    await client.start();
    client.stop();
  });

  it('rejects a second start while started', async () => {
    const { client } = createHarness();
    await client.start();

    await expect(client.start()).rejects.toBeInstanceOf(ClientStateError);
    client.stop();
  });

  it('accepts a socket that reports an empty subprotocol', async () => {
    const { client, service, argsOf } = createHarness();
    service.reportedProtocol = '';

    await client.start();

    expect(argsOf('connected')).toHaveLength(1);
    client.stop();
  });

  it('accepts a socket that is open already', async () => {
    const { service } = createHarness();
    // Like an accepted Workers socket: open when the factory returns it, with no open event to come.
    const openFactory: typeof service.factory = (url, protocol, options) => {
      const socket = service.factory(url, protocol, options) as FakeSocket;
      socket.readyState = 1;
      socket.open = () => {};
      return socket;
    };
    const client = new WebPubSubClient('ws://127.0.0.1:9/client/hubs/chat', { webSocketFactory: openFactory });
    const connectionIds: string[] = [];
    client.on('connected', ({ connectionId }) => connectionIds.push(connectionId));

    await client.start();

    expect(connectionIds).toEqual(['conn-1']);
    client.stop();
  });

  it('rejects a socket on which the service chose another subprotocol', async () => {
    const { client, service } = createHarness();
    service.reportedProtocol = 'json.webpubsub.azure.v1';

    await expect(client.start()).rejects.toThrow(/chose the subprotocol json\.webpubsub\.azure\.v1/);
  });

  it('does not put the access URL in errors', async () => {
    const { client, service } = createHarness();
    service.newSocketBehavior = 'fail';

    const error = (await client.start().catch((caught: unknown) => caught)) as Error;
    expect(error.message).not.toContain('token1');
  });
});

describe('stop', () => {
  it('emits disconnected then stopped once with code 1000', async () => {
    const { client, service, names, argsOf } = createHarness();
    await client.start();

    client.stop();
    client.stop();
    await flush();

    expect(names()).toEqual(['connected', 'disconnected', 'stopped']);
    expect(argsOf('disconnected')[0]).toMatchObject({ connectionId: 'conn-1', code: 1000 });
    expect(argsOf('stopped')).toEqual([{ code: 1000, reason: '' }]);
    expect(service.last.closeCalls).toEqual([{ code: 1000, reason: undefined }]);
    for (const type of ['open', 'message', 'close']) {
      expect(service.last.listenerCount(type)).toBe(0);
    }
  });

  it('rejects pending acks with the ackId', async () => {
    const { client, service } = createHarness();
    service.ackWith = 'never';
    await client.start();

    const sent = client.sendToGroup('g', 'hi', 'text');
    await flush();
    client.stop();

    const error = await sent.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SendMessageError);
    expect(error).toMatchObject({ code: 'CONNECTION_CLOSED', ackId: 1 });
  });

  it('ends a reconnect loop at its next step and makes no more attempts', async () => {
    const { client, service, names } = createHarness({ protocol: WebPubSubJsonProtocol() });
    await client.start();
    service.newSocketBehavior = 'fail';

    service.last.serverClose(1011, 'restarting');
    await vi.advanceTimersByTimeAsync(5_000);
    const attemptsBeforeStop = service.sockets.length;
    expect(attemptsBeforeStop).toBeGreaterThan(2);

    service.newSocketBehavior = 'hang';
    await vi.advanceTimersByTimeAsync(1_500);
    const hanging = service.last;
    client.stop();
    await vi.advanceTimersByTimeAsync(5 * 60_000);

    expect(hanging.closeCalls.length).toBe(1);
    expect(service.sockets.length).toBe(attemptsBeforeStop + 1);
    expect(names().filter((name) => name === 'stopped')).toHaveLength(1);
    expect(names().filter((name) => name === 'disconnected')).toHaveLength(1);
  });

  it('ends a recovery at its next step and emits disconnected and stopped once', async () => {
    const { client, service, names } = createHarness();
    await client.start();
    service.recoveryBehavior = 'fail';

    service.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(3_500);
    const attempts = service.sockets.length;
    client.stop();
    await vi.advanceTimersByTimeAsync(60_000);

    expect(service.sockets.length).toBe(attempts);
    expect(names()).toEqual(['connected', 'disconnected', 'stopped']);
  });

  it('makes a pending start reject when called before connected', async () => {
    const { client, service, argsOf } = createHarness();
    await client.start();
    await client.joinGroup('g');
    client.stop();
    await flush();
    service.ackWith = 'never';

    const restarted = client.start().catch((caught: unknown) => caught);
    await flush();
    client.stop();

    expect(await restarted).toMatchObject({ name: 'ConnectionError', code: 'ABORTED' });
    expect(argsOf('connected')).toHaveLength(1);
  });

  it('leaves no listeners on replaced sockets', async () => {
    const { client, service } = createHarness();
    await client.start();

    for (let cycle = 0; cycle < 50; cycle++) {
      service.last.serverClose(cycle % 2 === 0 ? 1006 : 1008);
      await passReconnectDelay();
    }
    client.stop();
    await flush();

    expect(service.sockets.length).toBeGreaterThan(50);
    // Only the error listener stays, because `ws` emits an error after closing a connecting socket.
    expect(service.sockets.map((socket) => socket.listenerCount())).toEqual(service.sockets.map(() => 1));
    expect(service.sockets.map((socket) => socket.listenerCount('error'))).toEqual(service.sockets.map(() => 1));
  });

  it('does nothing on a client that never started', () => {
    const { client, names } = createHarness();

    client.stop();

    expect(names()).toEqual([]);
  });
});

describe('autoReconnect off', () => {
  for (const [label, close] of [
    ['a drop without close frame', (socket: { serverClose(code: number): void }) => socket.serverClose(1006)],
    ['a clean 1000 close', (socket: { serverClose(code: number): void }) => socket.serverClose(1000)],
  ] as const) {
    it(`emits disconnected then stopped once after ${label}`, async () => {
      const { client, service, names, argsOf } = createHarness({ autoReconnect: false, protocol: WebPubSubJsonProtocol() });
      await client.start();

      close(service.last);
      await flush();

      expect(names()).toEqual(['connected', 'disconnected', 'stopped']);
      expect(argsOf('stopped')[0]?.code).toBe(argsOf('disconnected')[0]?.code);

      await client.start();
      expect(names().at(-1)).toBe('connected');
      client.stop();
    });
  }

  it('stops after a reliable connection cannot be recovered', async () => {
    const { client, service, names, argsOf } = createHarness({ autoReconnect: false });
    await client.start();
    service.recoveryBehavior = 'close';

    service.last.serverClose(1006);
    await flush();

    expect(names()).toEqual(['connected', 'disconnected', 'stopped']);
    // The events report the close of the lost connection, not the refusal of its recovery.
    expect(argsOf('stopped')[0]).toMatchObject({ code: 1006 });
  });
});

describe('close details', () => {
  it('reports 1008 details and skips recovery', async () => {
    const { client, service, argsOf } = createHarness();
    await client.start();
    const first = service.last;

    first.receive({ type: 'system', event: 'disconnected', message: 'invalid recovery token' });
    first.serverClose(1008, 'invalid recovery token');
    await passReconnectDelay();

    expect(argsOf('disconnected')).toEqual([
      {
        connectionId: 'conn-1',
        code: 1008,
        reason: 'invalid recovery token',
        message: { kind: 'disconnected', message: 'invalid recovery token' },
      },
    ]);
    expect(service.sockets.filter((socket) => socket.isRecovery)).toEqual([]);
    expect(argsOf('connected').map((args) => args.connectionId)).toEqual(['conn-1', 'conn-2']);
    client.stop();
  });

  it('reports drop and clean close codes', async () => {
    const { client, service, argsOf } = createHarness({ protocol: WebPubSubJsonProtocol() });
    await client.start();

    service.last.serverClose(1006);
    await passReconnectDelay();
    service.last.serverClose(1000, 'bye');
    await passReconnectDelay();

    expect(argsOf('disconnected').map(({ code, reason }) => [code, reason])).toEqual([
      [1006, ''],
      [1000, 'bye'],
    ]);
    client.stop();
  });
});

describe('reconnect pacing', () => {
  /** Makes the service close every connection right after the client emits `connected`. */
  function closeEachConnection(client: WebPubSubClient, socket: () => FakeSocket, code: number): { enabled: boolean } {
    const switcher = { enabled: true };
    client.on('connected', () => {
      const connected = socket();
      queueMicrotask(() => {
        if (switcher.enabled) connected.serverClose(code, 'closed by the application');
      });
    });
    return switcher;
  }

  it('waits the retry delay before the first attempt', async () => {
    const { client, service, getClientAccessUrl } = createHarness({ protocol: WebPubSubJsonProtocol() });
    await client.start();

    service.last.serverClose(1000);
    await vi.advanceTimersByTimeAsync(799);
    expect(service.sockets).toHaveLength(1);
    expect(getClientAccessUrl).toHaveBeenCalledTimes(1);

    await vi.advanceTimersByTimeAsync(401);
    expect(service.sockets).toHaveLength(2);
    client.stop();
  });

  for (const [label, protocol, code] of [
    ['JSON protocol, close 1000', WebPubSubJsonProtocol(), 1000],
    ['reliable protocol, close 1008', undefined, 1008],
  ] as const) {
    it(`paces connections closed at once (${label})`, async () => {
      const { client, service, argsOf, getClientAccessUrl } = createHarness(protocol ? { protocol } : {});
      closeEachConnection(client, () => service.last, code);
      await client.start();

      await vi.advanceTimersByTimeAsync(10_000);

      // One connection per reconnect delay of 800 to 1200 ms.
      expect(argsOf('connected').length).toBeGreaterThanOrEqual(9);
      expect(argsOf('connected').length).toBeLessThanOrEqual(13);
      expect(getClientAccessUrl.mock.calls.length).toBe(service.sockets.length);
      expect(service.sockets.filter((socket) => socket.isRecovery)).toEqual([]);
      client.stop();
    });
  }

  it('grows exponential delays across quick closes', async () => {
    const { client, service, argsOf } = createHarness({
      protocol: WebPubSubJsonProtocol(),
      reconnectRetryOptions: { mode: 'Exponential', retryDelayInMs: 1000, maxRetryDelayInMs: 30_000 },
    });
    closeEachConnection(client, () => service.last, 1000);
    await client.start();

    await vi.advanceTimersByTimeAsync(16_000);

    // Delays of about 1, 2, 4 and 8 s, each within 20 % jitter.
    expect(argsOf('connected').length).toBeGreaterThanOrEqual(4);
    expect(argsOf('connected').length).toBeLessThanOrEqual(5);
    client.stop();
  });

  it('resets backoff after a stable connection', async () => {
    const { client, service, argsOf } = createHarness({
      protocol: WebPubSubJsonProtocol(),
      reconnectRetryOptions: { mode: 'Exponential', retryDelayInMs: 1000, maxRetryDelayInMs: 30_000 },
    });
    const closing = closeEachConnection(client, () => service.last, 1000);
    await client.start();
    await vi.advanceTimersByTimeAsync(9_000);
    closing.enabled = false;
    await vi.advanceTimersByTimeAsync(20_000);
    const connectedBefore = argsOf('connected').length;

    service.last.serverClose(1000);
    await passReconnectDelay();

    expect(argsOf('connected')).toHaveLength(connectedBefore + 1);
    client.stop();
  });

  it('counts maxRetries across quick closes', async () => {
    const { client, service, names } = createHarness({
      protocol: WebPubSubJsonProtocol(),
      reconnectRetryOptions: { maxRetries: 2 },
    });
    closeEachConnection(client, () => service.last, 1000);
    await client.start();

    await vi.advanceTimersByTimeAsync(10_000);

    // The first connection, then the first attempt and its 2 retries.
    expect(service.sockets).toHaveLength(4);
    expect(names().filter((name) => name === 'connected')).toHaveLength(4);
    expect(names().at(-1)).toBe('stopped');
  });
});

describe('reconnect failures', () => {
  it('emit an error per failed URL request', async () => {
    const { client, service, argsOf, getClientAccessUrl } = createHarness({ protocol: WebPubSubJsonProtocol() });
    await client.start();
    getClientAccessUrl.mockRejectedValueOnce(new Error('negotiate failed')).mockResolvedValueOnce('not a url');

    service.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(3 * 1_200);

    const errors = argsOf('error').map(({ error }) => error);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ name: 'ConnectionError', code: 'NETWORK_ERROR' });
    expect((errors[0]?.cause as Error).message).toBe('negotiate failed');
    expect(errors[1]).toMatchObject({ name: 'ConfigError', code: 'INVALID_ARGUMENT', field: 'getClientAccessUrl' });
    expect(argsOf('connected')).toHaveLength(2);
    client.stop();
  });

  it('emit one error per rejected upgrade within maxRetries', async () => {
    const { client, service, argsOf, names } = createHarness({
      protocol: WebPubSubJsonProtocol(),
      reconnectRetryOptions: { maxRetries: 3 },
    });
    await client.start();
    service.newSocketBehavior = 'fail';
    service.failStatus = 401;

    service.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(10_000);

    const errors = argsOf('error').map(({ error }) => error as ConnectionError);
    // The first attempt and its 3 retries.
    expect(errors).toHaveLength(4);
    expect(errors.map((error) => error.status)).toEqual([401, 401, 401, 401]);
    expect(names().slice(-2)).toEqual(['error', 'stopped']);
  });

  it('stop after 401 with a fixed URL', async () => {
    const service = new (await import('./helpers/fake-service.js')).FakeService();
    const client = new WebPubSubClient('ws://127.0.0.1:9/client/hubs/chat?access_token=t', {
      webSocketFactory: service.factory,
      protocol: WebPubSubJsonProtocol(),
    });
    const names: string[] = [];
    const errors: Error[] = [];
    for (const name of ['connected', 'disconnected', 'error', 'stopped'] as const) client.on(name, () => names.push(name));
    client.on('error', ({ error }) => errors.push(error));
    await client.start();
    service.newSocketBehavior = 'fail';
    service.failStatus = 401;

    service.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(10_000);

    expect(names).toEqual(['connected', 'disconnected', 'error', 'stopped']);
    expect(errors[0]).toMatchObject({ code: 'NETWORK_ERROR', status: 401 });
    expect(service.sockets).toHaveLength(2);
  });
});

describe('stop during start', () => {
  it('emits stopped once and rejects start with ABORTED', async () => {
    const { client, service, names } = createHarness();
    service.newSocketBehavior = 'hang';

    const starting = client.start().catch((caught: unknown) => caught);
    await flush();
    client.stop();

    expect(await starting).toMatchObject({ name: 'ConnectionError', code: 'ABORTED' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(names()).toEqual(['stopped']);
    expect(service.sockets).toHaveLength(1);
  });
});

describe('upgrade status', () => {
  it('rejects start with the HTTP status that ws reports', async () => {
    const { client, service } = createHarness();
    service.newSocketBehavior = 'fail';
    service.failStatus = 403;

    const error = (await client.start().catch((caught: unknown) => caught)) as ConnectionError;

    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.status).toBe(403);
  });

  it('leaves the status unset when the socket does not report it', async () => {
    const { client, service } = createHarness();
    service.newSocketBehavior = 'fail';

    const error = (await client.start().catch((caught: unknown) => caught)) as ConnectionError;

    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.status).toBeUndefined();
  });
});
