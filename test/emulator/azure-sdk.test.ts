/**
 * Black-box tests: the official Azure SDKs, unchanged, against the emulator.
 * `@azure/web-pubsub` 1.2.0 signs each REST call and client token itself.
 */
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { WebPubSubClient, type OnGroupDataMessageArgs, type OnServerDataMessageArgs } from '@azure/web-pubsub-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server.js';
import { JSON_SUBPROTOCOL, TestClient, startTestEmulator, uniqueHub } from './helpers.js';

let emulator: Emulator;
const clients: TestClient[] = [];

beforeAll(async () => {
  ({ emulator } = await startTestEmulator());
});

afterAll(async () => {
  clients.forEach((client) => client.close());
  await emulator.close();
});

function serviceClient(hub: string) {
  return new WebPubSubServiceClient(emulator.connectionString, hub, { allowInsecureConnection: true });
}

/** Connects a `ws` client with the URL and token that the service SDK generates. */
async function connectWithSdkToken(service: WebPubSubServiceClient, options: { userId?: string; groups?: string[] }) {
  const { url } = await service.getClientAccessToken(options);
  const { client, connected } = await TestClient.connectWithSubprotocol(url, JSON_SUBPROTOCOL);
  clients.push(client);
  return { client, connectionId: connected.connectionId as string };
}

describe('@azure/web-pubsub WebPubSubServiceClient', () => {
  it('accepts the SDK client URL', async () => {
    const hub = uniqueHub('Sdk');
    const { url } = await serviceClient(hub).getClientAccessToken({ userId: 'u' });

    expect(url.startsWith(`${emulator.url.replace('http', 'ws')}/client/hubs/${hub}?access_token=`)).toBe(true);
    expect(emulator.hooks.connections(hub)).toHaveLength(0);
  });

  it('sends to all', async () => {
    const hub = uniqueHub('Sdk');
    const service = serviceClient(hub);
    const { client } = await connectWithSdkToken(service, {});

    await service.sendToAll({ kind: 'json' });
    await service.sendToAll('plain text', { contentType: 'text/plain' });
    await service.sendToAll(new Uint8Array([1, 2, 3]));

    expect(await client.nextJson()).toEqual({ type: 'message', from: 'server', dataType: 'json', data: { kind: 'json' } });
    expect(await client.nextJson()).toEqual({ type: 'message', from: 'server', dataType: 'text', data: 'plain text' });
    expect(await client.nextJson()).toEqual({ type: 'message', from: 'server', dataType: 'binary', data: 'AQID' });
  });

  it('sends to a user', async () => {
    const hub = uniqueHub('Sdk');
    const service = serviceClient(hub);
    const { client } = await connectWithSdkToken(service, { userId: 'user with space' });

    await service.sendToUser('user with space', 'to user', { contentType: 'text/plain' });

    expect(await client.nextJson()).toMatchObject({ from: 'server', dataType: 'text', data: 'to user' });
  });

  it('sends to a connection', async () => {
    const hub = uniqueHub('Sdk');
    const service = serviceClient(hub);
    const { client, connectionId } = await connectWithSdkToken(service, {});

    await service.sendToConnection(connectionId, { to: 'connection' });

    expect(await client.nextJson()).toMatchObject({ from: 'server', dataType: 'json', data: { to: 'connection' } });
  });

  it('sends to a group', async () => {
    const hub = uniqueHub('Sdk');
    const service = serviceClient(hub);
    const { client } = await connectWithSdkToken(service, { groups: ['room'] });

    await service.group('room').sendToAll('to group', { contentType: 'text/plain' });

    expect(await client.nextJson()).toMatchObject({ from: 'server', dataType: 'text', data: 'to group' });
  });

  it('raises 400 for invalid group', async () => {
    const service = serviceClient(uniqueHub('Sdk'));

    await expect(service.group('   ').sendToAll('x', { contentType: 'text/plain' })).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe('@azure/web-pubsub-client WebPubSubClient', () => {
  it('joins, publishes and receives messages', async () => {
    const hub = uniqueHub('Sdk');
    const service = serviceClient(hub);
    const { url } = await service.getClientAccessToken({ userId: 'sdk-user', roles: ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'] });
    const client = new WebPubSubClient(url, { autoReconnect: false });

    const groupMessage = new Promise<OnGroupDataMessageArgs>((resolve) => client.on('group-message', resolve));
    const serverMessage = new Promise<OnServerDataMessageArgs>((resolve) => client.on('server-message', resolve));

    try {
      await client.start();
      await client.joinGroup('room');
      const sendResult = await client.sendToGroup('room', { hello: 'group' }, 'json');
      await service.sendToUser('sdk-user', 'hello user', { contentType: 'text/plain' });

      expect(sendResult.isDuplicated).toBe(false);
      expect((await groupMessage).message).toMatchObject({ group: 'room', fromUserId: 'sdk-user', dataType: 'json', data: { hello: 'group' } });
      expect((await serverMessage).message).toMatchObject({ dataType: 'text', data: 'hello user' });
    } finally {
      client.stop();
    }
  });
});
