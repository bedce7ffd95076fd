import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SendMessageError, WebPubSubJsonProtocol } from '../../src/client/index.js';
import { createHarness, flush, passReconnectDelay } from './helpers/client-harness.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

const MINUTE = 60_000;

describe('access URL', () => {
  it('keeps open past token expiry, new URL per connection', async () => {
    const { client, service, getClientAccessUrl, names } = createHarness();
    await client.start();

    // A 60-minute token expires while the socket stays open, because the service checks it only at connect.
    await vi.advanceTimersByTimeAsync(61 * MINUTE);
    expect(names()).toEqual(['connected']);
    expect(service.sockets).toHaveLength(1);
    expect(getClientAccessUrl).toHaveBeenCalledTimes(1);

    service.last.serverClose(1008, 'unrecoverable');
    await passReconnectDelay();

    expect(getClientAccessUrl).toHaveBeenCalledTimes(2);
    expect(service.last.url).toContain('access_token=token2');
    expect(names()).toEqual(['connected', 'disconnected', 'connected']);
    client.stop();
  });

  it('recovers with the last URL and the reconnection token without a new URL', async () => {
    const { client, service, getClientAccessUrl, names } = createHarness();
    await client.start();

    service.last.serverClose(1006);
    await flush();

    const recovery = new URL(service.last.url);
    expect(service.last.isRecovery).toBe(true);
    expect(recovery.searchParams.get('access_token')).toBe('token1');
    expect(recovery.searchParams.get('awps_connection_id')).toBe('conn-1');
    expect(recovery.searchParams.get('awps_reconnection_token')).toBe('token-1');
    expect(getClientAccessUrl).toHaveBeenCalledTimes(1);
    expect(names()).toEqual(['connected']);
    client.stop();
  });

  it('calls the URL provider for every reconnect attempt', async () => {
    const { client, service, getClientAccessUrl } = createHarness({ autoRejoinGroups: false });
    await client.start();
    service.newSocketBehavior = 'fail';

    service.last.serverClose(1008);
    await vi.advanceTimersByTimeAsync(3_700);

    const newSockets = service.sockets.filter((socket) => !socket.isRecovery);
    expect(getClientAccessUrl.mock.calls.length).toBe(newSockets.length);
    expect(new Set(newSockets.map((socket) => socket.url)).size).toBe(newSockets.length);
    client.stop();
  });
});

