/**
 * The example Worker's `/eventhandler` inside workerd, called the way Azure Web PubSub calls it:
 * signed CloudEvents requests, plus forged, unsigned and wrong-key ones that must get 401. Chat
 * broadcasts go to the emulator that the global setup starts.
 */

import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openFrameSocket, type FrameSocket } from './frame-socket.js';

interface TestBindings {
  WEBPUBSUB_CONNECTION_STRING: string;
  EMULATOR_URL: string;
}

const bindings = env as unknown as TestBindings;
const ORIGIN = 'emulator.test';

// The key comes from the bound connection string, so that no Node module of the emulator has to
// load inside workerd.
const ACCESS_KEY = /(?:^|;)\s*AccessKey=([^;]+)/i.exec(bindings.WEBPUBSUB_CONNECTION_STRING)![1]!;
const OTHER_KEY = 'c29tZS1vdGhlci1yZXNvdXJjZS1rZXk=';

afterEach(() => {
  vi.restoreAllMocks();
});

async function sign(connectionId: string, key: string): Promise<string> {
  const encoder = new TextEncoder();
  const cryptoKey = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(connectionId)));
  return `sha256=${[...mac].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

function encodeState(state: Record<string, unknown>): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(state))));
}

function decodeState(header: string | null): Record<string, unknown> {
  const bytes = Uint8Array.from(atob(header ?? ''), (char) => char.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

interface EventOptions {
  type: string;
  connectionId?: string;
  userId?: string;
  hub?: string;
  signature?: string | null;
  state?: Record<string, unknown>;
  contentType?: string;
  body?: string;
  path?: string;
}

/** Sends an event request as the service would, signed with the bound key unless `signature` is set. */
async function postEvent(options: EventOptions): Promise<Response> {
  const connectionId = options.connectionId ?? `conn-${crypto.randomUUID()}`;
  const eventName = options.type.split('.').pop()!;
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/json',
    'ce-specversion': '1.0',
    'ce-type': options.type,
    'ce-source': `/hubs/chat/client/${connectionId}`,
    'ce-id': crypto.randomUUID(),
    'ce-time': new Date().toISOString(),
    'ce-awpsversion': '1.0',
    'ce-hub': options.hub ?? 'chat',
    'ce-connectionId': connectionId,
    'ce-eventName': eventName,
    'WebHook-Request-Origin': ORIGIN,
  };
  if (options.userId !== undefined) headers['ce-userId'] = options.userId;
  if (options.state !== undefined) headers['ce-connectionState'] = encodeState(options.state);

  const signature = options.signature === undefined ? await sign(connectionId, ACCESS_KEY) : options.signature;
  if (signature !== null) headers['ce-signature'] = signature;

  return exports.default.fetch(
    new Request(`http://worker.test${options.path ?? '/eventhandler'}`, { method: 'POST', headers, body: options.body ?? '{}' }),
  );
}

function connectEvent(options: Partial<EventOptions> & { body?: string } = {}): Promise<Response> {
  return postEvent({ type: 'azure.webpubsub.sys.connect', ...options });
}

function chatMessage(text: string, options: Partial<EventOptions> = {}): Promise<Response> {
  return postEvent({ type: 'azure.webpubsub.user.message', contentType: 'text/plain', body: text, userId: 'alice', ...options });
}

function connectBody(fields: { claims?: Record<string, string[]>; query?: Record<string, string[]> } = {}): string {
  return JSON.stringify({ claims: fields.claims ?? {}, query: fields.query ?? {}, headers: {}, subprotocols: [], clientCertificates: [] });
}

