/**
 * The emulator's upstream delivery (emulator/upstream.js and emulator/upstream-session.js),
 * against a loopback webhook that records every request and recomputes the signatures.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { EventLogger, type LogEntry } from '../../emulator/log.js';
import { DEV_PRIMARY_KEY, DEV_SECONDARY_KEY } from '../../emulator/server.js';
import { Upstream, normalizeUpstreamOptions, type UpstreamOptions } from '../../emulator/upstream.js';
import { UpstreamSession, type ConnectionIdentity } from '../../emulator/upstream-session.js';
import { signToken } from './helpers.js';
import {
  allowAll,
  expectedSignature,
  startWebhook as startLoopbackWebhook,
  type RecordedRequest,
  type Reply,
  type Responder,
  type Webhook,
} from './upstream-webhook.js';

const ORIGIN = '127.0.0.1:8092';
const KEYS = [DEV_PRIMARY_KEY, DEV_SECONDARY_KEY];
const SUPPORTED = new Set(['json.webpubsub.azure.v1', 'json.reliable.webpubsub.azure.v1']);
const TOKEN_IDENTITY: ConnectionIdentity = { userId: 'token-user', roles: ['webpubsub.sendToGroup'], groups: ['token-group'] };

const webhooks: Webhook[] = [];

afterEach(async () => {
  await Promise.all(webhooks.splice(0).map((webhook) => webhook.close()));
});

async function startWebhook(respond?: Responder): Promise<Webhook> {
  const webhook = await startLoopbackWebhook(respond);
  webhooks.push(webhook);
  return webhook;
}

function createUpstream(options: UpstreamOptions, logs: LogEntry[] = []): Upstream {
  return new Upstream({ options, accessKeys: KEYS, origin: ORIGIN, logger: new EventLogger((entry) => logs.push(entry)) });
}

function createSession(upstream: Upstream, connectionId = 'conn-1', hubName = 'chat'): UpstreamSession {
  return new UpstreamSession({ upstream, hubName, connectionId, logger: new EventLogger(() => {}) });
}

async function connectRequest(options: { claims?: Record<string, unknown>; query?: string; subprotocols?: string[] } = {}) {
  const token = await signToken({ key: DEV_PRIMARY_KEY, audience: 'http://127.0.0.1:8092/client/hubs/chat', claims: options.claims ?? { sub: 'token-user' } });
  return {
    token,
    query: new URLSearchParams(options.query ?? ''),
    headers: { host: ['127.0.0.1:8092'], 'x-custom': ['a', 'b'] },
    subprotocols: options.subprotocols ?? [],
  };
}

function textPayload(text: string) {
  return { dataType: 'text' as const, text };
}

function jsonBody(request: RecordedRequest): unknown {
  return JSON.parse(request.body.toString('utf8'));
}

describe('upstream options', () => {
  const invalid: Array<{ name: string; options: unknown; message: RegExp }> = [
    { name: 'a missing template', options: {}, message: /urlTemplate/ },
    { name: 'a relative template', options: { urlTemplate: '/eventhandler' }, message: /absolute URL/ },
    { name: 'an ftp template', options: { urlTemplate: 'ftp://127.0.0.1/x' }, message: /http or https/ },
    { name: 'an unknown placeholder', options: { urlTemplate: 'http://127.0.0.1/{name}' }, message: /\{name\}/ },
    { name: '{event} in the host', options: { urlTemplate: 'http://{event}.example/x' }, message: /host/ },
    { name: 'an unknown system event', options: { urlTemplate: 'http://127.0.0.1/x', events: { systemEvents: ['joined'] } }, message: /systemEvents/ },
    { name: 'a zero timeout', options: { urlTemplate: 'http://127.0.0.1/x', timeoutInMs: 0 }, message: /timeoutInMs/ },
  ];
  for (const { name, options, message } of invalid) {
    it(`rejects ${name}`, () => {
      expect(() => normalizeUpstreamOptions(options as UpstreamOptions)).toThrow(message);
    });
  }

  it('defaults to every event', () => {
    const upstream = createUpstream({ urlTemplate: 'http://127.0.0.1/x' });

    expect(['connect', 'connected', 'disconnected'].map((name) => upstream.handlesSystemEvent(name))).toEqual([true, true, true]);
    expect(upstream.handlesUserEvent('anything')).toBe(true);
  });

  it('matches a user event list exactly', () => {
    const upstream = createUpstream({ urlTemplate: 'http://127.0.0.1/x', events: { systemEvents: ['connected'], userEventPattern: 'chat, typing' } });

    expect(upstream.handlesUserEvent('chat')).toBe(true);
    expect(upstream.handlesUserEvent('typing')).toBe(true);
    expect(upstream.handlesUserEvent('Chat')).toBe(false);
    expect(upstream.handlesUserEvent('message')).toBe(false);
    expect(upstream.handlesSystemEvent('connect')).toBe(false);
  });

  it('delivers no user event for an empty pattern', () => {
    const upstream = createUpstream({ urlTemplate: 'http://127.0.0.1/x', events: { userEventPattern: '' } });

    expect(upstream.handlesUserEvent('message')).toBe(false);
  });
});

describe('upstream requests', () => {
  it('sends CloudEvents headers in binary mode', async () => {
    const webhook = await startWebhook();
    const upstream = createUpstream({ urlTemplate: `${webhook.url}/eventhandler` });
    const session = createSession(upstream, 'conn-headers');
    await session.connect(TOKEN_IDENTITY, await connectRequest({ subprotocols: ['json.webpubsub.azure.v1'] }), SUPPORTED);

    await session.enqueue(() => session.deliverUserEvent('chat', textPayload('hi')));

    const event = webhook.events()[1]!;
    expect(event.path).toBe('/eventhandler');
    expect(event.headers['content-type']).toBe('text/plain');
    expect(event.headers['ce-specversion']).toBe('1.0');
    expect(event.headers['ce-type']).toBe('azure.webpubsub.user.chat');
    expect(event.headers['ce-source']).toBe('/hubs/chat/client/conn-headers');
    expect(event.headers['ce-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(event.headers['ce-time'] as string)).not.toBeNaN();
    expect(event.headers['ce-awpsversion']).toBe('1.0');
    expect(event.headers['ce-hub']).toBe('chat');
    expect(event.headers['ce-connectionid']).toBe('conn-headers');
    expect(event.headers['ce-userid']).toBe('token-user');
    expect(event.headers['ce-eventname']).toBe('chat');
    expect(event.headers['ce-subprotocol']).toBe('json.webpubsub.azure.v1');
    expect(event.headers['webhook-request-origin']).toBe(ORIGIN);
    expect(event.body.toString('utf8')).toBe('hi');
  });

  it('gives each event its own ce-id', async () => {
    const webhook = await startWebhook();
    const session = createSession(createUpstream({ urlTemplate: webhook.url }));

    await session.enqueue(() => session.deliverUserEvent('a', textPayload('1')));
    await session.enqueue(() => session.deliverUserEvent('a', textPayload('2')));

    const [first, second] = webhook.events();
    expect(first!.headers['ce-id']).not.toBe(second!.headers['ce-id']);
  });

  it('signs the connection id with both keys', async () => {
    const webhook = await startWebhook();
    const session = createSession(createUpstream({ urlTemplate: webhook.url }), 'conn-signed');

    await session.enqueue(() => session.deliverUserEvent('chat', textPayload('hi')));

    const signature = webhook.events()[0]!.headers['ce-signature'];
    const expected = [await expectedSignature(DEV_PRIMARY_KEY, 'conn-signed'), await expectedSignature(DEV_SECONDARY_KEY, 'conn-signed')];
    expect(signature).toBe(expected.join(','));
  });

  it('leaves out absent user, subprotocol and state', async () => {
    const webhook = await startWebhook();
    const session = createSession(createUpstream({ urlTemplate: webhook.url }));

    await session.enqueue(() => session.deliverUserEvent('chat', textPayload('hi')));

    const { headers } = webhook.events()[0]!;
    expect(headers).not.toHaveProperty('ce-userid');
    expect(headers).not.toHaveProperty('ce-subprotocol');
    expect(headers).not.toHaveProperty('ce-connectionstate');
  });

  it('fills {hub} and {event} in the URL', async () => {
    const webhook = await startWebhook();
    const upstream = createUpstream({ urlTemplate: `${webhook.url}/api/{hub}/{event}?code=secret-code` });
    const session = createSession(upstream, 'conn-template', 'Chat_1');

    await session.connect(TOKEN_IDENTITY, await connectRequest(), SUPPORTED);
    session.notifyConnected();
    await session.enqueue(() => session.deliverUserEvent('needs space', textPayload('x')));

    expect(webhook.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'OPTIONS /api/Chat_1/validate?code=secret-code',
      'POST /api/Chat_1/connect?code=secret-code',
      'POST /api/Chat_1/connected?code=secret-code',
      'POST /api/Chat_1/needs%20space?code=secret-code',
    ]);
  });

  it('encodes each data type with its content type', async () => {
    const webhook = await startWebhook();
    const session = createSession(createUpstream({ urlTemplate: webhook.url }));

    await session.enqueue(() => session.deliverUserEvent('e', { dataType: 'json', value: { a: 1 }, text: '{"a":1}' }));
    await session.enqueue(() => session.deliverUserEvent('e', { dataType: 'binary', bytes: Buffer.from([0, 255]) }));

    const [json, binary] = webhook.events();
    expect(json!.headers['content-type']).toBe('application/json');
    expect(json!.body.toString('utf8')).toBe('{"a":1}');
    expect(binary!.headers['content-type']).toBe('application/octet-stream');
    expect([...binary!.body]).toEqual([0, 255]);
  });

  it('logs each call without secrets', async () => {
    const webhook = await startWebhook();
    const logs: LogEntry[] = [];
    const session = createSession(createUpstream({ urlTemplate: `${webhook.url}/x?code=secret-code` }, logs), 'conn-logged');

    await session.enqueue(() => session.deliverUserEvent('chat', textPayload('private text')));

    const request = logs.find((entry) => entry.event === 'upstream.request');
    expect(request).toMatchObject({ level: 'info', hub: 'chat', connectionId: 'conn-logged', eventName: 'chat', status: 204 });
    const text = JSON.stringify(logs);
    const signature = webhook.events()[0]!.headers['ce-signature'] as string;
    for (const secret of [...KEYS, ...signature.split(','), 'secret-code', 'private text']) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('upstream abuse protection', () => {
  it('validates each URL once', async () => {
    const webhook = await startWebhook();
    const upstream = createUpstream({ urlTemplate: `${webhook.url}/hubs/{hub}/{event}` });

    await Promise.all([
      createSession(upstream, 'c1', 'one').connect(TOKEN_IDENTITY, await connectRequest(), SUPPORTED),
      createSession(upstream, 'c2', 'one').connect(TOKEN_IDENTITY, await connectRequest(), SUPPORTED),
      createSession(upstream, 'c3', 'two').connect(TOKEN_IDENTITY, await connectRequest(), SUPPORTED),
    ]);
    await createSession(upstream, 'c4', 'one').connect(TOKEN_IDENTITY, await connectRequest(), SUPPORTED);

    const validations = webhook.requests.filter((request) => request.method === 'OPTIONS');
    expect(validations.map((request) => request.path).sort()).toEqual(['/hubs/one/validate', '/hubs/two/validate']);
    expect(validations[0]!.headers['webhook-request-origin']).toBe(ORIGIN);
    expect(validations[0]!.headers['ce-awpsversion']).toBe('1.0');
    expect(webhook.events()).toHaveLength(4);
  });

  it('accepts its origin in a list', async () => {
    const webhook = await startWebhook((request) =>
      request.method === 'OPTIONS' ? { status: 200, headers: { 'WebHook-Allowed-Origin': `other.example, ${ORIGIN.toUpperCase()}` } } : { status: 204 },
    );
    const session = createSession(createUpstream({ urlTemplate: webhook.url }));

    const outcome = await session.enqueue(() => session.deliverUserEvent('e', textPayload('x')));

    expect(outcome).toEqual({ kind: 'no-reply' });
    expect(webhook.events()).toHaveLength(1);
  });

  const failures: Array<{ name: string; reply: Reply; reason: RegExp }> = [
    { name: 'status 400', reply: { status: 400, headers: { 'WebHook-Allowed-Origin': '*' } }, reason: /status 400/ },
    { name: 'a missing header', reply: { status: 200 }, reason: /missing/ },
    { name: 'another origin', reply: { status: 200, headers: { 'WebHook-Allowed-Origin': 'other.example' } }, reason: /other\.example/ },
    { name: 'a prefix of the origin', reply: { status: 200, headers: { 'WebHook-Allowed-Origin': '127.0.0.1' } }, reason: /127\.0\.0\.1/ },
  ];
  for (const { name, reply, reason } of failures) {
    it(`delivers nothing after ${name}`, async () => {
      const webhook = await startWebhook((request) => (request.method === 'OPTIONS' ? reply : { status: 204 }));
      const logs: LogEntry[] = [];
      const session = createSession(createUpstream({ urlTemplate: webhook.url }, logs));

      const outcome = await session.enqueue(() => session.deliverUserEvent('e', textPayload('x')));

      expect(outcome).toMatchObject({ kind: 'failed', reason: expect.stringContaining('abuse protection') });
      expect(webhook.events()).toEqual([]);
      expect(logs.find((entry) => entry.event === 'upstream.validation-failed')).toMatchObject({ level: 'warn', reason: expect.stringMatching(reason) });
      expect(logs.find((entry) => entry.event === 'upstream.undelivered')).toMatchObject({ level: 'warn', event: 'upstream.undelivered' });
    });
  }

  it('retries a failed validation', async () => {
    let isAllowed = false;
    const webhook = await startWebhook((request) =>
      request.method === 'OPTIONS' ? { status: isAllowed ? 200 : 503, headers: { 'WebHook-Allowed-Origin': '*' } } : { status: 204 },
    );
    const session = createSession(createUpstream({ urlTemplate: webhook.url }));

    const first = await session.enqueue(() => session.deliverUserEvent('e', textPayload('x')));
    isAllowed = true;
    const second = await session.enqueue(() => session.deliverUserEvent('e', textPayload('y')));

    expect(first.kind).toBe('failed');
    expect(second.kind).toBe('no-reply');
    expect(webhook.requests.filter((request) => request.method === 'OPTIONS')).toHaveLength(2);
  });
});

describe('upstream connect event', () => {
  it('sends the connect body', async () => {
    const webhook = await startWebhook();
    const session = createSession(createUpstream({ urlTemplate: webhook.url }));
    const request = await connectRequest({
      claims: { sub: 'token-user', role: ['r1', 'r2'], custom: 'value' },
      query: 'room=lobby&tag=a&tag=b',
      subprotocols: ['json.webpubsub.azure.v1', 'custom'],
    });

    await session.connect(TOKEN_IDENTITY, request, SUPPORTED);

    const connect = webhook.events()[0]!;
    expect(connect.headers['ce-type']).toBe('azure.webpubsub.sys.connect');
    expect(connect.headers['ce-eventname']).toBe('connect');
    expect(connect.headers['content-type']).toBe('application/json');
    expect(connect.headers).not.toHaveProperty('ce-subprotocol');
    const body = jsonBody(connect) as Record<string, Record<string, string[]> | string[]>;
    expect(body.claims).toMatchObject({ sub: ['token-user'], role: ['r1', 'r2'], custom: ['value'], aud: ['http://127.0.0.1:8092/client/hubs/chat'] });
    expect(body.query).toEqual({ room: ['lobby'], tag: ['a', 'b'] });
    expect(body.headers).toEqual({ host: ['127.0.0.1:8092'], 'x-custom': ['a', 'b'] });
    expect(body.subprotocols).toEqual(['json.webpubsub.azure.v1', 'custom']);
    expect(body.clientCertificates).toEqual([]);
  });

  it('keeps the token identity on 204', async () => {
    const webhook = await startWebhook();
    const session = createSession(createUpstream({ urlTemplate: webhook.url }));

    const outcome = await session.connect(TOKEN_IDENTITY, await connectRequest({ subprotocols: ['x', 'json.reliable.webpubsub.azure.v1'] }), SUPPORTED);

    expect(outcome).toEqual({ isAccepted: true, identity: TOKEN_IDENTITY, subprotocol: 'json.reliable.webpubsub.azure.v1' });
  });

  it('applies userId, roles, groups and subprotocol', async () => {
    const webhook = await startWebhook((request) =>
      request.method === 'OPTIONS'
        ? allowAll(request)
        : {
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ userId: 'handler-user', roles: ['webpubsub.joinLeaveGroup'], groups: ['handler-group'], subprotocol: 'json.reliable.webpubsub.azure.v1' }),
          },
    );
    const session = createSession(createUpstream({ urlTemplate: webhook.url }));
    const request = await connectRequest({ subprotocols: ['json.webpubsub.azure.v1', 'json.reliable.webpubsub.azure.v1'] });

    const outcome = await session.connect(TOKEN_IDENTITY, request, SUPPORTED);

    expect(outcome).toEqual({
      isAccepted: true,
      identity: { userId: 'handler-user', roles: ['webpubsub.joinLeaveGroup'], groups: ['token-group', 'handler-group'] },
      subprotocol: 'json.reliable.webpubsub.azure.v1',
    });
  });

  it('clears roles for an empty list', async () => {
    const webhook = await startWebhook((request) => (request.method === 'OPTIONS' ? allowAll(request) : { status: 200, body: '{"roles":[],"groups":[]}' }));
    const session = createSession(createUpstream({ urlTemplate: webhook.url }));

    const outcome = await session.connect(TOKEN_IDENTITY, await connectRequest(), SUPPORTED);

    expect(outcome).toEqual({ isAccepted: true, identity: { userId: 'token-user', roles: [], groups: ['token-group'] }, subprotocol: null });
  });

  it('falls back to the first supported subprotocol', async () => {
    const webhook = await startWebhook((request) => (request.method === 'OPTIONS' ? allowAll(request) : { status: 200, body: '{"userId":"u"}' }));
    const session = createSession(createUpstream({ urlTemplate: webhook.url }));

    const outcome = await session.connect(TOKEN_IDENTITY, await connectRequest({ subprotocols: ['custom', 'json.webpubsub.azure.v1', 'json.reliable.webpubsub.azure.v1'] }), SUPPORTED);

    expect(outcome).toMatchObject({ isAccepted: true, subprotocol: 'json.webpubsub.azure.v1' });
  });

  const invalidResponses: Array<{ name: string; body: string; subprotocols?: string[]; reason: RegExp }> = [
    { name: 'a subprotocol not offered', body: '{"subprotocol":"json.reliable.webpubsub.azure.v1"}', subprotocols: ['json.webpubsub.azure.v1'], reason: /did not offer/ },
    { name: 'an unsupported subprotocol', body: '{"subprotocol":"custom"}', subprotocols: ['custom'], reason: /does not support/ },
    { name: 'a body that is not JSON', body: 'ok', reason: /not JSON/ },
    { name: 'a JSON array', body: '[]', reason: /JSON object/ },
    { name: 'a numeric userId', body: '{"userId":7}', reason: /userId/ },
    { name: 'roles that are not strings', body: '{"roles":[1]}', reason: /roles/ },
  ];
  for (const { name, body, subprotocols, reason } of invalidResponses) {
    it(`fails with 500 for ${name}`, async () => {
      const webhook = await startWebhook((request) => (request.method === 'OPTIONS' ? allowAll(request) : { status: 200, body }));
      const session = createSession(createUpstream({ urlTemplate: webhook.url }));

      const outcome = await session.connect(TOKEN_IDENTITY, await connectRequest({ subprotocols }), SUPPORTED);

      expect(outcome).toMatchObject({ isAccepted: false, status: 500, text: expect.stringMatching(reason) });
    });
  }

  it('passes on a rejection status and text', async () => {
    const webhook = await startWebhook((request) => (request.method === 'OPTIONS' ? allowAll(request) : { status: 401, body: 'Sign in first.' }));
    const session = createSession(createUpstream({ urlTemplate: webhook.url }));

    const outcome = await session.connect(TOKEN_IDENTITY, await connectRequest(), SUPPORTED);

    expect(outcome).toEqual({
      isAccepted: false,
      status: 401,
      text: 'Sign in first.',
      reason: 'The upstream rejected the connect event with status 401.',
    });
  });

  it('rejects a connection without a user id', async () => {
    const webhook = await startWebhook();
    const session = createSession(createUpstream({ urlTemplate: webhook.url }));
    const anonymous = { userId: null, roles: [], groups: [] };

    const outcome = await session.connect(anonymous, await connectRequest({ claims: {} }), SUPPORTED);

    expect(outcome).toMatchObject({ isAccepted: false, status: 401, text: expect.stringContaining('no user id') });
  });

  it('fails with 500 when unreachable', async () => {
    const webhook = await startWebhook();
    const url = webhook.url;
    await webhook.close();
    const logs: LogEntry[] = [];
    const session = createSession(createUpstream({ urlTemplate: url }, logs));

    const outcome = await session.connect(TOKEN_IDENTITY, await connectRequest(), SUPPORTED);

    expect(outcome).toMatchObject({ isAccepted: false, status: 500 });
    expect(logs.some((entry) => entry.event === 'upstream.validation-failed')).toBe(true);
  });

  it('skips the event when not configured', async () => {
    const webhook = await startWebhook();
    const session = createSession(createUpstream({ urlTemplate: webhook.url, events: { systemEvents: ['connected'] } }));
    const anonymous = { userId: null, roles: [], groups: [] };

    const outcome = await session.connect(anonymous, await connectRequest({ claims: {}, subprotocols: ['json.webpubsub.azure.v1'] }), SUPPORTED);

    expect(outcome).toEqual({ isAccepted: true, identity: anonymous, subprotocol: 'json.webpubsub.azure.v1' });
    expect(webhook.requests).toEqual([]);
  });
});

describe('upstream notifications', () => {
  it('sends connected and disconnected', async () => {
    const webhook = await startWebhook();
    const session = createSession(createUpstream({ urlTemplate: webhook.url }), 'conn-notified');
    await session.connect(TOKEN_IDENTITY, await connectRequest(), SUPPORTED);

    session.notifyConnected();
    session.notifyDisconnected('The client closed the connection.');
    await session.enqueue(async () => {});

    const [, connected, disconnected] = webhook.events();
    expect(connected!.headers['ce-type']).toBe('azure.webpubsub.sys.connected');
    expect(jsonBody(connected!)).toEqual({});
    expect(disconnected!.headers['ce-type']).toBe('azure.webpubsub.sys.disconnected');
    expect(jsonBody(disconnected!)).toEqual({ reason: 'The client closed the connection.' });
    expect(disconnected!.headers['ce-userid']).toBe('token-user');
  });

  it('delivers events of a connection in order', async () => {
    const webhook = await startWebhook((request) =>
      request.method === 'OPTIONS' ? allowAll(request) : { status: 204, delayMs: request.headers['ce-eventname'] === 'slow' ? 200 : 0 },
    );
    const session = createSession(createUpstream({ urlTemplate: webhook.url }));

    void session.enqueue(() => session.deliverUserEvent('slow', textPayload('1')));
    session.notifyDisconnected('gone');
    await session.enqueue(async () => {});

    expect(webhook.events().map((request) => request.headers['ce-eventname'])).toEqual(['slow', 'disconnected']);
  });
});

describe('upstream user event replies', () => {
  const replies: Array<{ name: string; reply: Reply; expected: unknown }> = [
    { name: 'text', reply: { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'pong' }, expected: { kind: 'reply', payload: { dataType: 'text', text: 'pong' } } },
    { name: 'JSON', reply: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' }, expected: { kind: 'reply', payload: { dataType: 'json', value: { ok: true }, text: '{"ok":true}' } } },
    { name: 'binary', reply: { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([1, 2]) }, expected: { kind: 'reply', payload: { dataType: 'binary', bytes: Buffer.from([1, 2]) } } },
    { name: '204', reply: { status: 204 }, expected: { kind: 'no-reply' } },
    { name: 'an empty 200', reply: { status: 200 }, expected: { kind: 'no-reply' } },
    { name: '500', reply: { status: 500, body: 'boom' }, expected: { kind: 'failed', reason: 'The event handler returned status 500.' } },
    { name: '401', reply: { status: 401 }, expected: { kind: 'failed', reason: 'The event handler returned status 401.' } },
    { name: 'an unknown content type', reply: { status: 200, headers: { 'content-type': 'text/html' }, body: '<p>' }, expected: { kind: 'failed', reason: expect.stringContaining('text/html') } },
    { name: 'invalid JSON', reply: { status: 200, headers: { 'content-type': 'application/json' }, body: '{' }, expected: { kind: 'failed', reason: expect.stringContaining('JSON') } },
  ];
  for (const { name, reply, expected } of replies) {
    it(`reads ${name}`, async () => {
      const webhook = await startWebhook((request) => (request.method === 'OPTIONS' ? allowAll(request) : reply));
      const session = createSession(createUpstream({ urlTemplate: webhook.url }));

      const outcome = await session.enqueue(() => session.deliverUserEvent('e', textPayload('x')));

      expect(outcome).toEqual(expected);
    });
  }

  it('fails after the timeout', async () => {
    const webhook = await startWebhook((request) => (request.method === 'OPTIONS' ? allowAll(request) : { status: 204, delayMs: 1000 }));
    const session = createSession(createUpstream({ urlTemplate: webhook.url, timeoutInMs: 200 }));

    const outcome = await session.enqueue(() => session.deliverUserEvent('e', textPayload('x')));

    expect(outcome).toEqual({ kind: 'failed', reason: 'The upstream did not respond within 200 ms.' });
  });
});

describe('upstream connection state', () => {
  it('carries state between calls', async () => {
    const states = new Map([
      ['connect', 'c3RhdGUtMQ=='],
      ['second', 'c3RhdGUtMg=='],
    ]);
    const webhook = await startWebhook((request) => {
      if (request.method === 'OPTIONS') return allowAll(request);
      const state = states.get(request.headers['ce-eventname'] as string);
      return { status: 204, headers: state === undefined ? {} : { 'ce-connectionState': state } };
    });
    const session = createSession(createUpstream({ urlTemplate: webhook.url }));

    await session.connect(TOKEN_IDENTITY, await connectRequest(), SUPPORTED);
    session.notifyConnected();
    await session.enqueue(() => session.deliverUserEvent('first', textPayload('1')));
    await session.enqueue(() => session.deliverUserEvent('second', textPayload('2')));
    await session.enqueue(() => session.deliverUserEvent('third', textPayload('3')));
    session.notifyDisconnected('done');
    await session.enqueue(async () => {});

    const sent = webhook.events().map((request) => [request.headers['ce-eventname'], request.headers['ce-connectionstate']]);
    expect(sent).toEqual([
      ['connect', undefined],
      ['connected', 'c3RhdGUtMQ=='],
      ['first', 'c3RhdGUtMQ=='],
      ['second', 'c3RhdGUtMQ=='],
      ['third', 'c3RhdGUtMg=='],
      ['disconnected', 'c3RhdGUtMg=='],
    ]);
  });

  it('clears state for an empty header', async () => {
    const webhook = await startWebhook((request) => {
      if (request.method === 'OPTIONS') return allowAll(request);
      const stateByEvent: Record<string, string> = { set: 'e30=', clear: '' };
      const state = stateByEvent[request.headers['ce-eventname'] as string];
      return { status: 204, headers: state === undefined ? {} : { 'ce-connectionState': state } };
    });
    const session = createSession(createUpstream({ urlTemplate: webhook.url }));

    for (const name of ['set', 'clear', 'after']) {
      await session.enqueue(() => session.deliverUserEvent(name, textPayload('x')));
    }

    expect(webhook.events()[2]!.headers).not.toHaveProperty('ce-connectionstate');
  });

  it('ignores state from failed events', async () => {
    const webhook = await startWebhook((request) => {
      if (request.method === 'OPTIONS') return allowAll(request);
      return { status: request.headers['ce-eventname'] === 'bad' ? 500 : 204, headers: { 'ce-connectionState': 'YmFk' } };
    });
    const session = createSession(createUpstream({ urlTemplate: webhook.url }));

    await session.enqueue(() => session.deliverUserEvent('bad', textPayload('x')));
    await session.enqueue(() => session.deliverUserEvent('next', textPayload('y')));

    expect(webhook.events()[1]!.headers).not.toHaveProperty('ce-connectionstate');
  });
});

describe('upstream shutdown', () => {
  it('aborts slow requests on close', async () => {
    const webhook = await startWebhook((request) => (request.method === 'OPTIONS' ? allowAll(request) : { status: 204, delayMs: 5000 }));
    const upstream = createUpstream({ urlTemplate: webhook.url });
    const session = createSession(upstream);

    const pending = session.enqueue(() => session.deliverUserEvent('e', textPayload('x')));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const startedAt = Date.now();
    await upstream.close();

    expect(await pending).toMatchObject({ kind: 'failed', reason: expect.stringContaining('shutting down') });
    expect(Date.now() - startedAt).toBeLessThan(3000);
  });

  it('delivers nothing after close', async () => {
    const webhook = await startWebhook();
    const upstream = createUpstream({ urlTemplate: webhook.url });
    await upstream.close();

    const outcome = await createSession(upstream).enqueue(() => createSession(upstream).deliverUserEvent('e', textPayload('x')));

    expect(outcome).toMatchObject({ kind: 'failed' });
    expect(webhook.requests).toEqual([]);
  });
});
