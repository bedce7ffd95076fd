import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../emulator/log.js';
import type { Emulator } from '../../emulator/server.js';
import {
  JSON_SUBPROTOCOL,
  RELIABLE_SUBPROTOCOL,
  TestClient,
  clientToken,
  clientUrl,
  rest,
  startTestEmulator,
  uniqueHub,
} from './helpers.js';

const API = 'api-version=2024-12-01';

let emulator: Emulator;
let logs: LogEntry[];
const clients: TestClient[] = [];

beforeAll(async () => {
  ({ emulator, logs } = await startTestEmulator());
});

afterAll(async () => {
  clients.forEach((client) => client.close());
  await emulator.close();
});

interface ConnectOptions {
  userId?: string;
  roles?: string[];
  groups?: string[];
  claims?: Record<string, unknown>;
  subprotocol?: string;
}

async function connect(hub: string, options: ConnectOptions = {}) {
  const token = await clientToken(emulator, hub, options);
  const { client, connected } = await TestClient.connectWithSubprotocol(
    clientUrl(emulator, hub, token),
    options.subprotocol ?? JSON_SUBPROTOCOL,
  );
  clients.push(client);
  return { client, connectionId: connected.connectionId as string };
}

/** Sends a marker to the connection over REST, so a test can prove nothing arrived before it. */
async function sendMarker(hub: string, connectionId: string, text: string) {
  const response = await rest(emulator, `/api/hubs/${hub}/connections/${connectionId}/:send?${API}`, {
    contentType: 'text/plain',
    body: text,
  });
  expect(response.status).toBe(202);
}

function successAck(ackId: number) {
  return { type: 'ack', ackId, success: true };
}

function errorAck(ackId: number, name: string) {
  return { type: 'ack', ackId, success: false, error: { name, message: expect.any(String) } };
}

describe('joinGroup and leaveGroup roles', () => {
  it('rejects joinGroup without a role', async () => {
    const hub = uniqueHub();
    const { client } = await connect(hub);

    expect(await client.request({ type: 'joinGroup', group: 'g', ackId: 1 })).toEqual(errorAck(1, 'Forbidden'));
    expect(emulator.hooks.connections(hub)[0].groups).toEqual([]);
  });

  it('allows joinGroup with the hub-wide role', async () => {
    const hub = uniqueHub();
    const { client } = await connect(hub, { roles: ['webpubsub.joinLeaveGroup'] });

    expect(await client.request({ type: 'joinGroup', group: 'g', ackId: 1 })).toEqual(successAck(1));
    expect(emulator.hooks.connections(hub)[0].groups).toEqual(['g']);
  });

  it('limits joinGroup to role group', async () => {
    const hub = uniqueHub();
    const { client } = await connect(hub, { roles: ['webpubsub.joinLeaveGroup.g1'] });

    expect(await client.request({ type: 'joinGroup', group: 'g1', ackId: 1 })).toEqual(successAck(1));
    expect(await client.request({ type: 'joinGroup', group: 'g2', ackId: 2 })).toEqual(errorAck(2, 'Forbidden'));
    expect(emulator.hooks.connections(hub)[0].groups).toEqual(['g1']);
  });

  it('ignores role as escaped JSON', async () => {
    const hub = uniqueHub();
    const { client } = await connect(hub, { claims: { role: JSON.stringify(['webpubsub.joinLeaveGroup']) } });

    expect(await client.request({ type: 'joinGroup', group: 'g', ackId: 1 })).toEqual(errorAck(1, 'Forbidden'));
  });

  it('checks the role on leaveGroup', async () => {
    const hub = uniqueHub();
    const { client } = await connect(hub, { groups: ['g'] });

    expect(await client.request({ type: 'leaveGroup', group: 'g', ackId: 1 })).toEqual(errorAck(1, 'Forbidden'));
    expect(emulator.hooks.connections(hub)[0].groups).toEqual(['g']);
  });

  it('stops group delivery after leaveGroup', async () => {
    const hub = uniqueHub();
    const { client, connectionId } = await connect(hub, { roles: ['webpubsub.joinLeaveGroup'], groups: ['g'] });

    expect(await client.request({ type: 'leaveGroup', group: 'g', ackId: 1 })).toEqual(successAck(1));
    await rest(emulator, `/api/hubs/${hub}/groups/g/:send?${API}`, { contentType: 'text/plain', body: 'to group' });
    await sendMarker(hub, connectionId, 'marker');

    expect((await client.nextJson()).data).toBe('marker');
  });

  it('rejects a whitespace-only group name', async () => {
    const hub = uniqueHub();
    const { client } = await connect(hub, { roles: ['webpubsub.joinLeaveGroup'] });

    expect(await client.request({ type: 'joinGroup', group: '   ', ackId: 1 })).toEqual(errorAck(1, 'BadRequest'));
  });
});

