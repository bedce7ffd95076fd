/**
 * `@azure/web-pubsub` 1.2.0, unchanged, runs every REST operation against the emulator while
 * `ws` clients are connected, and each operation has the effect the service documents.
 */

import { RestError } from '@azure/core-rest-pipeline';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server.js';
import { JSON_SUBPROTOCOL, TestClient, startTestEmulator, uniqueHub } from '../emulator/helpers.js';

let emulator: Emulator;
const sockets: TestClient[] = [];

beforeAll(async () => {
  ({ emulator } = await startTestEmulator());
});

afterAll(async () => {
  sockets.forEach((socket) => socket.close());
  await emulator.close();
});

function official(hub: string): WebPubSubServiceClient {
  return new WebPubSubServiceClient(emulator.connectionString, hub, { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
}

/** Connects a JSON-subprotocol client with a token from the official SDK. */
async function connect(service: WebPubSubServiceClient, options: { userId?: string; groups?: string[]; roles?: string[] } = {}) {
  const { url } = await service.getClientAccessToken(options);
  const { client, connected } = await TestClient.connectWithSubprotocol(url, JSON_SUBPROTOCOL);
  sockets.push(client);
  return { socket: client, id: connected.connectionId as string };
}

function groupsOf(hub: string, connectionId: string): string[] {
  return emulator.hooks.connections(hub).find((info) => info.connectionId === connectionId)?.groups.sort() ?? [];
}

async function catchError(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** Expects no frame within a short time. */
async function expectSilence(socket: TestClient): Promise<void> {
  await expect(socket.next(200)).rejects.toThrow(/No frame/);
}

describe('@azure/web-pubsub against the emulator', () => {
  it('checks connections, users and groups', async () => {
    const hub = uniqueHub('Official');
    const service = official(hub);
    const alice = await connect(service, { userId: 'alice', groups: ['g0'] });

    expect(await service.connectionExists(alice.id)).toBe(true);
    expect(await service.connectionExists('no-such-connection')).toBe(false);
    expect(await service.userExists('alice')).toBe(true);
    expect(await service.userExists('carol')).toBe(false);
    expect(await service.groupExists('g0')).toBe(true);
    expect(await service.groupExists('g1')).toBe(false);
  });

  it('adds and removes connections and users in groups', async () => {
    const hub = uniqueHub('Official');
    const service = official(hub);
    const alice = await connect(service, { userId: 'alice' });
    const alice2 = await connect(service, { userId: 'alice' });
    const bob = await connect(service, { userId: 'bob' });

    await service.group('g1').addConnection(bob.id);
    await service.group('g1').addUser('alice');
    expect(groupsOf(hub, alice.id)).toEqual(['g1']);
    expect(groupsOf(hub, alice2.id)).toEqual(['g1']);
    expect(groupsOf(hub, bob.id)).toEqual(['g1']);

    const unknownConnection = await catchError(service.group('g1').addConnection('no-such-connection'));
    expect((unknownConnection as RestError).statusCode).toBe(404);
    const unknownUser = (await catchError(service.group('g1').addUser('carol'))) as RestError;
    expect(unknownUser.statusCode).toBe(404);
    expect(unknownUser.message).toContain('User `carol` is not found.');

    await service.group('g1').removeConnection(bob.id);
    await service.group('g1').removeUser('alice');
    expect(groupsOf(hub, alice.id)).toEqual([]);
    expect(groupsOf(hub, bob.id)).toEqual([]);
    expect(await service.groupExists('g1')).toBe(false);
  });

  it('lists group connections page by page', async () => {
    const hub = uniqueHub('Official');
    const service = official(hub);
    const members = [await connect(service, { userId: 'u1', groups: ['room'] }), await connect(service, { groups: ['room'] }), await connect(service, { userId: 'u3', groups: ['room'] })];

    const listed = [];
    for await (const member of await service.group('room').listConnections({ maxPageSize: 1 })) listed.push({ ...member });
    expect(listed.map((member) => member.connectionId).sort()).toEqual(members.map((member) => member.id).sort());
    expect(listed.find((member) => member.connectionId === members[0]!.id)?.userId).toBe('u1');

    const limited = [];
    for await (const member of await service.group('room').listConnections({ maxPageSize: 2, top: 2 })) limited.push(member);
    expect(limited).toHaveLength(2);
  });

  it('sends with filter, excluded connections and TTL', async () => {
    const hub = uniqueHub('Official');
    const service = official(hub);
    const alice = await connect(service, { userId: 'alice', groups: ['g0', 'g1'] });
    const alice2 = await connect(service, { userId: 'alice', groups: ['g1'] });
    const bob = await connect(service, { userId: 'bob', groups: ['g1'] });

    await service.sendToAll({ n: 1 }, { filter: "'g0' in groups", messageTtlSeconds: 30 });
    expect(await alice.socket.nextJson()).toMatchObject({ from: 'server', data: { n: 1 } });
    await expectSilence(bob.socket);

    await service.group('g1').sendToAll('group', { contentType: 'text/plain', excludedConnections: [alice2.id] });
    expect(await alice.socket.nextJson()).toMatchObject({ data: 'group' });
    expect(await bob.socket.nextJson()).toMatchObject({ data: 'group' });

    await service.sendToUser('alice', 'to alice2', { contentType: 'text/plain', filter: `connectionId ne '${alice.id}'` });
    expect(await alice2.socket.nextJson()).toMatchObject({ data: 'to alice2' });
    await expectSilence(alice.socket);

    await service.sendToConnection(bob.id, { direct: true });
    expect(await bob.socket.nextJson()).toMatchObject({ data: { direct: true } });

    const badFilter = (await catchError(service.sendToAll('x', { filter: 'userId eq' }))) as RestError;
    expect(badFilter.statusCode).toBe(400);
  });

  it('adds and removes filtered connections in bulk', async () => {
    const hub = uniqueHub('Official');
    const service = official(hub);
    const alice = await connect(service, { userId: 'alice', groups: ['a'] });
    const bob = await connect(service, { userId: 'bob' });

    await service.addConnectionsToGroups(['g2', 'g3'], "userId eq 'bob'");
    expect(groupsOf(hub, bob.id)).toEqual(['g2', 'g3']);
    expect(groupsOf(hub, alice.id)).toEqual(['a']);

    await service.removeConnectionsFromGroups(['g3'], "'g2' in groups");
    expect(groupsOf(hub, bob.id)).toEqual(['g2']);

    await service.removeConnectionFromAllGroups(bob.id);
    expect(groupsOf(hub, bob.id)).toEqual([]);
    await service.removeUserFromAllGroups('alice');
    expect(groupsOf(hub, alice.id)).toEqual([]);
  });

  it('grants permissions that the WebSocket frames then respect', async () => {
    const hub = uniqueHub('Official');
    const service = official(hub);
    const bob = await connect(service, { userId: 'bob' });
    const sendFrame = { type: 'sendToGroup', group: 'g5', dataType: 'text', data: 'hi', ackId: 1 };

    expect(await bob.socket.request(sendFrame)).toMatchObject({ type: 'ack', ackId: 1, success: false, error: { name: 'Forbidden' } });
    await service.grantPermission(bob.id, 'sendToGroup', { targetName: 'g5' });
    expect(await service.hasPermission(bob.id, 'sendToGroup', { targetName: 'g5' })).toBe(true);
    expect(await bob.socket.request({ ...sendFrame, ackId: 2 })).toMatchObject({ ackId: 2, success: true });

    await service.revokePermission(bob.id, 'sendToGroup', { targetName: 'g5' });
    expect(await service.hasPermission(bob.id, 'sendToGroup', { targetName: 'g5' })).toBe(false);
    expect(await bob.socket.request({ ...sendFrame, ackId: 3 })).toMatchObject({ ackId: 3, success: false });

    await service.grantPermission(bob.id, 'joinLeaveGroup');
    expect(await service.hasPermission(bob.id, 'joinLeaveGroup')).toBe(true);
    expect(await bob.socket.request({ type: 'joinGroup', group: 'any', ackId: 4 })).toMatchObject({ ackId: 4, success: true });

    const invalid = (await catchError(service.hasPermission(bob.id, 'owner' as never))) as RestError;
    expect(invalid.statusCode).toBe(400);
  });

  it('closes connections with the reason', async () => {
    const hub = uniqueHub('Official');
    const service = official(hub);
    const alice = await connect(service, { userId: 'alice' });
    const alice2 = await connect(service, { userId: 'alice' });
    const bob = await connect(service, { userId: 'bob', groups: ['g7'] });
    const carol = await connect(service, { userId: 'carol' });

    await service.closeConnection(carol.id, { reason: 'carol out' });
    expect(await carol.socket.nextJson()).toEqual({ type: 'system', event: 'disconnected', message: 'carol out' });
    expect(await carol.socket.closed()).toEqual({ code: 1000, reason: 'carol out' });
    expect(await service.connectionExists(carol.id)).toBe(false);

    // The official types omit `excluded` on close operations, but the generated layer sends it.
    await service.closeUserConnections('alice', { reason: 'user out', excluded: [alice2.id] } as never);
    expect(await alice.socket.closed()).toEqual({ code: 1000, reason: 'user out' });
    expect(await service.connectionExists(alice2.id)).toBe(true);

    await service.group('g7').closeAllConnections({ reason: 'group out' });
    expect((await bob.socket.closed()).reason).toBe('group out');

    await service.closeAllConnections({ reason: 'all out' });
    expect((await alice2.socket.closed()).reason).toBe('all out');
    expect(emulator.hooks.connections(hub)).toEqual([]);
  });

  it('reports the service status', async () => {
    const service = official(uniqueHub('Official'));
    const generated = (service as unknown as { client: { healthApi: { getServiceStatus(): Promise<void> } } }).client;
    // The generated operation throws for any status other than the 200 it declares.
    await generated.healthApi.getServiceStatus();
    const response = await fetch(`${emulator.url}/api/health?api-version=2024-12-01`, { method: 'HEAD' });
    expect(response.status).toBe(200);
  });
});
