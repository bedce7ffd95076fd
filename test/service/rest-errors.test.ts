import { describe, expect, inject, it } from 'vitest';
import { isWebPubSubError, RequestError, RestError, WebPubSubServiceClient } from '../../src/index.js';
import { TEST_ACCESS_KEY } from '../fixtures/constants.js';

/** Create a client of the capture server whose every response has the given status and body. */
function failingClient(status: number, body: string, contentType = 'text/plain', seen: string[] = []): WebPubSubServiceClient {
  return new WebPubSubServiceClient(`Endpoint=${inject('captureUrl')};AccessKey=${TEST_ACCESS_KEY}`, 'hub1', {
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      seen.push(headers.get('authorization') ?? '');
      headers.set('x-capture-status', String(status));
      headers.set('x-capture-body', body);
      headers.set('x-capture-content-type', contentType);
      return fetch(input, { ...init, headers });
    },
  });
}

async function catchError(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('REST errors', () => {
  it('sends to the emulator, which verifies every bearer token', async () => {
    const client = new WebPubSubServiceClient(inject('emulatorConnectionString'), 'chat');
    await client.sendToAll({ hello: 'world' });
    await client.sendToUser('alice', 'text', { contentType: 'text/plain' });
    await client.sendToConnection('no-such-connection', new Uint8Array([1]));
    await client.group('room').sendToAll({ n: 1 });
  });

  it('reports a 401 from the emulator for a wrong key without leaking secrets', async () => {
    const wrongKey = 'd3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk=';
    const connectionString = inject('emulatorConnectionString').replace(/AccessKey=[^;]+/, `AccessKey=${wrongKey}`);
    const authorizations: string[] = [];
    const client = new WebPubSubServiceClient(connectionString, 'chat', {
      fetch: (input, init) => {
        authorizations.push(new Headers(init?.headers).get('authorization') ?? '');
        return fetch(input, init);
      },
    });

    const error = await catchError(client.sendToAll({ a: 1 }));
    expect(error).toBeInstanceOf(RestError);
    expect(isWebPubSubError(error)).toBe(true);
    const restError = error as RestError;
    expect(restError.code).toBe('REQUEST_FAILED');
    expect(restError.status).toBe(401);
    expect(restError.statusCode).toBe(401);
    expect(restError.method).toBe('POST');
    expect(restError.requestId).toMatch(/\S+/);
    expect(restError.message).toContain('POST /api/hubs/chat/:send failed with status 401');

    const token = authorizations[0]!.replace('Bearer ', '');
    const signature = token.split('.')[2]!;
    for (const secret of [wrongKey, token, signature]) {
      expect(restError.message).not.toContain(secret);
      expect(JSON.stringify(restError)).not.toContain(secret);
      expect(String(restError.stack)).not.toContain(secret);
    }
  });

  it('reads the ErrorDetail body and x-ms-error-code', async () => {
    const body = JSON.stringify({ code: 'InvalidGroup', message: 'Group name is invalid.', target: 'group' });
    const error = (await catchError(failingClient(400, body, 'application/json').sendToAll('x'))) as RestError;
    expect(error.status).toBe(400);
    expect(error.details).toEqual({ code: 'InvalidGroup', message: 'Group name is invalid.', target: 'group' });
    expect(error.requestId).toBe('capture-request-id');
    expect(error.message).toBe('POST /api/hubs/hub1/:send failed with status 400 (InvalidGroup): Group name is invalid. [request id capture-request-id]');
  });

  it('keeps a plain-text 404 body such as an unknown user', async () => {
    const error = (await catchError(failingClient(404, 'User `ghost` is not found.').sendToUser('ghost', 'x'))) as RestError;
    expect(error.status).toBe(404);
    expect(error.details?.message).toBe('User `ghost` is not found.');
    expect(error.message).toContain('User `ghost` is not found.');
  });

  it('does not retry a 4xx', async () => {
    const seen: string[] = [];
    await catchError(failingClient(404, 'nope', 'text/plain', seen).sendToAll('x'));
    expect(seen).toHaveLength(1);
  });

  it('maps a refused connection to a RequestError', async () => {
    // Port 9 (discard) is closed on loopback here; the connection is refused at once.
    const client = new WebPubSubServiceClient(`Endpoint=http://127.0.0.1:9;AccessKey=${TEST_ACCESS_KEY}`, 'hub1');
    const error = await catchError(client.sendToAll('x'));
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', method: 'POST' });
  });

  it('maps an abort to a RequestError with code ABORTED', async () => {
    const client = new WebPubSubServiceClient(inject('emulatorConnectionString'), 'chat');
    const error = await catchError(client.sendToAll('x', { abortSignal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ code: 'ABORTED' });
  });
});
