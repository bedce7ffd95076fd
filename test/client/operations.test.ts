import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SendMessageError } from '../../src/client/index.js';
import { createHarness, flush, passReconnectDelay } from './helpers/client-harness.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ack results', () => {
  it('resolve success, resolve Duplicate as duplicated and reject other errors', async () => {
    const { client, service } = createHarness();
    service.ackWith = 'never';
    await client.start();

    const first = client.sendEvent('e', 1, 'json');
    const second = client.sendEvent('e', 2, 'json');
    const third = client.sendEvent('e', 3, 'json').catch((caught: unknown) => caught);
    await flush();
    const socket = service.last;
    socket.receive({ type: 'ack', ackId: 1, success: true });
    socket.receive({ type: 'ack', ackId: 2, success: false, error: { name: 'Duplicate', message: 'already processed' } });
    socket.receive({ type: 'ack', ackId: 3, success: false, error: { name: 'Forbidden', message: 'no permission' } });

    await expect(first).resolves.toEqual({ ackId: 1, isDuplicated: false });
    await expect(second).resolves.toEqual({ ackId: 2, isDuplicated: true });
    const error = await third;
    expect(error).toBeInstanceOf(SendMessageError);
    expect(error).toMatchObject({
      name: 'SendMessageError',
      code: 'ACK_FAILED',
      ackId: 3,
      errorDetail: { name: 'Forbidden', message: 'no permission' },
    });
    expect((error as Error).message).toContain('Forbidden');
    client.stop();
  });

  it('ignore an ack nobody waits for', async () => {
    const { client, service, names } = createHarness();
    await client.start();

    service.last.receive({ type: 'ack', ackId: 99, success: true });

    expect(names()).toEqual(['connected']);
    client.stop();
  });
});

describe('joinGroup without the role', () => {
  it('rejects at once with the service error and is not retried', async () => {
    const { client, service } = createHarness();
    service.ackWith = (frame) => (frame.type === 'joinGroup' ? { name: 'Forbidden', message: 'needs webpubsub.joinLeaveGroup' } : null);
    await client.start();

    const error = await client.joinGroup('g').catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'ACK_FAILED', ackId: 1, errorDetail: { name: 'Forbidden' } });
    expect(service.last.sentOfType('joinGroup')).toHaveLength(1);
    client.stop();
  });
});

describe('send with a lost ack', () => {
  it('resolves as a duplicate when retried with the ackId of the error', async () => {
    const { client, service } = createHarness({ messageRetryOptions: { maxRetries: 0 } });
    await client.start();
    const delivered: unknown[] = [];
    // The service runs the frame, then the socket drops before its ack goes out.
    service.ackWith = (frame) => {
      delivered.push(frame.data);
      service.last.serverClose(1006);
      return null;
    };

    const error = (await client.sendToGroup('g', 'once', 'text').catch((caught: unknown) => caught)) as SendMessageError;
    expect(error.code).toBe('CONNECTION_CLOSED');
    await flush();
    expect(service.last.isRecovery).toBe(true);

    service.ackWith = (frame) => {
      delivered.push(frame.data);
      return null;
    };
    const retried = await client.sendToGroup('g', 'once', 'text', { ackId: error.ackId });

    expect(retried).toEqual({ ackId: error.ackId, isDuplicated: true });
    expect(delivered).toEqual(['once']);
    client.stop();
  });

  it('is retried with the same ackId by the client itself', async () => {
    const { client, service } = createHarness();
    await client.start();
    let isFirst = true;
    service.ackWith = () => {
      if (isFirst) {
        isFirst = false;
        service.last.serverClose(1006);
      }
      return null;
    };

    const sent = client.sendToGroup('g', 'once', 'text');
    await vi.advanceTimersByTimeAsync(1_500);

    await expect(sent).resolves.toEqual({ ackId: 1, isDuplicated: true });
    const frames = service.sockets.flatMap((socket) => socket.sentOfType('sendToGroup'));
    expect(frames.map((frame) => frame.ackId)).toEqual([1, 1]);
    client.stop();
  });
});

describe('sending while reconnecting', () => {
  it('waits for the next connection within the retry budget', async () => {
    const { client, service } = createHarness();
    await client.start();
    service.newSocketBehavior = 'hang';
    service.last.serverClose(1008);
    await passReconnectDelay();

    const sent = client.sendToGroup('g', 'hello', 'text');
    await vi.advanceTimersByTimeAsync(500);
    const fresh = service.last;
    fresh.open(fresh.requestedProtocol);
    fresh.receive({ type: 'system', event: 'connected', connectionId: 'c2', userId: 'u', reconnectionToken: 't' });
    await vi.advanceTimersByTimeAsync(1_500);

    await expect(sent).resolves.toMatchObject({ isDuplicated: false });
    expect(fresh.sentOfType('sendToGroup')).toHaveLength(1);
    client.stop();
  });

  it('fails with CONNECTION_CLOSED and the ackId once the retries run out', async () => {
    const { client, service } = createHarness({ messageRetryOptions: { maxRetries: 2, retryDelayInMs: 100 } });
    await client.start();
    service.newSocketBehavior = 'hang';
    service.last.serverClose(1008);
    await flush();

    const sent = client.sendToGroup('g', 'hello', 'text').catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(1_000);

    expect(await sent).toMatchObject({ code: 'CONNECTION_CLOSED', ackId: 1 });
    client.stop();
  });

  it('fails at once on a client that is not started', async () => {
    const { client } = createHarness();

    await expect(client.sendEvent('e', 'x', 'text')).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });
});