describe('recovery', () => {
  it('opens a new connection after a 1008 refusal', async () => {
    const { client, service, argsOf } = createHarness();
    await client.start();
    service.recoveryBehavior = 'close';

    service.last.serverClose(1006);
    await passReconnectDelay();

    expect(service.sockets.map((socket) => socket.isRecovery)).toEqual([false, true, false]);
    // The event reports the close of the lost connection, not the refusal of its recovery.
    expect(argsOf('disconnected')).toMatchObject([{ connectionId: 'conn-1', code: 1006 }]);
    expect(argsOf('connected').map((args) => args.connectionId)).toEqual(['conn-1', 'conn-2']);
    client.stop();
  });

  it('gives up after 30 seconds of failed attempts and opens a new connection', async () => {
    const { client, service, names } = createHarness();
    await client.start();
    service.recoveryBehavior = 'fail';
    service.newSocketBehavior = 'hang';

    service.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(service.sockets.every((socket, index) => index === 0 || socket.isRecovery)).toBe(true);
    expect(names()).toEqual(['connected']);

    await vi.advanceTimersByTimeAsync(1_500);
    await passReconnectDelay();
    const attempts = service.sockets.filter((socket) => socket.isRecovery).length;
    expect(attempts).toBeGreaterThanOrEqual(25);
    expect(attempts).toBeLessThanOrEqual(31);
    expect(service.last.isRecovery).toBe(false);
    expect(names()).toEqual(['connected', 'disconnected']);
    client.stop();
  });

  it('skips recovery after a suspension longer than the recovery window and rejoins groups', async () => {
    const { client, service, getClientAccessUrl, argsOf, names } = createHarness({
      messageRetryOptions: { maxRetries: 0 },
    });
    await client.start();
    await client.joinGroup('g');
    service.ackWith = 'never';
    const pending = client.sendToGroup('g', 'lost', 'text').catch((caught: unknown) => caught);
    await flush();

    // The device sleeps for 15 minutes: no timer runs, then the OS reports the socket closed.
    vi.setSystemTime(Date.now() + 15 * MINUTE);
    service.newSocketBehavior = 'hang';
    service.last.serverClose(1006);
    await passReconnectDelay();

    expect(await pending).toMatchObject({ code: 'CONNECTION_CLOSED', ackId: 2 });
    expect(service.sockets.some((socket) => socket.isRecovery)).toBe(false);
    expect(getClientAccessUrl).toHaveBeenCalledTimes(2);
    expect(argsOf('connected')).toHaveLength(1);

    const fresh = service.last;
    service.ackWith = () => null;
    fresh.open(fresh.requestedProtocol);
    await flush();
    expect(argsOf('connected')).toHaveLength(1);

    fresh.receive({ type: 'system', event: 'connected', connectionId: 'conn-new', userId: 'user', reconnectionToken: 'x' });
    await flush();

    expect(fresh.sentOfType('joinGroup')).toMatchObject([{ group: 'g' }]);
    expect(argsOf('connected').map((args) => args.connectionId)).toEqual(['conn-1', 'conn-new']);
    expect(names()).toEqual(['connected', 'disconnected', 'connected']);
    client.stop();
  });

  it('emits connected only after rejoining the groups of the lost connection', async () => {
    const { client, service, argsOf } = createHarness();
    await client.start();
    await client.joinGroup('a');
    await client.joinGroup('b');
    service.ackWith = 'never';

    service.last.serverClose(1008);
    await passReconnectDelay();
    const fresh = service.last;
    expect(fresh.sentOfType('joinGroup').map((frame) => frame.group)).toEqual(['a', 'b']);
    expect(argsOf('connected')).toHaveLength(1);

    for (const frame of fresh.sentOfType('joinGroup')) fresh.receive({ type: 'ack', ackId: frame.ackId, success: true });
    await flush();

    expect(argsOf('connected')).toHaveLength(2);
    client.stop();
  });

  it('reports and forgets a group it cannot rejoin', async () => {
    const { client, service, argsOf } = createHarness();
    await client.start();
    await client.joinGroup('g');
    service.ackWith = () => ({ name: 'Forbidden', message: 'no role' });

    service.last.serverClose(1008);
    await passReconnectDelay();

    expect(argsOf('rejoin-group-failed')).toHaveLength(1);
    expect(argsOf('rejoin-group-failed')[0]?.group).toBe('g');
    expect(argsOf('rejoin-group-failed')[0]?.error).toMatchObject({ code: 'ACK_FAILED', errorDetail: { name: 'Forbidden' } });
    expect(argsOf('connected')).toHaveLength(2);

    service.last.serverClose(1008);
    await passReconnectDelay();
    expect(service.last.sentOfType('joinGroup')).toEqual([]);
    client.stop();
  });

  it('does not rejoin groups after recovery, which keeps them', async () => {
    const { client, service } = createHarness();
    await client.start();
    await client.joinGroup('g');

    service.last.serverClose(1006);
    await flush();

    expect(service.last.isRecovery).toBe(true);
    expect(service.last.sentOfType('joinGroup')).toEqual([]);
    client.stop();
  });

  it('retries dropped acks on the recovered connection', async () => {
    const { client, service } = createHarness();
    await client.start();
    service.ackWith = 'never';

    const sent = client.sendEvent('e', 1, 'json');
    await flush();
    const first = service.last;
    service.ackWith = () => null;
    first.serverClose(1006);
    await vi.advanceTimersByTimeAsync(1_300);

    await expect(sent).resolves.toEqual({ ackId: 1, isDuplicated: false });
    expect(service.last.isRecovery).toBe(true);
    expect(service.last.sentOfType('event')).toMatchObject([{ ackId: 1, event: 'e' }]);
    client.stop();
  });
});

