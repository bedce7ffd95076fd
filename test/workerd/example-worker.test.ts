/**
 * The example Worker (worker-example/src) inside workerd, bound to the emulator that the global
 * setup starts: its routes, its error responses and a WebSocket round trip through the emulator.
 */

import { env, exports } from 'cloudflare:workers';
import { decodeJwt, jwtVerify } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../../worker-example/src/index.js';
import { openFrameSocket, type FrameSocket } from './frame-socket.js';

interface TestBindings {
  WEBPUBSUB_CONNECTION_STRING: string;
  WEBPUBSUB_HUB: string;
  EMULATOR_URL: string;
}

interface ErrorBody {
  error: { code: string; message: string; [field: string]: unknown };
}

const bindings = env as unknown as TestBindings;
const CLIENT_ROLES = ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'];

// The key comes from the bound connection string, so that no Node module of the emulator has to
// load inside workerd.
const ACCESS_KEY = /(?:^|;)\s*AccessKey=([^;]+)/i.exec(bindings.WEBPUBSUB_CONNECTION_STRING)![1]!;

function callWorker(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`http://worker.test${path}`, init));
}

function postBroadcast(body: unknown): Promise<Response> {
  return callWorker('/broadcast', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Calls the app directly with bindings of the test's choosing. */
function callWithBindings(path: string, overrides: Record<string, string | undefined>, init?: RequestInit): Promise<Response> {
  const testEnv = { WEBPUBSUB_CONNECTION_STRING: bindings.WEBPUBSUB_CONNECTION_STRING, WEBPUBSUB_HUB: bindings.WEBPUBSUB_HUB, ...overrides };
  return Promise.resolve(worker.fetch(new Request(`http://worker.test${path}`, init), testEnv));
}

async function negotiateUrl(query: string): Promise<string> {
  const response = await callWorker(`/negotiate?${query}`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { url: string };
  return body.url;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('GET /negotiate', () => {
  it('returns a client URL on the emulator', async () => {
    const url = await negotiateUrl('userId=alice');

    const expectedBase = `${bindings.EMULATOR_URL.replace(/^http/, 'ws')}/client/hubs/chat`;
    expect(url.startsWith(`${expectedBase}?access_token=`)).toBe(true);
  });

  it('signs a token for the user, roles and groups', async () => {
    const url = await negotiateUrl('userId=alice&groups=room-1,room-2');
    const token = new URL(url).searchParams.get('access_token')!;

    const { payload } = await jwtVerify(token, new TextEncoder().encode(ACCESS_KEY), {
      algorithms: ['HS256'],
      audience: `${bindings.EMULATOR_URL}/client/hubs/chat`,
    });
    expect(payload.sub).toBe('alice');
    expect(payload.role).toEqual(CLIENT_ROLES);
    expect(payload['webpubsub.group']).toEqual(['room-1', 'room-2']);
    expect(payload.exp! - payload.iat!).toBe(60 * 60);
  });

  it('leaves out the group claim without groups', async () => {
    const url = await negotiateUrl('userId=bob');
    const claims = decodeJwt(new URL(url).searchParams.get('access_token')!);

    expect(claims).not.toHaveProperty('webpubsub.group');
    expect(claims.role).toEqual(CLIENT_ROLES);
  });

  const badQueries = [
    { query: '', path: 'userId' },
    { query: '?groups=room-1', path: 'userId' },
    { query: '?userId=', path: 'userId' },
    { query: '?userId=alice&groups=', path: 'groups' },
    { query: '?userId=alice&groups=room-1,,room-2', path: 'groups' },
    { query: '?userId=alice&groups=room-1,', path: 'groups' },
  ];
  for (const { query, path } of badQueries) {
    it(`rejects "${query}" with 400`, async () => {
      const response = await callWorker(`/negotiate${query}`);
      const body = (await response.json()) as ErrorBody;

      expect(response.status).toBe(400);
      expect(body.error.code).toBe('INVALID_REQUEST');
      expect(body.error.issues).toEqual([expect.objectContaining({ path })]);
      expect(body.error.message).toContain(`"${path}"`);
    });
  }
});

describe('POST /broadcast', () => {
  const targets = [
    { name: 'all', body: { message: 'hello' } },
    { name: 'a group', body: { message: { text: 'hello room' }, group: 'room-1' } },
    { name: 'a user', body: { message: { text: 'hello alice' }, userId: 'alice' } },
  ];
  for (const { name, body } of targets) {
    it(`sends to ${name} with 202`, async () => {
      const response = await postBroadcast(body);

      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ sent: true });
    });
  }

  it('accepts JSON without a content type', async () => {
    const response = await callWorker('/broadcast', { method: 'POST', body: '{"message":"hello"}' });

    expect(response.status).toBe(202);
  });

  const badBodies = [
    { name: 'text that is not JSON', body: 'hello', code: 'INVALID_JSON', path: undefined },
    { name: 'an empty body', body: '', code: 'INVALID_JSON', path: undefined },
    { name: 'a JSON array', body: '[]', code: 'INVALID_REQUEST', path: null },
    { name: 'a JSON string', body: '"hello"', code: 'INVALID_REQUEST', path: null },
    { name: 'null', body: 'null', code: 'INVALID_REQUEST', path: null },
    { name: 'no message', body: '{}', code: 'INVALID_REQUEST', path: 'message' },
    { name: 'a number message', body: '{"message":42}', code: 'INVALID_REQUEST', path: 'message' },
    { name: 'an array message', body: '{"message":["a"]}', code: 'INVALID_REQUEST', path: 'message' },
    { name: 'a null message', body: '{"message":null}', code: 'INVALID_REQUEST', path: 'message' },
    { name: 'an empty group', body: '{"message":"x","group":""}', code: 'INVALID_REQUEST', path: 'group' },
    { name: 'a number group', body: '{"message":"x","group":7}', code: 'INVALID_REQUEST', path: 'group' },
    { name: 'an empty userId', body: '{"message":"x","userId":""}', code: 'INVALID_REQUEST', path: 'userId' },
    { name: 'both group and userId', body: '{"message":"x","group":"g","userId":"u"}', code: 'INVALID_REQUEST', path: null },
    { name: 'an unknown field', body: '{"message":"x","groups":["g"]}', code: 'INVALID_REQUEST', path: 'groups' },
  ];
  for (const { name, body, code, path } of badBodies) {
    it(`rejects ${name} with 400`, async () => {
      const response = await postBroadcast(body);
      const json = (await response.json()) as ErrorBody;

      expect(response.status).toBe(400);
      expect(json.error.code).toBe(code);
      expect(json.error.message).not.toBe('');
      if (path !== undefined) {
        expect(json.error.issues).toEqual([expect.objectContaining({ path })]);
      }
    });
  }

  it('rejects a group name the service forbids', async () => {
    const response = await postBroadcast({ message: 'x', group: 'g'.repeat(1025) });
    const body = (await response.json()) as ErrorBody;

    expect(response.status).toBe(400);
    expect(body.error.code).toBe('INVALID_ARGUMENT');
    expect(body.error.field).toBe('group');
  });

  it('rejects a body over 1 MiB with 413', async () => {
    const response = await postBroadcast({ message: 'x'.repeat(1024 * 1024) });
    const body = (await response.json()) as ErrorBody;

    expect(response.status).toBe(413);
    expect(body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('unknown routes', () => {
  it('return 404 as JSON', async () => {
    const response = await callWorker('/broadcast');
    const body = (await response.json()) as ErrorBody;

    expect(response.status).toBe(404);
    expect(body.error.code).toBe('NOT_FOUND');
  });
});

describe('error responses', () => {
  it('explain a missing connection string', async () => {
    const response = await callWithBindings('/negotiate?userId=alice', { WEBPUBSUB_CONNECTION_STRING: undefined });
    const body = (await response.json()) as ErrorBody;

    expect(response.status).toBe(500);
    expect(body.error.code).toBe('MISSING_CONNECTION_STRING');
    expect(body.error.message).toContain('.dev.vars');
    expect(body.error.message).toContain('wrangler secret put WEBPUBSUB_CONNECTION_STRING');
  });

  it('explain a missing hub', async () => {
    const response = await callWithBindings('/negotiate?userId=alice', { WEBPUBSUB_HUB: '' });
    const body = (await response.json()) as ErrorBody;

    expect(response.status).toBe(500);
    expect(body.error.code).toBe('MISSING_HUB');
    expect(body.error.message).toContain('wrangler.toml');
  });

  it('report an invalid connection string without its key', async () => {
    const key = 'not-a-real-key-but-secret-all-the-same';
    const response = await callWithBindings('/negotiate?userId=alice', {
      WEBPUBSUB_CONNECTION_STRING: `Endpoint=http://webpubsub.example;AccessKey=${key};Version=1.0;`,
    });
    const text = await response.text();

    expect(response.status).toBe(500);
    expect(JSON.parse(text).error.code).toBe('INVALID_CONFIGURATION');
    expect(JSON.parse(text).error.field).toBe('endpoint');
    expect(text).not.toContain(key);
  });

  it('map a service rejection to 502 with its status', async () => {
    const wrongKey = 'd3Jvbmcta2V5LWZvci10aGUtZW11bGF0b3I=';
    const connectionString = `Endpoint=${bindings.EMULATOR_URL};AccessKey=${wrongKey};Version=1.0;`;
    const response = await callWithBindings('/broadcast', { WEBPUBSUB_CONNECTION_STRING: connectionString }, {
      method: 'POST',
      body: '{"message":"hello"}',
    });
    const text = await response.text();
    const body = JSON.parse(text) as ErrorBody;

    expect(response.status).toBe(502);
    expect(body.error.code).toBe('SERVICE_ERROR');
    expect(body.error.serviceStatus).toBe(401);
    expect(text).not.toContain(wrongKey);
  });

  it('map an unreachable service to 502', async () => {
    // The test assumes that nothing listens on port 1 (tcpmux), so the connection is refused.
    const response = await callWithBindings('/broadcast', { WEBPUBSUB_CONNECTION_STRING: `Endpoint=http://127.0.0.1:1;AccessKey=${ACCESS_KEY};` }, {
      method: 'POST',
      body: '{"message":"hello"}',
    });
    const body = (await response.json()) as ErrorBody;

    expect(response.status).toBe(502);
    expect(body.error.code).toBe('SERVICE_UNREACHABLE');
  });

  it('follow a changed hub binding', async () => {
    const other = await callWithBindings('/negotiate?userId=alice', { WEBPUBSUB_HUB: 'other' });
    const again = await callWithBindings('/negotiate?userId=alice', {});

    expect(((await other.json()) as { url: string }).url).toContain('/client/hubs/other?');
    expect(((await again.json()) as { url: string }).url).toContain('/client/hubs/chat?');
  });
});

describe('error log', () => {
  it('writes one line per error without the key', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const wrongKey = 'bG9nLXRlc3Qtd3Jvbmcta2V5';
    await callWithBindings('/broadcast', { WEBPUBSUB_CONNECTION_STRING: `Endpoint=${bindings.EMULATOR_URL};AccessKey=${wrongKey};` }, {
      method: 'POST',
      body: '{"message":"a private message"}',
    });

    expect(errors).toHaveBeenCalledTimes(1);
    const line = String(errors.mock.calls[0]![0]);
    expect(JSON.parse(line)).toMatchObject({ level: 'error', route: '/broadcast', status: 502, code: 'SERVICE_ERROR', serviceStatus: 401 });
    expect(line).not.toContain(wrongKey);
    expect(line).not.toContain('a private message');
  });

  it('writes a warning for a rejected request without its content', async () => {
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await postBroadcast({ message: 'x', 'secret-looking-field': 'secret-looking-value' });

    expect(warnings).toHaveBeenCalledTimes(1);
    const line = String(warnings.mock.calls[0]![0]);
    expect(JSON.parse(line)).toMatchObject({ level: 'warn', route: '/broadcast', status: 400, code: 'INVALID_REQUEST', issueCount: 1 });
    expect(line).not.toContain('secret-looking');
  });
});

type TestClient = FrameSocket;

async function connectClient(userId: string): Promise<TestClient> {
  return openFrameSocket(await negotiateUrl(`userId=${userId}`), userId);
}

/** Data of the messages that carry `tag`, which distinguishes them from other tests' broadcasts. */
function taggedMessages(client: TestClient, tag: string): unknown[] {
  return client.frames
    .filter((frame) => frame.type === 'message' && JSON.stringify(frame.data).includes(tag))
    .map((frame) => frame.data);
}

function hasData(expected: unknown): (frame: Record<string, unknown>) => boolean {
  return (frame) => frame.type === 'message' && JSON.stringify(frame.data) === JSON.stringify(expected);
}

describe('round trip through the emulator', () => {
  it('delivers each broadcast to its target only', async () => {
    const tag = crypto.randomUUID();
    const toRoom = { text: 'to the room', tag };
    const toAlice = `to alice ${tag}`;
    const toEveryone = { text: 'to everyone', tag };
    const alice = await connectClient('rt-alice');
    const bob = await connectClient('rt-bob');

    alice.socket.send(JSON.stringify({ type: 'joinGroup', group: 'rt-room', ackId: 1 }));
    const ack = await alice.waitFor((frame) => frame.type === 'ack' && frame.ackId === 1);
    expect(ack.success).toBe(true);

    expect((await postBroadcast({ message: toRoom, group: 'rt-room' })).status).toBe(202);
    const roomMessage = await alice.waitFor(hasData(toRoom));
    expect(roomMessage).toEqual({ type: 'message', from: 'server', dataType: 'json', data: toRoom });

    expect((await postBroadcast({ message: toAlice, userId: 'rt-alice' })).status).toBe(202);
    await alice.waitFor(hasData(toAlice));

    expect((await postBroadcast({ message: toEveryone })).status).toBe(202);
    await alice.waitFor(hasData(toEveryone));
    await bob.waitFor(hasData(toEveryone));

    // The emulator sends to each connection in order, so bob has seen everything meant for him.
    expect(taggedMessages(alice, tag)).toEqual([toRoom, toAlice, toEveryone]);
    expect(taggedMessages(bob, tag)).toEqual([toEveryone]);

    alice.socket.close(1000);
    bob.socket.close(1000);
  });
});
