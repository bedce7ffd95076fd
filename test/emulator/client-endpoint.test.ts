import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server.js';
import {
  JSON_SUBPROTOCOL,
  RELIABLE_SUBPROTOCOL,
  TestClient,
  clientToken,
  clientUrl,
  startTestEmulator,
  uniqueHub,
  upgradeStatus,
} from './helpers.js';

let emulator: Emulator;
const clients: TestClient[] = [];

beforeAll(async () => {
  ({ emulator } = await startTestEmulator());
});

afterAll(async () => {
  clients.forEach((client) => client.close());
  await emulator.close();
});

function hostWithPort() {
  return `127.0.0.1:${emulator.port}`;
}

describe('client upgrade audience', () => {
  for (const scheme of ['http', 'https', 'ws', 'wss']) {
    it(`accepts the ${scheme} scheme`, async () => {
      const hub = uniqueHub('chat');
      const token = await clientToken(emulator, hub, { audience: `${scheme}://${hostWithPort()}/client/hubs/${hub}` });

      expect(await upgradeStatus(clientUrl(emulator, hub, token))).toBe(101);
    });
  }

  it('accepts the host in another letter case', async () => {
    const hub = uniqueHub('chat');
    const token = await clientToken(emulator, hub, { audience: `HTTP://LOCALHOST:${emulator.port}/client/hubs/${hub}` });
    const url = `ws://localhost:${emulator.port}/client/hubs/${hub}?access_token=${token}`;

    expect(await upgradeStatus(url)).toBe(101);
  });

  const rejectedAudiences: Array<[string, (hub: string) => string]> = [
    ['another host', (hub) => `http://localhost:${emulator.port}/client/hubs/${hub}`],
    ['another port', (hub) => `http://127.0.0.1:${emulator.port + 1}/client/hubs/${hub}`],
    ['no slash after the host', (hub) => `http://${hostWithPort()}client/hubs/${hub}`],
    ['two slashes after the host', (hub) => `http://${hostWithPort()}//client/hubs/${hub}`],
    ['a trailing slash', (hub) => `http://${hostWithPort()}/client/hubs/${hub}/`],
    ['another hub', (hub) => `http://${hostWithPort()}/client/hubs/${hub}x`],
    ['the hub in other case', (hub) => `http://${hostWithPort()}/client/hubs/${hub.toUpperCase()}`],
    ['the plural clients path', (hub) => `http://${hostWithPort()}/clients/hubs/${hub}`],
    ['an ftp scheme', (hub) => `ftp://${hostWithPort()}/client/hubs/${hub}`],
    ['a query string', (hub) => `http://${hostWithPort()}/client/hubs/${hub}?x=1`],
  ];

  for (const [name, audienceFor] of rejectedAudiences) {
    it(`rejects an audience with ${name}`, async () => {
      const hub = uniqueHub('chat');
      const token = await clientToken(emulator, hub, { audience: audienceFor(hub) });

      expect(await upgradeStatus(clientUrl(emulator, hub, token))).toBe(401);
    });
  }

  it('rejects hub Chat token on chat', async () => {
    const token = await clientToken(emulator, 'Chat');

    expect(await upgradeStatus(clientUrl(emulator, 'chat', token))).toBe(401);
    expect(await upgradeStatus(clientUrl(emulator, 'Chat', token))).toBe(101);
  });
});