describe('sequence ids', () => {
  it('acknowledges the highest id every second when a new id arrived', async () => {
    const { client, service, argsOf } = createHarness();
    await client.start();

    service.sendServerMessage('a', 1);
    service.sendServerMessage('b', 2);
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.advanceTimersByTimeAsync(3_000);

    expect(argsOf('server-message').map(({ message }) => message.data)).toEqual(['a', 'b']);
    expect(service.last.sentOfType('sequenceAck')).toEqual([{ type: 'sequenceAck', sequenceId: 2 }]);
    client.stop();
  });

  it('treats sequence id 0 as an id and acknowledges it', async () => {
    const { client, service, argsOf } = createHarness();
    await client.start();

    service.sendServerMessage('zero', 0);
    service.sendServerMessage('zero again', 0);
    await vi.advanceTimersByTimeAsync(1_000);

    expect(argsOf('server-message').map(({ message }) => message.data)).toEqual(['zero']);
    expect(service.last.sentOfType('sequenceAck')).toEqual([{ type: 'sequenceAck', sequenceId: 0 }]);
    client.stop();
  });

  it('acknowledges at once past 300 unacknowledged messages', async () => {
    const { client, service } = createHarness();
    await client.start();

    for (let id = 1; id <= 301; id++) service.sendServerMessage(id, id);

    expect(service.last.sentOfType('sequenceAck')).toEqual([{ type: 'sequenceAck', sequenceId: 301 }]);
    client.stop();
  });

  it('drops messages the service resends after recovery', async () => {
    const { client, service, argsOf } = createHarness();
    await client.start();
    for (let id = 1; id <= 3; id++) service.sendServerMessage(`m${id}`, id);

    service.last.serverClose(1006);
    await flush();
    for (let id = 2; id <= 5; id++) service.sendServerMessage(`m${id}`, id);
    await vi.advanceTimersByTimeAsync(1_000);

    expect(argsOf('server-message').map(({ message }) => message.data)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(service.last.sentOfType('sequenceAck').at(-1)).toEqual({ type: 'sequenceAck', sequenceId: 5 });
    client.stop();
  });

  it('starts over with the ids of a new connection', async () => {
    const { client, service, argsOf } = createHarness();
    await client.start();
    service.sendServerMessage('old', 7);

    service.last.serverClose(1008);
    await passReconnectDelay();
    service.sendServerMessage('new', 1);

    expect(argsOf('server-message').map(({ message }) => message.data)).toEqual(['old', 'new']);
    client.stop();
  });

  it('delivers messages that arrive in the same task as the connected message', async () => {
    const { client, service, argsOf } = createHarness();
    await client.start();
    service.sendServerMessage('old', 9);
    service.newSocketBehavior = 'hang';

    service.last.serverClose(1008);
    await passReconnectDelay();
    const fresh = service.last;
    fresh.open(fresh.requestedProtocol);
    fresh.receive({ type: 'system', event: 'connected', connectionId: 'c2', userId: 'u', reconnectionToken: 't2' });
    service.sendServerMessage('first', 1, fresh);
    await flush();

    expect(argsOf('server-message').map(({ message }) => message.data)).toEqual(['old', 'first']);
    client.stop();
  });

  it('ignores sequence ids on the non-reliable protocol', async () => {
    const { client, service, argsOf } = createHarness({ protocol: WebPubSubJsonProtocol() });
    await client.start();

    service.sendServerMessage('a', 1);
    service.sendServerMessage('b', 1);
    await vi.advanceTimersByTimeAsync(2_000);

    expect(argsOf('server-message')).toHaveLength(2);
    expect(service.last.sentOfType('sequenceAck')).toEqual([]);
    client.stop();
  });
});

describe('errors of dropped operations', () => {
  it('carry the ackId so that a retry deduplicates', async () => {
    const { client, service } = createHarness({ messageRetryOptions: { maxRetries: 0 } });
    await client.start();
    service.ackWith = 'never';

    const sent = client.sendToGroup('g', 'x', 'text', { ackId: 42 });
    await flush();
    service.last.serverClose(1006);

    const error = await sent.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SendMessageError);
    expect((error as SendMessageError).ackId).toBe(42);
    client.stop();
  });
});

