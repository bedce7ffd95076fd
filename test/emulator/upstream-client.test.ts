/**
 * The emulator with an upstream, seen from its WebSocket clients: the `connect` event decides
 * the upgrade, identity and subprotocol, `event` frames and frames of clients without a
 * subprotocol go upstream, and the upstream's replies and failures reach the client.
 */

import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LogEntry } from '../../emulator/log.js';
import { startEmulator, type Emulator } from '../../emulator/server.js';
import type { UpstreamEvents } from '../../emulator/upstream.js';
import { JSON_SUBPROTOCOL, RELIABLE_SUBPROTOCOL, TestClient, clientToken, clientUrl, uniqueHub, upgradeStatus } from './helpers.js';
import { allowAll, answerEvents, expectedSignature, startWebhook, type RecordedRequest, type Responder, type Webhook } from './upstream-webhook.js';

const running: Array<{ emulator: Emulator; webhook: Webhook; clients: TestClient[] }> = [];

afterEach(async () => {
  for (const { emulator, webhook, clients } of running.splice(0)) {
    clients.forEach((client) => client.close());
    await emulator.close();
    await webhook.close();
  }
});

interface Setup {
  emulator: Emulator;
  webhook: Webhook;
  logs: LogEntry[];
  hub: string;
  /** Connects with a token for `userId` (no `sub` when null) and the given subprotocols. */
  connect(options?: { userId?: string | null; roles?: string[]; groups?: string[]; protocols?: string[] }): Promise<TestClient>;
  url(options?: { userId?: string | null; roles?: string[]; groups?: string[] }): Promise<string>;
}

async function setup(respond: Responder = allowAll, options: { events?: UpstreamEvents; urlSuffix?: string } = {}): Promise<Setup> {
  const webhook = await startWebhook(respond);
  const logs: LogEntry[] = [];
  const emulator = await startEmulator({
    port: 0,
    log: (entry) => logs.push(entry),
    upstream: { urlTemplate: `${webhook.url}${options.urlSuffix ?? '/eventhandler'}`, events: options.events },
  });
  const clients: TestClient[] = [];
  running.push({ emulator, webhook, clients });
  const hub = uniqueHub('upstream');

  const url = async (tokenOptions: { userId?: string | null; roles?: string[]; groups?: string[] } = {}) => {
    const { userId = 'alice', ...rest } = tokenOptions;
    const token = await clientToken(emulator, hub, { ...rest, ...(userId === null ? {} : { userId }) });
    return clientUrl(emulator, hub, token);
  };

  const connect: Setup['connect'] = async (connectOptions = {}) => {
    const { protocols = [JSON_SUBPROTOCOL], ...tokenOptions } = connectOptions;
    const client = await TestClient.connect(await url(tokenOptions), { protocols });
    clients.push(client);
    return client;
  };

  return { emulator, webhook, logs, hub, connect, url };
}

function eventNamed(name: string): (request: RecordedRequest) => boolean {
  return (request) => request.headers['ce-eventname'] === name;
}