describe('client upgrade token', () => {
  it('rejects a token signed with another key', async () => {
    const hub = uniqueHub();
    const token = await clientToken(emulator, hub, { key: 'another-key' });

    expect(await upgradeStatus(clientUrl(emulator, hub, token))).toBe(401);
  });

  it('accepts the secondary key', async () => {
    const hub = uniqueHub();
    const token = await clientToken(emulator, hub, { key: emulator.accessKeys[1] });

    expect(await upgradeStatus(clientUrl(emulator, hub, token))).toBe(101);
  });

  it('rejects an expired token', async () => {
    const hub = uniqueHub();
    const token = await clientToken(emulator, hub, { expiresAt: Math.floor(Date.now() / 1000) - 5 });

    expect(await upgradeStatus(clientUrl(emulator, hub, token))).toBe(401);
  });

  it('rejects a token without exp', async () => {
    const hub = uniqueHub();
    const token = await clientToken(emulator, hub, { withoutExpiry: true });

    expect(await upgradeStatus(clientUrl(emulator, hub, token))).toBe(401);
  });

  it('rejects a missing token', async () => {
    const hub = uniqueHub();
    expect(await upgradeStatus(`${emulator.url.replace('http', 'ws')}/client/hubs/${hub}`)).toBe(401);
  });

  it('accepts the token in an Authorization header', async () => {
    const hub = uniqueHub();
    const token = await clientToken(emulator, hub);
    const url = `${emulator.url.replace('http', 'ws')}/client/hubs/${hub}`;

    expect(await upgradeStatus(url, { headers: { authorization: `Bearer ${token}` } })).toBe(101);
  });

  it('returns 404 outside the hub path', async () => {
    const token = await clientToken(emulator, 'chat');
    expect(await upgradeStatus(`${emulator.url.replace('http', 'ws')}/client/chat?access_token=${token}`)).toBe(404);
  });

  it('returns 400 for invalid hub', async () => {
    const token = await clientToken(emulator, '9hub');
    expect(await upgradeStatus(clientUrl(emulator, '9hub', token))).toBe(400);
  });
});

describe('client subprotocols', () => {
  it('sends connected with ids', async () => {
    const hub = uniqueHub();
    const token = await clientToken(emulator, hub, { userId: 'ada' });
    const { client, connected } = await TestClient.connectWithSubprotocol(clientUrl(emulator, hub, token), JSON_SUBPROTOCOL);
    clients.push(client);

    expect(client.socket.protocol).toBe(JSON_SUBPROTOCOL);
    expect(connected).toEqual({ type: 'system', event: 'connected', userId: 'ada', connectionId: expect.any(String) });
    expect(emulator.hooks.connections(hub).map((connection) => connection.connectionId)).toEqual([connected.connectionId]);
  });

  it('sends null userId without sub', async () => {
    const hub = uniqueHub();
    const token = await clientToken(emulator, hub);
    const { client, connected } = await TestClient.connectWithSubprotocol(clientUrl(emulator, hub, token), JSON_SUBPROTOCOL);
    clients.push(client);

    expect(connected.userId).toBeNull();
  });

  it('adds reconnectionToken when reliable', async () => {
    const hub = uniqueHub();
    const token = await clientToken(emulator, hub, { userId: 'ada' });
    const { client, connected } = await TestClient.connectWithSubprotocol(clientUrl(emulator, hub, token), RELIABLE_SUBPROTOCOL);
    clients.push(client);

    expect(client.socket.protocol).toBe(RELIABLE_SUBPROTOCOL);
    expect(typeof connected.reconnectionToken).toBe('string');
    expect((connected.reconnectionToken as string).length).toBeGreaterThan(20);
  });

  it('chooses the first supported subprotocol offered', async () => {
    const hub = uniqueHub();
    const token = await clientToken(emulator, hub);
    const client = await TestClient.connect(clientUrl(emulator, hub, token), {
      protocols: ['protobuf.webpubsub.azure.v1', RELIABLE_SUBPROTOCOL, JSON_SUBPROTOCOL],
    });
    clients.push(client);

    expect(client.socket.protocol).toBe(RELIABLE_SUBPROTOCOL);
  });

  it('treats no subprotocol as simple', async () => {
    const hub = uniqueHub();
    const token = await clientToken(emulator, hub, { userId: 'plain' });
    const client = await TestClient.connect(clientUrl(emulator, hub, token));
    clients.push(client);

    const [connection] = emulator.hooks.connections(hub);
    expect(client.socket.protocol).toBe('');
    expect(connection.subprotocol).toBeNull();
    expect(connection.userId).toBe('plain');
    await expect(client.next(200)).rejects.toThrow(/No frame/);
  });

  it('closes a recovery attempt with 1008', async () => {
    const hub = uniqueHub();
    const token = await clientToken(emulator, hub);
    const { client: original, connected } = await TestClient.connectWithSubprotocol(clientUrl(emulator, hub, token), RELIABLE_SUBPROTOCOL);
    clients.push(original);

    const recoveryUrl =
      `${clientUrl(emulator, hub, token)}&awps_connection_id=${connected.connectionId}` +
      `&awps_reconnection_token=${encodeURIComponent(connected.reconnectionToken as string)}`;
    const recovery = await TestClient.connect(recoveryUrl, { protocols: [RELIABLE_SUBPROTOCOL] });

    expect((await recovery.closed()).code).toBe(1008);
  });
});