describe('groups from the token', () => {
  it('joins the webpubsub.group groups at connect', async () => {
    const hub = uniqueHub();
    const { client } = await connect(hub, { groups: ['a', 'b'] });

    expect(emulator.hooks.connections(hub)[0].groups).toEqual(['a', 'b']);
    await rest(emulator, `/api/hubs/${hub}/groups/b/:send?${API}`, { contentType: 'text/plain', body: 'to b' });
    expect(await client.nextJson()).toEqual({ type: 'message', from: 'server', dataType: 'text', data: 'to b' });
  });
});

describe('sendToGroup', () => {
  it('rejects sendToGroup without a role', async () => {
    const hub = uniqueHub();
    const { client } = await connect(hub);

    expect(await client.request({ type: 'sendToGroup', group: 'g', data: 1, ackId: 1 })).toEqual(errorAck(1, 'Forbidden'));
  });

  it('limits sendToGroup to role group', async () => {
    const hub = uniqueHub();
    const { client } = await connect(hub, { roles: ['webpubsub.sendToGroup.g1'] });

    expect(await client.request({ type: 'sendToGroup', group: 'g1', data: 1, ackId: 1 })).toEqual(successAck(1));
    expect(await client.request({ type: 'sendToGroup', group: 'g2', data: 1, ackId: 2 })).toEqual(errorAck(2, 'Forbidden'));
  });

  it('delivers with group and fromUserId', async () => {
    const hub = uniqueHub();
    const { client: sender } = await connect(hub, { userId: 'sam', roles: ['webpubsub.sendToGroup'] });
    const { client: member } = await connect(hub, { groups: ['room'] });

    expect(await sender.request({ type: 'sendToGroup', group: 'room', dataType: 'json', data: { a: 1 }, ackId: 5 })).toEqual(successAck(5));
    expect(await member.nextJson()).toEqual({ type: 'message', from: 'group', group: 'room', fromUserId: 'sam', dataType: 'json', data: { a: 1 } });
  });

  it('omits fromUserId without user', async () => {
    const hub = uniqueHub();
    const { client: sender } = await connect(hub, { roles: ['webpubsub.sendToGroup'] });
    const { client: member } = await connect(hub, { groups: ['room'] });

    sender.send({ type: 'sendToGroup', group: 'room', dataType: 'text', data: 'hi' });
    expect(await member.nextJson()).toEqual({ type: 'message', from: 'group', group: 'room', dataType: 'text', data: 'hi' });
  });

  it('defaults to json, binary as base64', async () => {
    const hub = uniqueHub();
    const { client: sender } = await connect(hub, { roles: ['webpubsub.sendToGroup'] });
    const { client: member } = await connect(hub, { groups: ['room'] });

    sender.send({ type: 'sendToGroup', group: 'room', data: [1, 'two'] });
    sender.send({ type: 'sendToGroup', group: 'room', dataType: 'binary', data: 'AQID' });

    expect(await member.nextJson()).toMatchObject({ dataType: 'json', data: [1, 'two'] });
    expect(await member.nextJson()).toMatchObject({ dataType: 'binary', data: 'AQID' });
  });

  it('rejects data mismatching dataType', async () => {
    const hub = uniqueHub();
    const { client } = await connect(hub, { roles: ['webpubsub.sendToGroup'] });

    expect(await client.request({ type: 'sendToGroup', group: 'g', dataType: 'text', data: 42, ackId: 1 })).toEqual(errorAck(1, 'BadRequest'));
    expect(await client.request({ type: 'sendToGroup', group: 'g', dataType: 'binary', data: 'not base64!', ackId: 2 })).toEqual(errorAck(2, 'BadRequest'));
    expect(await client.request({ type: 'sendToGroup', group: 'g', dataType: 'xml', data: '<a/>', ackId: 3 })).toEqual(errorAck(3, 'BadRequest'));
  });

  it('echoes unless noEcho is true', async () => {
    const hub = uniqueHub();
    const { client, connectionId } = await connect(hub, { roles: ['webpubsub.sendToGroup'], groups: ['room'] });

    expect(await client.request({ type: 'sendToGroup', group: 'room', dataType: 'text', data: 'silent', noEcho: true, ackId: 1 })).toEqual(successAck(1));
    await sendMarker(hub, connectionId, 'marker');
    expect((await client.nextJson()).data).toBe('marker');

    client.send({ type: 'sendToGroup', group: 'room', dataType: 'text', data: 'echoed', noEcho: false, ackId: 2 });
    expect(await client.nextJson()).toMatchObject({ from: 'group', data: 'echoed' });
    expect(await client.nextJson()).toEqual(successAck(2));
  });

  it('sends raw frames to simple members', async () => {
    const hub = uniqueHub();
    const { client: sender } = await connect(hub, { roles: ['webpubsub.sendToGroup'] });
    const token = await clientToken(emulator, hub, { groups: ['room'] });
    const simple = await TestClient.connect(clientUrl(emulator, hub, token));
    clients.push(simple);

    sender.send({ type: 'sendToGroup', group: 'room', dataType: 'json', data: { a: 1 } });
    sender.send({ type: 'sendToGroup', group: 'room', dataType: 'binary', data: 'AQID' });

    expect(await simple.next()).toEqual({ data: '{"a":1}', isBinary: false });
    const binary = await simple.next();
    expect(binary.isBinary).toBe(true);
    expect([...(binary.data as Buffer)]).toEqual([1, 2, 3]);
  });
});