describe('recovery confirmation', () => {
  it('retries closed recovery sockets once a second', async () => {
    const { client, service, names, argsOf } = createHarness();
    await client.start();
    service.recoveryBehavior = 'close';
    service.recoveryCloseCode = 1011;

    service.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(10_000);

    const recoveries = () => service.sockets.filter((socket) => socket.isRecovery).length;
    expect(recoveries()).toBeGreaterThanOrEqual(9);
    expect(recoveries()).toBeLessThanOrEqual(11);
    expect(names()).toEqual(['connected']);

    await vi.advanceTimersByTimeAsync(20_500);
    await passReconnectDelay();

    expect(recoveries()).toBeLessThanOrEqual(31);
    expect(argsOf('disconnected')).toMatchObject([{ connectionId: 'conn-1', code: 1006 }]);
    expect(argsOf('connected').map((args) => args.connectionId)).toEqual(['conn-1', 'conn-2']);
    client.stop();
  });

  it('abandons a silent recovery socket', async () => {
    const { client, service, names, argsOf, getClientAccessUrl } = createHarness();
    await client.start();
    await client.joinGroup('g');
    service.recoveryBehavior = 'silent';

    service.last.serverClose(1006);
    await flush();
    const firstRecovery = service.last;
    expect(firstRecovery.isRecovery).toBe(true);
    expect(firstRecovery.sentOfType('ping')).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(5_000);
    expect(firstRecovery.closeCalls).toHaveLength(1);
    expect(names()).toEqual(['connected']);

    await vi.advanceTimersByTimeAsync(25_000);
    await passReconnectDelay();

    const recoveries = service.sockets.filter((socket) => socket.isRecovery);
    expect(recoveries.length).toBeGreaterThanOrEqual(4);
    expect(recoveries.length).toBeLessThanOrEqual(6);
    expect(getClientAccessUrl).toHaveBeenCalledTimes(2);
    expect(service.last.sentOfType('joinGroup')).toMatchObject([{ group: 'g' }]);
    expect(argsOf('connected').map((args) => args.connectionId)).toEqual(['conn-1', 'conn-2']);
    expect(names()).toEqual(['connected', 'disconnected', 'connected']);
    client.stop();
  });

  it('measures window from the original drop', async () => {
    const { client, service, argsOf } = createHarness();
    await client.start();

    service.last.serverClose(1006);
    await flush();
    // Each recovered connection is lost 2 s later; the fifteenth loss comes 30 s after the drop.
    for (let loss = 0; loss < 15; loss++) {
      await vi.advanceTimersByTimeAsync(2_000);
      expect(service.last.isRecovery).toBe(true);
      expect(argsOf('disconnected')).toEqual([]);
      service.last.serverClose(1006);
    }
    await passReconnectDelay();

    expect(service.last.isRecovery).toBe(false);
    expect(argsOf('disconnected')).toHaveLength(1);
    expect(argsOf('connected').map((args) => args.connectionId)).toEqual(['conn-1', 'conn-2']);
    client.stop();
  });

  it('is skipped after a disconnected message', async () => {
    const { client, service, argsOf } = createHarness();
    await client.start();

    service.last.receive({ type: 'system', event: 'disconnected', message: 'closed by the application' });
    service.last.serverClose(1000, 'bye');
    await passReconnectDelay();

    expect(service.sockets.filter((socket) => socket.isRecovery)).toEqual([]);
    expect(argsOf('disconnected')).toEqual([
      { connectionId: 'conn-1', code: 1000, reason: 'bye', message: { kind: 'disconnected', message: 'closed by the application' } },
    ]);
    expect(argsOf('connected')).toHaveLength(2);
    client.stop();
  });
});