async function waitForEvent(webhook: Webhook, name: string): Promise<RecordedRequest> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const event = webhook.events().find(eventNamed(name));
    if (event) return event;
    if (Date.now() > deadline) throw new Error(`No ${name} event within 3000 ms; received ${webhook.events().map((request) => request.headers['ce-eventname']).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Attempts an upgrade and resolves with the status and body of the rejection. */
function rejectedUpgrade(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, [JSON_SUBPROTOCOL]);
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.once('open', () => {
      socket.terminate();
      reject(new Error('The upgrade succeeded.'));
    });
    socket.on('error', () => {});
  });
}

function json(body: unknown): Responder {
  return answerEvents((request) =>
    eventNamed('connect')(request) ? { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : { status: 204 },
  );
}

describe('connect event', () => {
  it('keeps the token identity on 204', async () => {
    const { emulator, webhook, hub, connect } = await setup();

    const client = await connect({ userId: 'alice', roles: ['webpubsub.sendToGroup'], groups: ['token-room'] });
    const connected = await client.nextJson();

    expect(connected).toMatchObject({ type: 'system', event: 'connected', userId: 'alice' });
    expect(emulator.hooks.connections(hub)).toEqual([
      expect.objectContaining({ userId: 'alice', roles: ['webpubsub.sendToGroup'], groups: ['token-room'], subprotocol: JSON_SUBPROTOCOL }),
    ]);
    const connectEvent = webhook.events()[0]!;
    expect(connectEvent.headers['ce-type']).toBe('azure.webpubsub.sys.connect');
    expect(connectEvent.headers['ce-connectionid']).toBe(connected.connectionId);
    expect(connectEvent.headers['ce-userid']).toBe('alice');
  });

  it('applies the identity from the response', async () => {
    const { emulator, hub, connect } = await setup(json({ userId: 'handler-user', roles: ['webpubsub.joinLeaveGroup'], groups: ['handler-room'] }));

    const client = await connect({ userId: 'alice', roles: ['webpubsub.sendToGroup'], groups: ['token-room'] });
    const connected = await client.nextJson();

    expect(connected.userId).toBe('handler-user');
    const [info] = emulator.hooks.connections(hub);
    expect(info?.userId).toBe('handler-user');
    expect(info?.roles).toEqual(['webpubsub.joinLeaveGroup']);
    expect([...(info?.groups ?? [])].sort()).toEqual(['handler-room', 'token-room']);
  });

  it('enforces roles from the response', async () => {
    const { connect } = await setup(json({ roles: [] }));
    const client = await connect({ roles: ['webpubsub.joinLeaveGroup'] });
    await client.nextJson();

    const ack = await client.request({ type: 'joinGroup', group: 'g', ackId: 1 });

    expect(ack).toMatchObject({ type: 'ack', ackId: 1, success: false, error: { name: 'Forbidden' } });
  });

  it('sends the upgrade request in the body', async () => {
    const { webhook, url } = await setup();
    const clientUrlWithQuery = `${await url({ userId: 'alice' })}&room=lobby`;

    const client = await TestClient.connect(clientUrlWithQuery, { protocols: [JSON_SUBPROTOCOL, RELIABLE_SUBPROTOCOL], headers: { 'x-trace': 't-1' } });
    client.close();

    const body = JSON.parse(webhook.events()[0]!.body.toString('utf8')) as Record<string, Record<string, string[]> | string[]>;
    expect(body.claims).toMatchObject({ sub: ['alice'] });
    expect(body.query).toMatchObject({ room: ['lobby'] });
    expect(body.headers).toMatchObject({ 'x-trace': ['t-1'] });
    expect(body.subprotocols).toEqual([JSON_SUBPROTOCOL, RELIABLE_SUBPROTOCOL]);
    expect(body.clientCertificates).toEqual([]);
  });

  it('selects the subprotocol from the response', async () => {
    const { connect } = await setup(json({ subprotocol: RELIABLE_SUBPROTOCOL }));

    const client = await connect({ protocols: [JSON_SUBPROTOCOL, RELIABLE_SUBPROTOCOL] });
    const connected = await client.nextJson();

    expect(client.socket.protocol).toBe(RELIABLE_SUBPROTOCOL);
    expect(connected.reconnectionToken).toEqual(expect.any(String));
  });

  it('falls back to the first supported subprotocol', async () => {
    const { connect } = await setup(json({ userId: 'u' }));

    const client = await connect({ protocols: ['custom.v1', RELIABLE_SUBPROTOCOL, JSON_SUBPROTOCOL] });

    expect(client.socket.protocol).toBe(RELIABLE_SUBPROTOCOL);
  });

  it('fails the upgrade with the upstream status and text', async () => {
    const { url, emulator, hub } = await setup(answerEvents(() => ({ status: 401, body: 'Sign in first.' })));

    const rejection = await rejectedUpgrade(await url());

    expect(rejection).toEqual({ status: 401, body: 'Sign in first.' });
    expect(emulator.hooks.connections(hub)).toEqual([]);
  });

  it('passes on a 403 status', async () => {
    const { url } = await setup(answerEvents(() => ({ status: 403, body: 'Banned.' })));

    expect(await upgradeStatus(await url())).toBe(403);
  });

  it('rejects a connection without a user id', async () => {
    const { url } = await setup();

    const rejection = await rejectedUpgrade(await url({ userId: null }));

    expect(rejection.status).toBe(401);
    expect(rejection.body).toContain('no user id');
  });

  it('accepts a user id from the response', async () => {
    const { connect } = await setup(json({ userId: 'named-by-handler' }));

    const client = await connect({ userId: null });

    expect((await client.nextJson()).userId).toBe('named-by-handler');
  });

  it('fails with 500 for a subprotocol not offered', async () => {
    const { url } = await setup(json({ subprotocol: RELIABLE_SUBPROTOCOL }));

    const rejection = await rejectedUpgrade(await url());

    expect(rejection.status).toBe(500);
    expect(rejection.body).toContain('did not offer');
  });

  it('fails with 500 when abuse protection fails', async () => {
    const { url, webhook, logs } = await setup(() => ({ status: 404 }));

    const rejection = await rejectedUpgrade(await url());

    expect(rejection.status).toBe(500);
    expect(webhook.events()).toEqual([]);
    expect(logs.some((entry) => entry.event === 'upstream.validation-failed')).toBe(true);
  });

  it('is skipped when not configured', async () => {
    const { webhook, connect } = await setup(allowAll, { events: { systemEvents: [], userEventPattern: '' } });

    const client = await connect({ userId: null });

    expect((await client.nextJson()).event).toBe('connected');
    expect(webhook.requests).toEqual([]);
  });
});

describe('connected and disconnected', () => {
  it('follow the connection', async () => {
    const { webhook, connect } = await setup();
    const client = await connect({ userId: 'alice' });
    const connected = await client.nextJson();

    const notification = await waitForEvent(webhook, 'connected');
    client.socket.close(1000, 'bye');
    const disconnected = await waitForEvent(webhook, 'disconnected');

    expect(notification.headers['ce-type']).toBe('azure.webpubsub.sys.connected');
    expect(notification.headers['ce-subprotocol']).toBe(JSON_SUBPROTOCOL);
    expect(notification.headers['ce-connectionid']).toBe(connected.connectionId);
    expect(disconnected.headers['ce-type']).toBe('azure.webpubsub.sys.disconnected');
    expect(JSON.parse(disconnected.body.toString('utf8'))).toEqual({ reason: expect.any(String) });
    expect(webhook.events().map((request) => request.headers['ce-eventname'])).toEqual(['connect', 'connected', 'disconnected']);
  });

  it('are signed with both keys', async () => {
    const { emulator, webhook, connect } = await setup();
    const client = await connect();
    const { connectionId } = await client.nextJson();

    const notification = await waitForEvent(webhook, 'connected');

    const expected = await Promise.all(emulator.accessKeys.map((key) => expectedSignature(key, connectionId as string)));
    expect(notification.headers['ce-signature']).toBe(expected.join(','));
  });

  it('do not follow a rejected connect', async () => {
    const { url, webhook } = await setup(answerEvents(() => ({ status: 401 })));

    await upgradeStatus(await url());
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(webhook.events().map((request) => request.headers['ce-eventname'])).toEqual(['connect']);
  });
});

describe('event frames', () => {
  it('go upstream with their data type', async () => {
    const { webhook, connect } = await setup();
    const client = await connect();
    await client.nextJson();

    for (const [ackId, dataType, data] of [[1, 'text', 'hi'], [2, 'json', { a: 1 }], [3, 'binary', 'AAE=']] as const) {
      expect(await client.request({ type: 'event', event: 'chat', dataType, data, ackId })).toEqual({ type: 'ack', ackId, success: true });
    }

    const events = webhook.events().filter(eventNamed('chat'));
    expect(events.map((request) => request.headers['ce-type'])).toEqual(Array(3).fill('azure.webpubsub.user.chat'));
    expect(events.map((request) => request.headers['content-type'])).toEqual(['text/plain', 'application/json', 'application/octet-stream']);
    expect(events[0]!.body.toString('utf8')).toBe('hi');
    expect(JSON.parse(events[1]!.body.toString('utf8'))).toEqual({ a: 1 });
    expect([...events[2]!.body]).toEqual([0, 1]);
  });

  const replies = [
    { name: 'text', headers: { 'content-type': 'text/plain' }, body: 'pong', expected: { dataType: 'text', data: 'pong' } },
    { name: 'JSON', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"ok":true}', expected: { dataType: 'json', data: { ok: true } } },
    { name: 'binary', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([1, 2]), expected: { dataType: 'binary', data: 'AQI=' } },
  ];
  for (const { name, headers, body, expected } of replies) {
    it(`return a ${name} reply before the ack`, async () => {
      const { connect } = await setup(answerEvents((request) => (eventNamed('ping')(request) ? { status: 200, headers, body } : { status: 204 })));
      const client = await connect();
      await client.nextJson();

      client.send({ type: 'event', event: 'ping', dataType: 'text', data: 'x', ackId: 5 });

      expect(await client.nextJson()).toEqual({ type: 'message', from: 'server', ...expected });
      expect(await client.nextJson()).toEqual({ type: 'ack', ackId: 5, success: true });
    });
  }

  it('number a reply on the reliable subprotocol', async () => {
    const { connect } = await setup(answerEvents((request) => (eventNamed('ping')(request) ? { status: 200, headers: { 'content-type': 'text/plain' }, body: 'pong' } : { status: 204 })));
    const client = await connect({ protocols: [RELIABLE_SUBPROTOCOL] });
    await client.nextJson();

    client.send({ type: 'event', event: 'ping', dataType: 'text', data: 'x', ackId: 1 });

    expect(await client.nextJson()).toEqual({ type: 'message', from: 'server', dataType: 'text', data: 'pong', sequenceId: 1 });
  });

  it('close the connection after a failure', async () => {
    const { connect, logs } = await setup(answerEvents((request) => (eventNamed('chat')(request) ? { status: 500, body: 'boom' } : { status: 204 })));
    const client = await connect();
    const { connectionId } = await client.nextJson();

    client.send({ type: 'event', event: 'chat', dataType: 'text', data: 'x', ackId: 9 });

    expect(await client.nextJson()).toEqual({
      type: 'ack',
      ackId: 9,
      success: false,
      error: { name: 'InternalServerError', message: 'The event handler returned status 500.' },
    });
    expect(await client.nextJson()).toMatchObject({ type: 'system', event: 'disconnected' });
    expect((await client.closed()).code).toBe(1000);
    expect(logs.find((entry) => entry.event === 'upstream.event-failed')).toMatchObject({ connectionId, eventName: 'chat' });
  });

  it('close the connection after an unknown reply type', async () => {
    const { connect } = await setup(answerEvents((request) => (eventNamed('chat')(request) ? { status: 200, headers: { 'content-type': 'text/html' }, body: '<p>' } : { status: 204 })));
    const client = await connect();
    await client.nextJson();

    client.send({ type: 'event', event: 'chat', dataType: 'text', data: 'x' });

    expect(await client.nextJson()).toMatchObject({ type: 'system', event: 'disconnected' });
    expect((await client.closed()).code).toBe(1000);
  });

  it('answer a repeated ackId as a duplicate', async () => {
    const { webhook, connect } = await setup();
    const client = await connect();
    await client.nextJson();

    expect(await client.request({ type: 'event', event: 'chat', data: 1, ackId: 3 })).toMatchObject({ success: true });
    expect(await client.request({ type: 'event', event: 'chat', data: 1, ackId: 3 })).toMatchObject({ success: false, error: { name: 'Duplicate' } });
    expect(webhook.events().filter(eventNamed('chat'))).toHaveLength(1);
  });

  it('skip the upstream for an unmatched event', async () => {
    const { webhook, connect } = await setup(allowAll, { events: { userEventPattern: 'chat' } });
    const client = await connect();
    await client.nextJson();

    expect(await client.request({ type: 'event', event: 'other', data: 1, ackId: 1 })).toEqual({ type: 'ack', ackId: 1, success: true });
    expect(webhook.events().filter(eventNamed('other'))).toEqual([]);
  });

  it('keep rejecting an invalid event frame', async () => {
    const { webhook, connect } = await setup();
    const client = await connect();
    await client.nextJson();

    const ack = await client.request({ type: 'event', event: 'chat', dataType: 'binary', data: 'not base64!', ackId: 2 });

    expect(ack).toMatchObject({ ackId: 2, success: false, error: { name: 'BadRequest' } });
    expect(webhook.events().filter(eventNamed('chat'))).toEqual([]);
  });
});

describe('frames of clients without a subprotocol', () => {
  it('go upstream as message events', async () => {
    const { webhook, connect } = await setup();
    const client = await connect({ protocols: [] });

    client.socket.send('hello');
    client.socket.send(Buffer.from([7, 8]));
    await waitForEvent(webhook, 'message');
    await new Promise((resolve) => setTimeout(resolve, 100));

    const messages = webhook.events().filter(eventNamed('message'));
    expect(messages.map((request) => request.headers['ce-type'])).toEqual(['azure.webpubsub.user.message', 'azure.webpubsub.user.message']);
    expect(messages.map((request) => request.headers['content-type'])).toEqual(['text/plain', 'application/octet-stream']);
    expect(messages[0]!.body.toString('utf8')).toBe('hello');
    expect([...messages[1]!.body]).toEqual([7, 8]);
    expect(messages[0]!.headers).not.toHaveProperty('ce-subprotocol');
  });

  it('get the reply as a raw frame', async () => {
    const { connect } = await setup(
      answerEvents((request) => {
        if (!eventNamed('message')(request)) return { status: 204 };
        const isText = request.headers['content-type'] === 'text/plain';
        return isText
          ? { status: 200, headers: { 'content-type': 'application/json' }, body: '{"echo":"hello"}' }
          : { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([9]) };
      }),
    );
    const client = await connect({ protocols: [] });

    client.socket.send('hello');
    const textReply = await client.next();
    client.socket.send(Buffer.from([1]));
    const binaryReply = await client.next();

    expect(textReply).toEqual({ data: '{"echo":"hello"}', isBinary: false });
    expect(binaryReply.isBinary).toBe(true);
    expect([...(binaryReply.data as Buffer)]).toEqual([9]);
  });

  it('get nothing for 204', async () => {
    const { webhook, connect } = await setup();
    const client = await connect({ protocols: [] });

    client.socket.send('hello');
    await waitForEvent(webhook, 'message');

    await expect(client.next(200)).rejects.toThrow('No frame');
  });

  it('close the connection after a failure', async () => {
    const { connect } = await setup(answerEvents((request) => (eventNamed('message')(request) ? { status: 401 } : { status: 204 })));
    const client = await connect({ protocols: [] });

    client.socket.send('hello');

    expect((await client.closed()).code).toBe(1000);
  });
});

describe('connection state through the emulator', () => {
  it('is carried from connect to later events', async () => {
    const { webhook: upstream, connect } = await setup(
      answerEvents((request) => {
        if (eventNamed('connect')(request)) return { status: 204, headers: { 'ce-connectionState': 'eyJyb29tIjoiYSJ9' } };
        if (eventNamed('second')(request)) return { status: 204, headers: { 'ce-connectionState': 'eyJyb29tIjoiYiJ9' } };
        return { status: 204 };
      }),
    );
    const client = await connect();
    await client.nextJson();

    await client.request({ type: 'event', event: 'first', data: 1, ackId: 1 });
    await client.request({ type: 'event', event: 'second', data: 2, ackId: 2 });
    await client.request({ type: 'event', event: 'third', data: 3, ackId: 3 });
    client.socket.close(1000);
    await waitForEvent(upstream, 'disconnected');

    const states = upstream.events().map((request) => [request.headers['ce-eventname'], request.headers['ce-connectionstate']]);
    expect(states).toEqual([
      ['connect', undefined],
      ['connected', 'eyJyb29tIjoiYSJ9'],
      ['first', 'eyJyb29tIjoiYSJ9'],
      ['second', 'eyJyb29tIjoiYSJ9'],
      ['third', 'eyJyb29tIjoiYiJ9'],
      ['disconnected', 'eyJyb29tIjoiYiJ9'],
    ]);
  });
});

describe('recovered connections', () => {
  it('keep their session until they leave', async () => {
    const { emulator, webhook, connect, url } = await setup(
      answerEvents((request) => (eventNamed('connect')(request) ? { status: 204, headers: { 'ce-connectionState': 'e30=' } } : { status: 204 })),
    );
    const client = await connect({ protocols: [RELIABLE_SUBPROTOCOL] });
    const { connectionId, reconnectionToken } = await client.nextJson();
    await waitForEvent(webhook, 'connected');

    emulator.hooks.dropConnection(connectionId as string);
    await client.closed();
    const recoveryUrl = `${await url()}&awps_connection_id=${connectionId}&awps_reconnection_token=${reconnectionToken}`;
    const recovered = await TestClient.connect(recoveryUrl, { protocols: [RELIABLE_SUBPROTOCOL] });
    expect(await recovered.request({ type: 'event', event: 'after-recovery', data: 1, ackId: 1 })).toMatchObject({ ackId: 1, success: true });
    recovered.socket.close(1000);
    await waitForEvent(webhook, 'disconnected');

    const events = webhook.events().map((request) => [request.headers['ce-eventname'], request.headers['ce-connectionid'], request.headers['ce-connectionstate']]);
    expect(events).toEqual([
      ['connect', connectionId, undefined],
      ['connected', connectionId, 'e30='],
      ['after-recovery', connectionId, 'e30='],
      ['disconnected', connectionId, 'e30='],
    ]);
  });
});

describe('upstream URL template', () => {
  it('fills the hub and event', async () => {
    const { webhook, hub, connect } = await setup(allowAll, { urlSuffix: '/api/{hub}/{event}' });
    const client = await connect();
    await client.nextJson();

    await client.request({ type: 'event', event: 'chat', data: 1, ackId: 1 });

    const paths = webhook.requests.map((request) => `${request.method} ${request.path}`);
    expect(paths.slice(0, 2)).toEqual([`OPTIONS /api/${hub}/validate`, `POST /api/${hub}/connect`]);
    expect(paths).toContain(`POST /api/${hub}/chat`);
  });
});