describe('acks', () => {
  it('answers a repeated ackId with Duplicate', async () => {
    const hub = uniqueHub();
    const { client } = await connect(hub, { roles: ['webpubsub.sendToGroup'] });

    expect(await client.request({ type: 'sendToGroup', group: 'g', data: 1, ackId: 7 })).toEqual(successAck(7));
    expect(await client.request({ type: 'sendToGroup', group: 'g', data: 1, ackId: 7 })).toEqual(errorAck(7, 'Duplicate'));
    expect(await client.request({ type: 'event', event: 'e', data: 1, ackId: 7 })).toEqual(errorAck(7, 'Duplicate'));
  });

  it('does not deliver the duplicate again', async () => {
    const hub = uniqueHub();
    const { client, connectionId } = await connect(hub, { roles: ['webpubsub.sendToGroup'], groups: ['g'] });

    client.send({ type: 'sendToGroup', group: 'g', dataType: 'text', data: 'once', ackId: 3 });
    expect(await client.nextJson()).toMatchObject({ data: 'once' });
    expect(await client.nextJson()).toEqual(successAck(3));

    expect(await client.request({ type: 'sendToGroup', group: 'g', dataType: 'text', data: 'once', ackId: 3 })).toEqual(errorAck(3, 'Duplicate'));
    await sendMarker(hub, connectionId, 'marker');
    expect((await client.nextJson()).data).toBe('marker');
  });

  it('lets a failed ackId be used again', async () => {
    const hub = uniqueHub();
    const { client } = await connect(hub, { roles: ['webpubsub.sendToGroup.g'] });

    expect(await client.request({ type: 'sendToGroup', group: 'other', data: 1, ackId: 9 })).toEqual(errorAck(9, 'Forbidden'));
    expect(await client.request({ type: 'sendToGroup', group: 'g', data: 1, ackId: 9 })).toEqual(successAck(9));
  });

  it('keeps ackIds per connection', async () => {
    const hub = uniqueHub();
    const { client: first } = await connect(hub, { roles: ['webpubsub.sendToGroup'] });
    const { client: second } = await connect(hub, { roles: ['webpubsub.sendToGroup'] });

    expect(await first.request({ type: 'sendToGroup', group: 'g', data: 1, ackId: 1 })).toEqual(successAck(1));
    expect(await second.request({ type: 'sendToGroup', group: 'g', data: 1, ackId: 1 })).toEqual(successAck(1));
  });

  it('acknowledges a valid event', async () => {
    const hub = uniqueHub();
    const { client } = await connect(hub);

    expect(await client.request({ type: 'event', event: 'chat', dataType: 'text', data: 'hi', ackId: 1 })).toEqual(successAck(1));
    expect(await client.request({ type: 'event', dataType: 'text', data: 'hi', ackId: 2 })).toEqual(errorAck(2, 'BadRequest'));
  });

  it('rejects unknown frame type', async () => {
    const hub = uniqueHub();
    const { client } = await connect(hub);

    expect(await client.request({ type: 'teleport', ackId: 4 })).toEqual(errorAck(4, 'BadRequest'));
  });

  it('answers ping with pong', async () => {
    const hub = uniqueHub();
    const { client } = await connect(hub);

    expect(await client.request({ type: 'ping' })).toEqual({ type: 'pong' });
  });

  it('drops malformed frame without ackId', async () => {
    const hub = uniqueHub();
    const { client, connectionId } = await connect(hub);

    client.socket.send('{not json');
    client.send({ type: 'joinGroup', group: 'g' });
    await sendMarker(hub, connectionId, 'marker');

    expect((await client.nextJson()).data).toBe('marker');
    const dropped = logs.filter((entry) => entry.event === 'client.frame-dropped' && entry.connectionId === connectionId);
    expect(dropped.map((entry) => entry.reason)).toEqual([expect.stringContaining('not valid JSON'), expect.stringContaining('webpubsub.joinLeaveGroup')]);
  });

  it('drops frames from simple clients', async () => {
    const hub = uniqueHub();
    const token = await clientToken(emulator, hub, { roles: ['webpubsub.sendToGroup'], groups: ['g'] });
    const simple = await TestClient.connect(clientUrl(emulator, hub, token));
    clients.push(simple);
    const [{ connectionId }] = emulator.hooks.connections(hub);

    simple.socket.send(JSON.stringify({ type: 'sendToGroup', group: 'g', data: 1 }));
    await sendMarker(hub, connectionId, 'marker');

    expect(await simple.next()).toEqual({ data: 'marker', isBinary: false });
    expect(logs.some((entry) => entry.event === 'client.frame-dropped' && entry.connectionId === connectionId)).toBe(true);
  });
});

