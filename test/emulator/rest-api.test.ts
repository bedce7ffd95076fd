import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server.js';
import {
  JSON_SUBPROTOCOL,
  TestClient,
  clientToken,
  clientUrl,
  rest,
  signToken,
  startTestEmulator,
  uniqueHub,
} from './helpers.js';

const API = 'api-version=2024-12-01';
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let emulator: Emulator;
const clients: TestClient[] = [];

beforeAll(async () => {
  ({ emulator } = await startTestEmulator());
});

afterAll(async () => {
  clients.forEach((client) => client.close());
  await emulator.close();
});

async function connectSubprotocolClient(hub: string, options: { userId?: string; groups?: string[] } = {}) {
  const token = await clientToken(emulator, hub, options);
  const { client, connected } = await TestClient.connectWithSubprotocol(clientUrl(emulator, hub, token), JSON_SUBPROTOCOL);
  clients.push(client);
  return { client, connectionId: connected.connectionId as string };
}

async function connectSimpleClient(hub: string) {
  const token = await clientToken(emulator, hub);
  const client = await TestClient.connect(clientUrl(emulator, hub, token));
  clients.push(client);
  return client;
}

const PAYLOAD_CASES = [
  { contentType: 'text/plain', body: 'hello text', dataType: 'text', data: 'hello text' },
  { contentType: 'application/json', body: '{"greeting":"hi","n":[1,2]}', dataType: 'json', data: { greeting: 'hi', n: [1, 2] } },
  { contentType: 'application/json', body: '"a json string"', dataType: 'json', data: 'a json string' },
  { contentType: 'application/octet-stream', body: new Uint8Array([0, 1, 254, 255]), dataType: 'binary', data: 'AAH+/w==' },
  { contentType: 'text/plain; charset=utf-8', body: 'caf\u00e9', dataType: 'text', data: 'caf\u00e9' },
] as const;