describe('abuse protection', () => {
  it('allows the service origin', async () => {
    const response = await exports.default.fetch(
      new Request('http://worker.test/eventhandler', { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': ORIGIN, 'ce-awpsversion': '1.0' } }),
    );

    expect(response.status).toBe(200);
    expect(response.headers.get('WebHook-Allowed-Origin')).toBe('*');
  });

  it('answers below the route too', async () => {
    const response = await exports.default.fetch(
      new Request('http://worker.test/eventhandler/validate', { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': ORIGIN } }),
    );

    expect(response.status).toBe(200);
  });
});

describe('signature check', () => {
  it('rejects a forged user id with 401', async () => {
    const connectionId = 'conn-forged';
    const response = await chatMessage('hi', { connectionId, userId: 'admin', signature: await sign('conn-of-someone-else', ACCESS_KEY) });

    expect(response.status).toBe(401);
    expect(await response.text()).toContain('ce-signature');
  });

  it('rejects an unsigned event with 401', async () => {
    const response = await chatMessage('hi', { signature: null });

    expect(response.status).toBe(401);
  });

  it('rejects an empty signature with 401', async () => {
    const response = await chatMessage('hi', { signature: '' });

    expect(response.status).toBe(401);
  });

  it('rejects a wrong key with 401', async () => {
    const connectionId = 'conn-wrong-key';
    const response = await connectEvent({ connectionId, userId: 'alice', signature: await sign(connectionId, OTHER_KEY), body: connectBody() });

    expect(response.status).toBe(401);
  });

  it('accepts one valid entry among several', async () => {
    const connectionId = 'conn-two-keys';
    const signature = `${await sign(connectionId, OTHER_KEY)},${await sign(connectionId, ACCESS_KEY)}`;
    const response = await connectEvent({ connectionId, userId: 'alice', signature, body: connectBody() });

    expect(response.status).toBe(200);
  });

  it('logs a rejection without the signature', async () => {
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const connectionId = 'conn-logged-rejection';
    const signature = await sign(connectionId, OTHER_KEY);
    await chatMessage('private text', { connectionId, signature });

    expect(warnings).toHaveBeenCalledTimes(1);
    const line = String(warnings.mock.calls[0]![0]);
    expect(JSON.parse(line)).toMatchObject({
      level: 'warn',
      event: 'eventhandler.rejected',
      status: 401,
      eventType: 'azure.webpubsub.user.message',
      connectionId,
    });
    expect(line).not.toContain(signature.slice('sha256='.length));
    expect(line).not.toContain('private text');
  });
});

describe('connect event', () => {
  it('puts the connection in the requested room', async () => {
    const response = await connectEvent({ userId: 'alice', body: connectBody({ query: { room: ['room-7'] }, claims: { 'webpubsub.group': ['room-1'] } }) });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ userId: 'alice', groups: ['room-7'] });
    expect(decodeState(response.headers.get('ce-connectionState'))).toEqual({ room: 'room-7' });
  });

  it('uses the first token group as the room', async () => {
    const response = await connectEvent({ userId: 'alice', body: connectBody({ claims: { 'webpubsub.group': ['room-1', 'room-2'] } }) });

    expect(await response.json()).toEqual({ userId: 'alice', groups: ['room-1'] });
  });

  it('accepts a user without a room', async () => {
    const response = await connectEvent({ userId: 'alice', body: connectBody() });

    expect(await response.json()).toEqual({ userId: 'alice' });
    expect(response.headers.has('ce-connectionState')).toBe(false);
  });

  it('rejects an anonymous connection with 401', async () => {
    const response = await connectEvent({ body: connectBody() });

    expect(response.status).toBe(401);
    expect(await response.text()).toContain('/negotiate');
  });

  it('rejects a blank room with 400', async () => {
    const response = await connectEvent({ userId: 'alice', body: connectBody({ query: { room: [' '] } }) });

    expect(response.status).toBe(400);
  });
});

describe('notifications', () => {
  it('answers connected with 204', async () => {
    const response = await postEvent({ type: 'azure.webpubsub.sys.connected', userId: 'alice' });

    expect(response.status).toBe(204);
  });

  it('answers disconnected with 204', async () => {
    const response = await postEvent({ type: 'azure.webpubsub.sys.disconnected', userId: 'alice', body: '{"reason":"closed"}' });

    expect(response.status).toBe(204);
  });
});

describe('chat messages', () => {
  it('counts messages in the connection state', async () => {
    const first = await chatMessage('one');
    const state = decodeState(first.headers.get('ce-connectionState'));
    const second = await chatMessage('two', { state });

    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toContain('application/json');
    expect(await first.json()).toEqual({ sent: true, group: null, count: 1 });
    expect(await second.json()).toEqual({ sent: true, group: null, count: 2 });
    expect(decodeState(second.headers.get('ce-connectionState'))).toEqual({ count: 2 });
  });

  it('accepts JSON with a text field', async () => {
    const response = await chatMessage('{"text":"hello"}', { contentType: 'application/json' });

    expect(response.status).toBe(200);
  });

  const rejected = [
    { name: 'binary data', options: { contentType: 'application/octet-stream', body: 'AAE=' } },
    { name: 'JSON without text', options: { contentType: 'application/json', body: '{"message":"hi"}' } },
    { name: 'another event', options: { type: 'azure.webpubsub.user.typing' } },
  ];
  for (const { name, options } of rejected) {
    it(`rejects ${name} with 400`, async () => {
      const response = await chatMessage('hi', options);

      expect(response.status).toBe(400);
    });
  }

  it('broadcasts to the sender room', async () => {
    const room = `room-${crypto.randomUUID()}`;
    const listener = await connectListener('bob', room);
    const text = `hello ${room}`;

    const response = await chatMessage(text, { userId: 'alice', state: { room } });

    expect(await response.json()).toEqual({ sent: true, group: room, count: 1 });
    const frame = await listener.waitFor((candidate) => candidate.type === 'message' && JSON.stringify(candidate.data).includes(text));
    expect(frame).toEqual({ type: 'message', from: 'server', dataType: 'json', data: { from: 'alice', text } });
    listener.socket.close(1000);
  });
});

describe('requests that are not events', () => {
  it('answer a POST without ce headers with 404', async () => {
    const response = await exports.default.fetch(new Request('http://worker.test/eventhandler', { method: 'POST', body: '{}' }));
    const body = (await response.json()) as { error: { code: string; message: string } };

    expect(response.status).toBe(404);
    expect(body.error.code).toBe('NOT_FOUND');
    expect(body.error.message).toContain('"chat"');
  });

  it('answer another hub with 404', async () => {
    const response = await chatMessage('hi', { hub: 'other' });

    expect(response.status).toBe(404);
  });

  it('answer GET with 404', async () => {
    const response = await exports.default.fetch(new Request('http://worker.test/eventhandler'));

    expect(response.status).toBe(404);
  });
});

type Listener = FrameSocket;

/** Connects a client from workerd to the emulator, in `group`, through the Worker's /negotiate. */
async function connectListener(userId: string, group: string): Promise<Listener> {
  const negotiate = await exports.default.fetch(new Request(`http://worker.test/negotiate?userId=${userId}&groups=${group}`));
  const { url } = (await negotiate.json()) as { url: string };
  return openFrameSocket(url, userId);
}