describe('reliable subprotocol', () => {
  it('numbers message frames from 1', async () => {
    const hub = uniqueHub();
    const { client, connectionId } = await connect(hub, { subprotocol: RELIABLE_SUBPROTOCOL, roles: ['webpubsub.sendToGroup'], groups: ['g'] });

    await sendMarker(hub, connectionId, 'first');
    expect(await client.nextJson()).toEqual({ type: 'message', from: 'server', dataType: 'text', data: 'first', sequenceId: 1 });

    client.send({ type: 'sendToGroup', group: 'g', dataType: 'text', data: 'second', ackId: 1 });
    expect(await client.nextJson()).toMatchObject({ from: 'group', data: 'second', sequenceId: 2 });
    expect(await client.nextJson()).toEqual(successAck(1));

    client.send({ type: 'sequenceAck', sequenceId: 2 });
    await sendMarker(hub, connectionId, 'third');
    expect(await client.nextJson()).toMatchObject({ data: 'third', sequenceId: 3 });
  });

  it('closes a client 1000 messages behind', async () => {
    const hub = uniqueHub();
    const { client } = await connect(hub, { subprotocol: RELIABLE_SUBPROTOCOL, roles: ['webpubsub.sendToGroup'], groups: ['g'] });
    const closed = client.closed(5000);

    for (let i = 0; i <= 1000; i++) {
      client.send({ type: 'sendToGroup', group: 'g', dataType: 'text', data: `m${i}` });
    }

    expect((await closed).code).toBe(1008);
  });

  it('keeps a client that acknowledges', async () => {
    const hub = uniqueHub();
    const { client, connectionId } = await connect(hub, { subprotocol: RELIABLE_SUBPROTOCOL, roles: ['webpubsub.sendToGroup'], groups: ['g'] });
    const readUntilSequence = async (sequenceId: number) => {
      let frame = await client.nextJson();
      while (frame.sequenceId !== sequenceId) {
        frame = await client.nextJson();
      }
      return frame;
    };

    let lastSequenceId = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 400; i++) {
        client.send({ type: 'sendToGroup', group: 'g', dataType: 'text', data: `m${i}` });
      }
      lastSequenceId += 400;
      await readUntilSequence(lastSequenceId);
      client.send({ type: 'sequenceAck', sequenceId: lastSequenceId });
    }
    await sendMarker(hub, connectionId, 'still open');

    expect(await readUntilSequence(lastSequenceId + 1)).toMatchObject({ data: 'still open' });
  });

  it('drops sequenceAck beyond last sent', async () => {
    const hub = uniqueHub();
    const { client, connectionId } = await connect(hub, { subprotocol: RELIABLE_SUBPROTOCOL });

    client.send({ type: 'sequenceAck', sequenceId: 5 });
    await sendMarker(hub, connectionId, 'marker');

    expect(await client.nextJson()).toMatchObject({ data: 'marker', sequenceId: 1 });
    expect(logs.some((entry) => entry.event === 'client.frame-dropped' && entry.frameType === 'sequenceAck' && entry.connectionId === connectionId)).toBe(true);
  });
});
