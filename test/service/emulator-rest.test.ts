/**
 * Our service client against the local emulator, in Node and in workerd: every operation on a
 * hub without connections, the 404s of adding unknown connections and users, and the 400s that
 * the emulator returns for what it cannot accept.
 */

import { SignJWT } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { ConfigError, RestError, WebPubSubServiceClient } from '../../src/index.js';

let hubCounter = 0;

/** Creates a client of the shared emulator on a hub of its own, counting the requests it sends. */
function emulatorClient(options: Record<string, unknown> = {}): { client: WebPubSubServiceClient; requestCount: () => number } {
  hubCounter += 1;
  let count = 0;
  const client = new WebPubSubServiceClient(inject('emulatorConnectionString'), `restHub${hubCounter}${Date.now()}`, {
    ...options,
    fetch: (input: RequestInfo | URL, init?: RequestInit) => {
      count += 1;
      return fetch(input, init);
    },
  });
  return { client, requestCount: () => count };
}

async function catchError(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('service client against the emulator', () => {
  it('runs every operation on a hub without connections', async () => {
    const { client } = emulatorClient();
    const group = client.group('room 1');

    expect(await client.getServiceStatus()).toBe(true);
    await client.sendToAll({ a: 1 }, { excludedConnections: ['x'], filter: "userId ne 'a'", messageTtlSeconds: 10 });
    await client.sendToUser('u1', 'hi', { contentType: 'text/plain', filter: "'g' in groups" });
    await client.sendToConnection('c1', new Uint8Array([1]), { messageTtlSeconds: 0 });
    await group.sendToAll('x', { excludedConnections: ['c1'], filter: 'length(userId) gt 1' });
    expect(await client.connectionExists('c1')).toBe(false);
    expect(await client.userExists('u1')).toBe(false);
    expect(await client.groupExists('room 1')).toBe(false);
    expect(await client.hasPermission('c1', 'sendToGroup', { targetName: 'room 1' })).toBe(false);
    await client.closeConnection('c1', { reason: 'bye' });
    await client.closeAllConnections({ reason: 'bye', excludedConnections: ['c2'] });
    await client.closeUserConnections('u1', { reason: 'bye' });
    await group.closeAllConnections({ reason: 'bye', excludedConnections: ['c3'] });
    await client.removeUserFromAllGroups('u1');
    await client.removeConnectionFromAllGroups('c1');
    await client.addConnectionsToGroups(['g1', 'g2'], "userId eq 'u1'");
    await client.removeConnectionsFromGroups(['g1'], "startswith(connectionId, 'c')");
    await group.removeConnection('c1');
    await group.removeUser('u1');
    await client.revokePermission('c1', 'joinLeaveGroup');
    const members = [];
    for await (const member of group.listConnections({ maxPageSize: 5, top: 10 })) members.push(member);
    expect(members).toEqual([]);
  });

  it('returns 404 for an unconnected user', async () => {
    const { client, requestCount } = emulatorClient();
    const error = (await catchError(client.group('room').addUser('ghost'))) as RestError;

    expect(error).toBeInstanceOf(RestError);
    expect(error.status).toBe(404);
    expect(error.details).toMatchObject({ code: 'NotFound', message: 'User `ghost` is not found.' });
    expect(error.message).toContain('User `ghost` is not found.');
    expect(error.requestId).toMatch(/\S/);
    expect(requestCount()).toBe(1);
  });

  it('reports an unknown connection added to a group as a 404', async () => {
    const { client, requestCount } = emulatorClient();
    const error = (await catchError(client.group('room').addConnection('no-such-connection'))) as RestError;
    expect(error.status).toBe(404);
    expect(error.details?.message).toContain('no-such-connection');
    expect(requestCount()).toBe(1);
  });

  it('passes on the 400 for a filter the service cannot parse', async () => {
    const { client } = emulatorClient();
    const error = (await catchError(client.sendToAll('x', { filter: "userId eq 'a' and" }))) as RestError;
    expect(error.status).toBe(400);
    expect(error.details?.code).toBe('InvalidParameter');
    expect(error.details?.target).toBe('filter');

    const bulk = (await catchError(client.addConnectionsToGroups(['g'], 'userId eq 1'))) as RestError;
    expect(bulk.status).toBe(400);
  });

  it('rejects an old api-version on both sides', async () => {
    const { client, requestCount } = emulatorClient({ apiVersion: '2021-10-01' });
    const error = (await catchError(client.removeConnectionFromAllGroups('c1'))) as ConfigError;
    expect(error.code).toBe('UNSUPPORTED_API_VERSION');
    expect(requestCount()).toBe(0);

    // The same route called directly with that version gets the emulator's 400.
    const emulatorUrl = inject('emulatorUrl');
    const connectionString = inject('emulatorConnectionString');
    const accessKey = /AccessKey=([^;]+)/.exec(connectionString)![1]!;
    const url = `${emulatorUrl}/api/hubs/chat/connections/c1/groups?api-version=2021-10-01`;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setAudience(url)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(accessKey));
    const response = await fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-ms-error-code')).toBe('UnsupportedApiVersion');
    expect(((await response.json()) as { message: string }).message).toContain('2022-11-01');
  });

  it('works on every version the emulator accepts for the operations they have', async () => {
    for (const apiVersion of ['2021-10-01', '2022-11-01', '2023-07-01', '2024-01-01', '2024-12-01']) {
      const { client } = emulatorClient({ apiVersion });
      await client.sendToAll('x');
      expect(await client.connectionExists('c1')).toBe(false);
      await client.closeAllConnections({ reason: 'r' });
    }
  });
});