describe('abortSignal', () => {
  it('rejects the wait with ABORTED and the ackId', async () => {
    const { client, service } = createHarness();
    service.ackWith = 'never';
    await client.start();
    const controller = new AbortController();

    const sent = client.sendEvent('e', 1, 'json', { abortSignal: controller.signal }).catch((caught: unknown) => caught);
    await flush();
    controller.abort();

    expect(await sent).toMatchObject({ code: 'ABORTED', ackId: 1 });
    service.last.receive({ type: 'ack', ackId: 1, success: true });
    client.stop();
  });

  it('rejects at once when already aborted', async () => {
    const { client, service } = createHarness();
    await client.start();

    await expect(client.joinGroup('g', { abortSignal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(service.last.sentOfType('joinGroup')).toEqual([]);
    client.stop();
  });
});

describe('wire format', () => {
  it('writes each data type as the JSON subprotocol expects', async () => {
    const { client, service } = createHarness();
    await client.start();

    await client.sendToGroup('g', { a: 1 }, 'json', { noEcho: true });
    await client.sendToGroup('g', 'hi', 'text');
    await client.sendToGroup('g', new Uint8Array([0, 255, 7]), 'binary');
    await client.sendEvent('ev', new Uint8Array([1, 2]).buffer, 'protobuf');
    await client.sendEvent('ev', 'fire', 'text', { fireAndForget: true });

    expect(service.last.sent.filter((frame) => frame.type !== 'ping')).toEqual([
      { type: 'sendToGroup', group: 'g', ackId: 1, noEcho: true, dataType: 'json', data: { a: 1 } },
      { type: 'sendToGroup', group: 'g', ackId: 2, noEcho: false, dataType: 'text', data: 'hi' },
      { type: 'sendToGroup', group: 'g', ackId: 3, noEcho: false, dataType: 'binary', data: 'AP8H' },
      { type: 'event', event: 'ev', ackId: 4, dataType: 'protobuf', data: 'AQI=' },
      { type: 'event', event: 'ev', dataType: 'text', data: 'fire' },
    ]);
    client.stop();
  });

  it('uses the ackId the caller gives', async () => {
    const { client, service } = createHarness();
    await client.start();

    await expect(client.joinGroup('g', { ackId: 500 })).resolves.toEqual({ ackId: 500, isDuplicated: false });
    expect(service.last.sentOfType('joinGroup')).toEqual([{ type: 'joinGroup', group: 'g', ackId: 500 }]);
    client.stop();
  });

  it('delivers group messages with their decoded data', async () => {
    const { client, service, argsOf } = createHarness();
    await client.start();

    service.last.receive({ type: 'message', from: 'group', group: 'g', fromUserId: 'bob', dataType: 'binary', data: 'AQID', sequenceId: 1 });

    const { message } = argsOf('group-message')[0]!;
    expect(message).toMatchObject({ kind: 'groupData', group: 'g', fromUserId: 'bob', dataType: 'binary', sequenceId: 1 });
    expect([...new Uint8Array(message.data as ArrayBuffer)]).toEqual([1, 2, 3]);
    client.stop();
  });

  it('reports an unreadable frame on the error event and keeps going', async () => {
    const { client, service, argsOf, names } = createHarness();
    await client.start();

    service.last.receive('not json');
    service.sendServerMessage('ok', 1);

    expect(argsOf('error')[0]?.error).toMatchObject({ name: 'ProtocolError', messageKind: 'inbound' });
    expect(names()).toEqual(['connected', 'error', 'server-message']);
    client.stop();
  });
});

describe('argument checks', () => {
  const cases: Array<[string, (client: ReturnType<typeof createHarness>['client']) => Promise<unknown>, RegExp]> = [
    ['empty group name', (client) => client.joinGroup(''), /groupName must be a non-empty string/],
    ['text that is not a string', (client) => client.sendToGroup('g', 1 as unknown as string, 'text'), /dataType 'text' must be a string/],
    ['binary that is not bytes', (client) => client.sendEvent('e', 'x', 'binary'), /must be an ArrayBuffer or a typed array/],
    ['unknown data type', (client) => client.sendEvent('e', 'x', 'xml' as 'text'), /dataType must be/],
    ['negative ackId', (client) => client.sendEvent('e', 'x', 'text', { ackId: -1 }), /ackId must be a non-negative integer/],
    ['empty event name', (client) => client.sendEvent('', 'x', 'text'), /eventName must be a non-empty string/],
  ];

  for (const [label, call, message] of cases) {
    it(`rejects ${label}`, async () => {
      const { client } = createHarness();
      await expect(call(client)).rejects.toThrow(message);
    });
  }
});

describe('frame size limit', () => {
  it('rejects oversized frame before sending', async () => {
    const { client, service, names } = createHarness();
    await client.start();

    const error = await client.sendToGroup('g', 'a'.repeat(1_048_576), 'text').catch((caught: unknown) => caught);

    expect(error).toMatchObject({ name: 'ConfigError', code: 'INVALID_ARGUMENT', field: 'content' });
    expect((error as Error).message).toContain('1048576 bytes');
    expect(service.last.sentOfType('sendToGroup')).toEqual([]);
    expect(service.sockets).toHaveLength(1);
    await expect(client.sendToGroup('g', 'small', 'text')).resolves.toMatchObject({ isDuplicated: false });
    expect(names()).toEqual(['connected']);
    client.stop();
  });

  it('counts UTF-8 bytes of text frames', async () => {
    const { client, service } = createHarness();
    await client.start();

    // 400,000 three-byte characters fit in 1 MiB as UTF-16 length but not as UTF-8 bytes.
    const error = await client.sendEvent('e', '€'.repeat(400_000), 'text', { fireAndForget: true }).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(service.last.sentOfType('event')).toEqual([]);
    client.stop();
  });
});