describe('REST send to a subprotocol client', () => {
  for (const testCase of PAYLOAD_CASES) {
    it(`delivers ${testCase.contentType} as dataType ${testCase.dataType}`, async () => {
      const hub = uniqueHub();
      const { client } = await connectSubprotocolClient(hub);

      const response = await rest(emulator, `/api/hubs/${hub}/:send?${API}`, {
        contentType: testCase.contentType,
        body: testCase.body,
      });

      expect(response.status).toBe(202);
      expect(await client.nextJson()).toEqual({
        type: 'message',
        from: 'server',
        dataType: testCase.dataType,
        data: testCase.data,
      });
    });
  }

  it('sends to one user only', async () => {
    const hub = uniqueHub();
    const { client: alice } = await connectSubprotocolClient(hub, { userId: 'alice' });
    const { client: bob } = await connectSubprotocolClient(hub, { userId: 'bob' });

    const toAlice = await rest(emulator, `/api/hubs/${hub}/users/alice/:send?${API}`, { contentType: 'text/plain', body: 'for alice' });
    const toBob = await rest(emulator, `/api/hubs/${hub}/users/bob/:send?${API}`, { contentType: 'text/plain', body: 'for bob' });

    expect(toAlice.status).toBe(202);
    expect(toBob.status).toBe(202);
    expect((await alice.nextJson()).data).toBe('for alice');
    expect((await bob.nextJson()).data).toBe('for bob');
  });

  it('percent-decodes the user id in the path', async () => {
    const hub = uniqueHub();
    const { client } = await connectSubprotocolClient(hub, { userId: 'user one/ü' });

    const response = await rest(emulator, `/api/hubs/${hub}/users/${encodeURIComponent('user one/ü')}/:send?${API}`, {
      contentType: 'text/plain',
      body: 'decoded',
    });

    expect(response.status).toBe(202);
    expect((await client.nextJson()).data).toBe('decoded');
  });

  it('sends to one connection only', async () => {
    const hub = uniqueHub();
    const first = await connectSubprotocolClient(hub);
    const second = await connectSubprotocolClient(hub);

    await rest(emulator, `/api/hubs/${hub}/connections/${first.connectionId}/:send?${API}`, { contentType: 'text/plain', body: 'one' });
    const response = await rest(emulator, `/api/hubs/${hub}/connections/${second.connectionId}/:send?${API}`, {
      contentType: 'text/plain',
      body: 'two',
    });

    expect(response.status).toBe(202);
    expect((await first.client.nextJson()).data).toBe('one');
    expect((await second.client.nextJson()).data).toBe('two');
  });

  it('sends to group members only', async () => {
    const hub = uniqueHub();
    const member = await connectSubprotocolClient(hub, { groups: ['room'] });
    const outsider = await connectSubprotocolClient(hub);

    const response = await rest(emulator, `/api/hubs/${hub}/groups/room/:send?${API}`, { contentType: 'application/json', body: '{"x":1}' });
    await rest(emulator, `/api/hubs/${hub}/connections/${outsider.connectionId}/:send?${API}`, { contentType: 'text/plain', body: 'marker' });

    expect(response.status).toBe(202);
    expect(await member.client.nextJson()).toEqual({ type: 'message', from: 'server', dataType: 'json', data: { x: 1 } });
    expect((await outsider.client.nextJson()).data).toBe('marker');
  });

  it('skips connections named in excluded', async () => {
    const hub = uniqueHub();
    const receiver = await connectSubprotocolClient(hub);
    const excluded = await connectSubprotocolClient(hub);

    const response = await rest(emulator, `/api/hubs/${hub}/:send?${API}&excluded=${excluded.connectionId}`, {
      contentType: 'text/plain',
      body: 'not for excluded',
    });
    await rest(emulator, `/api/hubs/${hub}/:send?${API}`, { contentType: 'text/plain', body: 'for everyone' });

    expect(response.status).toBe(202);
    expect((await receiver.client.nextJson()).data).toBe('not for excluded');
    expect((await excluded.client.nextJson()).data).toBe('for everyone');
  });

  it('sets a random x-ms-request-id on each response', async () => {
    const hub = uniqueHub();
    const first = await rest(emulator, `/api/hubs/${hub}/:send?${API}`, { contentType: 'text/plain', body: 'a' });
    const second = await rest(emulator, `/api/hubs/${hub}/:send?${API}`, { contentType: 'text/plain', body: 'b' });

    expect(first.headers.get('x-ms-request-id')).toMatch(UUID_PATTERN);
    expect(second.headers.get('x-ms-request-id')).toMatch(UUID_PATTERN);
    expect(first.headers.get('x-ms-request-id')).not.toBe(second.headers.get('x-ms-request-id'));
  });
});

describe('REST send to a simple client', () => {
  it('delivers text/plain as a text frame', async () => {
    const hub = uniqueHub();
    const client = await connectSimpleClient(hub);

    await rest(emulator, `/api/hubs/${hub}/:send?${API}`, { contentType: 'text/plain', body: 'raw text' });

    expect(await client.next()).toEqual({ data: 'raw text', isBinary: false });
  });

  it('delivers JSON as its text', async () => {
    const hub = uniqueHub();
    const client = await connectSimpleClient(hub);

    await rest(emulator, `/api/hubs/${hub}/:send?${API}`, { contentType: 'application/json', body: '"quoted"' });

    expect(await client.next()).toEqual({ data: '"quoted"', isBinary: false });
  });

  it('delivers octet-stream as a binary frame', async () => {
    const hub = uniqueHub();
    const client = await connectSimpleClient(hub);

    await rest(emulator, `/api/hubs/${hub}/:send?${API}`, { contentType: 'application/octet-stream', body: new Uint8Array([7, 8, 9]) });

    const frame = await client.next();
    expect(frame.isBinary).toBe(true);
    expect([...(frame.data as Buffer)]).toEqual([7, 8, 9]);
  });
});

