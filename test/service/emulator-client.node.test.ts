/**
 * Our service client against the emulator while `ws` clients are connected: each operation has
 * the effect the service documents on real connections.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server.js';
import { odata, RestError, WebPubSubServiceClient } from '../../src/index.js';
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

async function connect(service: WebPubSubServiceClient, options: { userId?: string; groups?: string[]; roles?: string[] } = {}) {
  const { url } = await service.getClientAccessToken(options);
  const { client, connected } = await TestClient.connectWithSubprotocol(url, JSON_SUBPROTOCOL);
  sockets.push(client);
  return { socket: client, id: connected.connectionId as string };
}

function groupsOf(hub: string, connectionId: string): string[] {
  return emulator.hooks.connections(hub).find((info) => info.connectionId === connectionId)?.groups.sort() ?? [];
}

async function expectSilence(socket: TestClient): Promise<void> {
  await expect(socket.next(200)).rejects.toThrow(/No frame/);
}

describe('service client with connected clients', () => {
  it('delivers sends by filter and leaves out excluded connections', async () => {
    const hub = uniqueHub('Ours');
    const service = new WebPubSubServiceClient(emulator.connectionString, hub);
    const alice = await connect(service, { userId: "o'brien", groups: ['vip', 'room'] });
    const bob = await connect(service, { userId: 'bob', groups: ['room'] });

    await service.sendToAll({ n: 1 }, { filter: odata`userId eq ${"o'brien"}` });
    expect(await alice.socket.nextJson()).toMatchObject({ data: { n: 1 } });
    await expectSilence(bob.socket);

    await service.group('room').sendToAll('to room', { contentType: 'text/plain', excludedConnections: [alice.id] });
    expect(await bob.socket.nextJson()).toMatchObject({ dataType: 'text', data: 'to room' });
    await expectSilence(alice.socket);

    await service.sendToAll(new Uint8Array([1, 2]), { filter: odata`not (${'vip'} in groups)`, messageTtlSeconds: 5 });
    expect(await bob.socket.nextJson()).toMatchObject({ dataType: 'binary', data: 'AQI=' });
    await expectSilence(alice.socket);
  });

  it('changes group membership and lists it in pages', async () => {
    const hub = uniqueHub('Ours');
    const service = new WebPubSubServiceClient(emulator.connectionString, hub);
    const connections = [];
    for (let index = 0; index < 5; index++) connections.push(await connect(service, { userId: `user-${index % 2}` }));

    await service.addConnectionsToGroups(['big'], odata`userId eq ${'user-0'}`);
    await service.group('big').addUser('user-1');
    await service.group('big').addConnection(connections[1]!.id);
    expect(await service.groupExists('big')).toBe(true);

    const pages = [];
    for await (const page of service.group('big').listConnections().byPage({ maxPageSize: 2 })) pages.push([...page]);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat().map((member) => member.connectionId).sort()).toEqual(connections.map((connection) => connection.id).sort());

    const firstThree = [];
    for await (const member of service.group('big').listConnections({ maxPageSize: 2, top: 3 })) firstThree.push(member);
    expect(firstThree).toHaveLength(3);

    await service.removeConnectionsFromGroups(['big'], odata`userId eq ${'user-1'}`);
    await service.group('big').removeConnection(connections[0]!.id);
    await service.removeConnectionFromAllGroups(connections[2]!.id);
    await service.group('big').removeUser('user-0');
    expect(await service.groupExists('big')).toBe(false);
    expect(connections.map((connection) => groupsOf(hub, connection.id))).toEqual([[], [], [], [], []]);
  });

  it('adds a user only once connected', async () => {
    const hub = uniqueHub('Ours');
    const service = new WebPubSubServiceClient(emulator.connectionString, hub);

    const error = await service.group('room').addUser('late').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RestError);
    expect((error as RestError).status).toBe(404);

    const late = await connect(service, { userId: 'late' });
    await service.group('room').addUser('late');
    expect(groupsOf(hub, late.id)).toEqual(['room']);
    await service.removeUserFromAllGroups('late');
    expect(groupsOf(hub, late.id)).toEqual([]);
  });

  it('grants permissions that the WebSocket frames then respect', async () => {
    const hub = uniqueHub('Ours');
    const service = new WebPubSubServiceClient(emulator.connectionString, hub);
    const carol = await connect(service, { userId: 'carol' });
    const join = { type: 'joinGroup', group: 'stage', ackId: 1 };

    expect(await carol.socket.request(join)).toMatchObject({ ackId: 1, success: false, error: { name: 'Forbidden' } });
    await service.grantPermission(carol.id, 'joinLeaveGroup', { targetName: 'stage' });
    expect(await service.hasPermission(carol.id, 'joinLeaveGroup', { targetName: 'stage' })).toBe(true);
    expect(await service.hasPermission(carol.id, 'joinLeaveGroup', { targetName: 'other' })).toBe(false);
    expect(await carol.socket.request({ ...join, ackId: 2 })).toMatchObject({ ackId: 2, success: true });

    await service.revokePermission(carol.id, 'joinLeaveGroup', { targetName: 'stage' });
    expect(await carol.socket.request({ type: 'leaveGroup', group: 'stage', ackId: 3 })).toMatchObject({ ackId: 3, success: false });
  });

  it('closes connections with the reason and keeps excluded ones open', async () => {
    const hub = uniqueHub('Ours');
    const service = new WebPubSubServiceClient(emulator.connectionString, hub);
    const first = await connect(service, { userId: 'dave' });
    const second = await connect(service, { userId: 'dave' });
    const third = await connect(service, { userId: 'erin', groups: ['g'] });

    await service.closeUserConnections('dave', { reason: 'session ended', excludedConnections: [second.id] });
    expect(await first.socket.nextJson()).toEqual({ type: 'system', event: 'disconnected', message: 'session ended' });
    expect(await first.socket.closed()).toEqual({ code: 1000, reason: 'session ended' });
    expect(await service.connectionExists(second.id)).toBe(true);
    expect(await service.userExists('dave')).toBe(true);

    await service.group('g').closeAllConnections({ reason: 'group closed' });
    expect((await third.socket.closed()).reason).toBe('group closed');

    await service.closeConnection(second.id, { reason: 'x'.repeat(200) });
    expect((await second.socket.closed()).reason).toBe('x'.repeat(123));
    expect(await service.userExists('dave')).toBe(false);
  });
});
