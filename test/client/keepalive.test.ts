import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ProtocolError,
  WebPubSubClient,
  WebPubSubJsonProtocol,
  type WebPubSubClientProtocol,
  type WebPubSubMessage,
} from '../../src/client/index.js';
import { KeepAlive } from '../../src/client/keepalive.js';
import { createHarness, flush, passReconnectDelay } from './helpers/client-harness.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** Returns a protocol that, like a tunnel serializer, writes only `sendEvent`. */
function sendEventOnlyProtocol(): WebPubSubClientProtocol {
  const json = WebPubSubJsonProtocol();
  return {
    name: json.name,
    isReliableSubProtocol: false,
    parseMessages: json.parseMessages,
    writeMessage(message: WebPubSubMessage) {
      if (message.kind !== 'sendEvent') throw new TypeError(`cannot serialize ${message.kind}`);
      return json.writeMessage(message);
    },
  };
}

describe('KeepAlive', () => {
  it('pings every interval and reports silence after the timeout', () => {
    const sendPing = vi.fn();
    const timedOut = vi.fn();
    const keepAlive = new KeepAlive({ intervalInMs: 20_000, timeoutInMs: 120_000 }, { sendPing, pingFailed: vi.fn(), timedOut });

    keepAlive.start();
    vi.advanceTimersByTime(119_999);
    expect(sendPing).toHaveBeenCalledTimes(5);
    expect(timedOut).not.toHaveBeenCalled();

    vi.advanceTimersByTime(1);
    expect(timedOut).toHaveBeenCalledWith(120_000);
    keepAlive.stop();
  });

  it('counts the silence from the last received frame', () => {
    const timedOut = vi.fn();
    const keepAlive = new KeepAlive({ intervalInMs: 20_000, timeoutInMs: 120_000 }, { sendPing: vi.fn(), pingFailed: vi.fn(), timedOut });

    keepAlive.start();
    vi.advanceTimersByTime(100_000);
    keepAlive.received();
    vi.advanceTimersByTime(100_000);
    expect(timedOut).not.toHaveBeenCalled();

    vi.advanceTimersByTime(20_000);
    expect(timedOut).toHaveBeenCalledOnce();
    keepAlive.stop();
  });

  it('does not check liveness while pings are off', () => {
    const timedOut = vi.fn();
    const keepAlive = new KeepAlive({ intervalInMs: 0, timeoutInMs: 120_000 }, { sendPing: vi.fn(), pingFailed: vi.fn(), timedOut });

    keepAlive.start();
    vi.advanceTimersByTime(10 * 60_000);

    expect(timedOut).not.toHaveBeenCalled();
  });
});

describe('idle connection', () => {
  it('stays up for 90 seconds and sends pings', async () => {
    const { client, service, names } = createHarness();
    await client.start();

    await vi.advanceTimersByTimeAsync(90_000);

    expect(names()).toEqual(['connected']);
    expect(service.sockets).toHaveLength(1);
    expect(service.last.sentOfType('ping')).toHaveLength(4);
    client.stop();
  });

  it('stays up for an hour when the service answers pings', async () => {
    const { client, service, names } = createHarness();
    await client.start();

    await vi.advanceTimersByTimeAsync(60 * 60_000);

    expect(names()).toEqual(['connected']);
    expect(service.sockets).toHaveLength(1);
    client.stop();
  });
});

describe('half-open socket', () => {
  it('is closed after the keepalive timeout and replaced, with one disconnected event', async () => {
    const { client, service, argsOf } = createHarness({ protocol: WebPubSubJsonProtocol() });
    await client.start();
    service.answerPings = false;

    await vi.advanceTimersByTimeAsync(119_000);
    expect(argsOf('disconnected')).toEqual([]);

    await vi.advanceTimersByTimeAsync(1_000);
    expect(service.sockets[0]?.closeCalls).toHaveLength(1);
    expect(argsOf('disconnected')).toHaveLength(1);
    expect(argsOf('disconnected')[0]).toMatchObject({ connectionId: 'conn-1', code: 1006 });
    await passReconnectDelay();
    expect(argsOf('connected').map((args) => args.connectionId)).toEqual(['conn-1', 'conn-2']);

    service.sendServerMessage('after');
    expect(argsOf('server-message').map(({ message }) => message.data)).toEqual(['after']);
    client.stop();
  });

  it('is recovered on the reliable protocol and receives again', async () => {
    const { client, service, names, argsOf } = createHarness();
    await client.start();
    service.answerPings = false;

    await vi.advanceTimersByTimeAsync(120_000);
    service.answerPings = true;
    await flush();

    expect(service.last.isRecovery).toBe(true);
    service.sendServerMessage('after', 1);
    expect(argsOf('server-message')).toHaveLength(1);
    expect(names()).toEqual(['connected', 'server-message']);
    client.stop();
  });

  it('stays open while the service sends anything, even without pongs', async () => {
    const { client, service, names } = createHarness({ protocol: WebPubSubJsonProtocol() });
    await client.start();
    service.answerPings = false;

    for (let minute = 0; minute < 10; minute++) {
      await vi.advanceTimersByTimeAsync(60_000);
      service.sendServerMessage(minute);
    }

    expect(names().filter((name) => name === 'disconnected')).toEqual([]);
    client.stop();
  });
});

describe('protocol without ping', () => {
  it('is rejected at construction while keepalive is on', () => {
    expect(() => new WebPubSubClient('ws://127.0.0.1:9/client/hubs/chat', { protocol: sendEventOnlyProtocol() })).toThrow(
      /cannot write a ping frame.*keepAliveIntervalInMs to 0/,
    );
  });

  it('keeps an idle connection open when keepalive is off', async () => {
    const { client, service, names } = createHarness({ protocol: sendEventOnlyProtocol(), keepAliveIntervalInMs: 0 });
    await client.start();

    await vi.advanceTimersByTimeAsync(10 * 60_000);

    expect(names()).toEqual(['connected']);
    expect(service.sockets).toHaveLength(1);
    expect(service.last.sent).toEqual([]);
    client.stop();
  });

  it('reports a ping failure once and does not reconnect in a loop', async () => {
    const json = WebPubSubJsonProtocol();
    let pings = 0;
    const protocol: WebPubSubClientProtocol = {
      ...json,
      // Writes the ping of the construction check, then fails like a serializer that lost support.
      writeMessage(message) {
        if (message.kind === 'ping' && ++pings > 1) throw new TypeError('ping is not supported');
        return json.writeMessage(message);
      },
    };
    const { client, service, names, argsOf } = createHarness({ protocol });
    await client.start();

    await vi.advanceTimersByTimeAsync(10 * 60_000);

    expect(names()).toEqual(['connected', 'error']);
    const { error } = argsOf('error')[0]!;
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).toMatchObject({ code: 'PROTOCOL_ERROR', messageKind: 'ping' });
    expect(service.sockets).toHaveLength(1);
    client.stop();
  });
});

describe('keepalive options', () => {
  it('rejects an interval that is not below the timeout', () => {
    expect(
      () => new WebPubSubClient('ws://127.0.0.1:9/client/hubs/chat', { keepAliveIntervalInMs: 5_000, keepAliveTimeoutInMs: 5_000 }),
    ).toThrow(/must be smaller than keepAliveTimeoutInMs/);
  });

  it('rejects a negative interval', () => {
    expect(() => new WebPubSubClient('ws://127.0.0.1:9/client/hubs/chat', { keepAliveIntervalInMs: -1 })).toThrow(
      /keepAliveIntervalInMs must be a finite number/,
    );
  });
});