describe('REST authentication', () => {
  const sendPath = () => `/api/hubs/${uniqueHub()}/:send?${API}`;

  async function expectUnauthorized(response: Response) {
    expect(response.status).toBe(401);
    expect(response.headers.get('x-ms-error-code')).toBe('Unauthorized');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.code).toBe('Unauthorized');
    expect(typeof body.message).toBe('string');
  }

  it('accepts the secondary key', async () => {
    const path = sendPath();
    const url = `${emulator.url}${path}`;
    const token = await signToken({ key: emulator.accessKeys[1], audience: url });

    const response = await rest(emulator, path, { token, contentType: 'text/plain', body: 'x' });

    expect(response.status).toBe(202);
  });

  it('rejects a token signed with another key', async () => {
    const path = sendPath();
    const token = await signToken({ key: 'not-the-access-key', audience: `${emulator.url}${path}` });

    await expectUnauthorized(await rest(emulator, path, { token, contentType: 'text/plain', body: 'x' }));
  });

  it('rejects base64-decoded key bytes', async () => {
    const path = sendPath();
    const decodedKey = new Uint8Array(Buffer.from(emulator.accessKeys[0], 'base64'));
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience(`${emulator.url}${path}`)
      .setExpirationTime('1h')
      .sign(decodedKey);

    await expectUnauthorized(await rest(emulator, path, { token, contentType: 'text/plain', body: 'x' }));
  });

  it('rejects an audience with another host', async () => {
    const path = sendPath();
    const token = await signToken({ key: emulator.accessKeys[0], audience: `http://localhost:${emulator.port}${path}` });

    await expectUnauthorized(await rest(emulator, path, { token, contentType: 'text/plain', body: 'x' }));
  });

  it('rejects an audience with another path', async () => {
    const path = sendPath();
    const token = await signToken({ key: emulator.accessKeys[0], audience: `${emulator.url}/api/hubs/other/:send?${API}` });

    await expectUnauthorized(await rest(emulator, path, { token, contentType: 'text/plain', body: 'x' }));
  });

  it('rejects an audience without the query string', async () => {
    const path = sendPath();
    const token = await signToken({ key: emulator.accessKeys[0], audience: `${emulator.url}${path.split('?')[0]}` });

    await expectUnauthorized(await rest(emulator, path, { token, contentType: 'text/plain', body: 'x' }));
  });

  it('rejects an audience with an https scheme', async () => {
    const path = sendPath();
    const token = await signToken({ key: emulator.accessKeys[0], audience: `${emulator.url.replace('http:', 'https:')}${path}` });

    await expectUnauthorized(await rest(emulator, path, { token, contentType: 'text/plain', body: 'x' }));
  });

  it('rejects an expired token', async () => {
    const path = sendPath();
    const token = await signToken({
      key: emulator.accessKeys[0],
      audience: `${emulator.url}${path}`,
      expiresAt: Math.floor(Date.now() / 1000) - 60,
    });

    await expectUnauthorized(await rest(emulator, path, { token, contentType: 'text/plain', body: 'x' }));
  });

  it('rejects a token without exp', async () => {
    const path = sendPath();
    const token = await signToken({ key: emulator.accessKeys[0], audience: `${emulator.url}${path}`, withoutExpiry: true });

    await expectUnauthorized(await rest(emulator, path, { token, contentType: 'text/plain', body: 'x' }));
  });

  it('rejects a missing Authorization header', async () => {
    await expectUnauthorized(await rest(emulator, sendPath(), { token: null, contentType: 'text/plain', body: 'x' }));
  });

  it('rejects a malformed token', async () => {
    await expectUnauthorized(await rest(emulator, sendPath(), { token: 'not.a.jwt', contentType: 'text/plain', body: 'x' }));
  });
});

