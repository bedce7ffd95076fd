import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
const clients: TestClient[] = [];

beforeAll(async () => {
  ({ emulator } = await startTestEmulator());
});

afterAll(async () => {
  clients.forEach((client) => client.close());
  await emulator.close();
});

async function connect(hub: string, options: { userId?: string; groups?: string[]; roles?: string[]; subprotocol?: string } = {}) {
  const token = await clientToken(emulator, hub, options);
  const { client, connected } = await TestClient.connectWithSubprotocol(clientUrl(emulator, hub, token), options.subprotocol ?? JSON_SUBPROTOCOL);
  clients.push(client);
  return { client, connectionId: connected.connectionId as string };
}

async function waitUntil(condition: () => boolean, timeoutMs = 2000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`Condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('hooks.connections', () => {
  it('lists connections with their details', async () => {
    const hub = uniqueHub('Hooks');
    const reliable = await connect(hub, { userId: 'u1', groups: ['g1', 'g2'], roles: ['webpubsub.sendToGroup'], subprotocol: RELIABLE_SUBPROTOCOL });
    const plain = await connect(hub);

    const listed = emulator.hooks.connections(hub.toLowerCase());

    expect(listed).toHaveLength(2);
    expect(listed).toContainEqual({
      connectionId: reliable.connectionId,
      userId: 'u1',
      roles: ['webpubsub.sendToGroup'],
      groups: ['g1', 'g2'],
      subprotocol: RELIABLE_SUBPROTOCOL,
      isStalled: false,
    });
    expect(listed).toContainEqual({
      connectionId: plain.connectionId,
      userId: null,
      roles: [],
      groups: [],
      subprotocol: JSON_SUBPROTOCOL,
      isStalled: false,
    });
  });

  it('lists nothing for unknown hub', () => {
    expect(emulator.hooks.connections('neverUsed')).toEqual([]);
  });
});

describe('hooks.dropConnection', () => {
  it('destroys the socket without a close frame', async () => {
    const hub = uniqueHub();
    const { client, connectionId } = await connect(hub, { groups: ['g'] });

    expect(emulator.hooks.dropConnection(connectionId)).toBe(true);

    expect((await client.closed()).code).toBe(1006);
    await waitUntil(() => emulator.hooks.connections(hub).length === 0);
  });

  it('returns false for an unknown connection', () => {
    expect(emulator.hooks.dropConnection('no-such-connection')).toBe(false);
  });
});

describe('hooks.closeConnection', () => {
  it('sends disconnected and then the close frame', async () => {
    const hub = uniqueHub();
    const { client, connectionId } = await connect(hub);

    expect(emulator.hooks.closeConnection(connectionId, 4001, 'test close')).toBe(true);

    expect(await client.nextJson()).toEqual({ type: 'system', event: 'disconnected', message: 'test close' });
    expect(await client.closed()).toEqual({ code: 4001, reason: 'test close' });
    await waitUntil(() => emulator.hooks.connections(hub).length === 0);
  });

  it('throws for unsendable close code', async () => {
    const hub = uniqueHub();
    const { connectionId } = await connect(hub);

    expect(() => emulator.hooks.closeConnection(connectionId, 1006, 'x')).toThrow(RangeError);
    expect(emulator.hooks.connections(hub)).toHaveLength(1);
  });
});

describe('hooks.stallConnection', () => {
  it('stalls without closing the socket', async () => {
    const hub = uniqueHub();
    const { client, connectionId } = await connect(hub);
    let pongs = 0;
    client.socket.on('pong', () => {
      pongs += 1;
    });

    expect(emulator.hooks.stallConnection(connectionId)).toBe(true);
    client.send({ type: 'ping' });
    client.socket.ping();
    const response = await rest(emulator, `/api/hubs/${hub}/connections/${connectionId}/:send?${API}`, { contentType: 'text/plain', body: 'lost' });

    expect(response.status).toBe(202);
    await expect(client.next(300)).rejects.toThrow(/No frame/);
    expect(pongs).toBe(0);
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    expect(emulator.hooks.connections(hub)[0].isStalled).toBe(true);
  });
});

describe('emulator.close', () => {
  it('closes open and stalled clients', async () => {
    const { emulator: own } = await startTestEmulator();
    const hub = uniqueHub();
    const openToken = await clientToken(own, hub, { userId: 'open' });
    const stalledToken = await clientToken(own, hub, { userId: 'stalled' });
    const { client: open } = await TestClient.connectWithSubprotocol(clientUrl(own, hub, openToken));
    const { client: stalled, connected } = await TestClient.connectWithSubprotocol(clientUrl(own, hub, stalledToken));
    own.hooks.stallConnection(connected.connectionId as string);

    await own.close();

    expect((await open.closed()).code).toBe(1001);
    expect((await stalled.closed()).code).toBe(1006);
    await expect(fetch(`${own.url}/api/health`, { method: 'HEAD' })).rejects.toThrow();
  });
});