describe('REST validation', () => {
  async function expectError(response: Response, status: number, target?: string) {
    expect(response.status).toBe(status);
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.headers.get('x-ms-error-code')).toBe(body.code);
    expect(typeof body.message).toBe('string');
    if (target !== undefined) {
      expect(body.target).toBe(target);
    }
  }

  it('requires api-version', async () => {
    await expectError(await rest(emulator, `/api/hubs/${uniqueHub()}/:send`, { contentType: 'text/plain', body: 'x' }), 400, 'api-version');
  });

  it('rejects an unknown api-version', async () => {
    const response = await rest(emulator, `/api/hubs/${uniqueHub()}/:send?api-version=2099-01-01`, { contentType: 'text/plain', body: 'x' });
    await expectError(response, 400, 'api-version');
  });

  for (const hub of ['1abc', 'a-b', 'a'.repeat(129), 'with%20space']) {
    it(`rejects hub name ${hub.length > 20 ? `of ${hub.length} characters` : hub}`, async () => {
      await expectError(await rest(emulator, `/api/hubs/${hub}/:send?${API}`, { contentType: 'text/plain', body: 'x' }), 400, 'hub');
    });
  }

  it('accepts every allowed hub character', async () => {
    const response = await rest(emulator, `/api/hubs/${encodeURIComponent('H_u`b,.[x]9')}/:send?${API}`, { contentType: 'text/plain', body: 'x' });
    expect(response.status).toBe(202);
  });

  it('rejects a whitespace-only group', async () => {
    const response = await rest(emulator, `/api/hubs/${uniqueHub()}/groups/%20%20/:send?${API}`, { contentType: 'text/plain', body: 'x' });
    await expectError(response, 400, 'group');
  });

  it('rejects a group longer than 1024 characters', async () => {
    const response = await rest(emulator, `/api/hubs/${uniqueHub()}/groups/${'g'.repeat(1025)}/:send?${API}`, { contentType: 'text/plain', body: 'x' });
    await expectError(response, 400, 'group');
  });

  it('accepts a group of 1024 characters', async () => {
    const response = await rest(emulator, `/api/hubs/${uniqueHub()}/groups/${'g'.repeat(1024)}/:send?${API}`, { contentType: 'text/plain', body: 'x' });
    expect(response.status).toBe(202);
  });

  it('rejects an unsupported content type', async () => {
    const response = await rest(emulator, `/api/hubs/${uniqueHub()}/:send?${API}`, { contentType: 'text/html', body: '<p>' });
    await expectError(response, 400, 'Content-Type');
  });

  it('rejects invalid JSON body', async () => {
    const response = await rest(emulator, `/api/hubs/${uniqueHub()}/:send?${API}`, { contentType: 'application/json', body: '{oops' });
    await expectError(response, 400, 'Content-Type');
  });

  it('rejects the filter parameter it cannot evaluate', async () => {
    const response = await rest(emulator, `/api/hubs/${uniqueHub()}/:send?${API}&filter=userId%20eq`, { contentType: 'text/plain', body: 'x' });
    await expectError(response, 400, 'filter');
  });

  it('rejects messageTtlSeconds above 300', async () => {
    const response = await rest(emulator, `/api/hubs/${uniqueHub()}/:send?${API}&messageTtlSeconds=301`, { contentType: 'text/plain', body: 'x' });
    await expectError(response, 400, 'messageTtlSeconds');
  });

  it('rejects a message larger than 1 MiB', async () => {
    const response = await rest(emulator, `/api/hubs/${uniqueHub()}/:send?${API}`, {
      contentType: 'application/octet-stream',
      body: new Uint8Array(1024 * 1024 + 1),
    });
    await expectError(response, 413);
  });

  it('returns 404 for unknown route', async () => {
    await expectError(await rest(emulator, `/api/hubs/${uniqueHub()}/:nothing?${API}`, { contentType: 'text/plain', body: 'x' }), 404);
  });

  it('returns 404 for wrong method', async () => {
    await expectError(await rest(emulator, `/api/hubs/${uniqueHub()}/:send?${API}`, { method: 'PUT', contentType: 'text/plain', body: 'x' }), 404);
  });

  it('answers health without a token', async () => {
    const response = await rest(emulator, '/api/health', { method: 'HEAD', token: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ms-request-id')).toMatch(UUID_PATTERN);
  });
});
