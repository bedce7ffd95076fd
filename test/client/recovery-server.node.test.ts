/**
 * Recovery against a scripted `ws` server on loopback that misbehaves on recovery sockets:
 * it closes them at once, or accepts them and never sends a frame. The client must not count
 * either as a recovery.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { WebPubSubClient, type WebPubSubClientEventName } from '../../src/client/index.js';
import { nodeWebSocketFactory } from './helpers/emulator-clients.js';

type RecoveryMode = { close: number } | 'silent';

interface ScriptedServer {
  url: string;
  recoverySockets: () => number;
  newSockets: () => number;
  close: () => Promise<void>;
}

const servers: ScriptedServer[] = [];
const clients: WebPubSubClient[] = [];

afterEach(async () => {
  clients.splice(0).forEach((client) => client.stop());
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/**
 * Starts a server that confirms each new connection with a reconnection token, drops its
 * socket 200 ms later, and handles recovery sockets per `mode`.
 */
async function startScriptedServer(mode: RecoveryMode): Promise<ScriptedServer> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (protocols) => [...protocols][0] ?? false });
  await new Promise((resolve) => server.once('listening', resolve));
  let recoverySockets = 0;
  let newSockets = 0;

  server.on('connection', (socket: WebSocket, request) => {
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
    if (query.has('awps_connection_id')) {
      recoverySockets += 1;
      if (mode !== 'silent') socket.close(mode.close, 'not now');
      return;
    }

    newSockets += 1;
    socket.send(JSON.stringify({ type: 'system', event: 'connected', connectionId: `c${newSockets}`, userId: 'u', reconnectionToken: 'token' }));
    setTimeout(() => socket.terminate(), 200);
  });

  const { port } = server.address() as { port: number };
  const scripted: ScriptedServer = {
    url: `ws://127.0.0.1:${port}/client/hubs/chat?access_token=x`,
    recoverySockets: () => recoverySockets,
    newSockets: () => newSockets,
    close: () =>
      new Promise((resolve) => {
        server.clients.forEach((socket) => socket.terminate());
        server.close(() => resolve());
      }),
  };
  servers.push(scripted);
  return scripted;
}

function startClient(url: string): { client: WebPubSubClient; names: WebPubSubClientEventName[] } {
  const client = new WebPubSubClient(url, { webSocketFactory: nodeWebSocketFactory, keepAliveIntervalInMs: 1000, keepAliveTimeoutInMs: 3000 });
  clients.push(client);
  const names: WebPubSubClientEventName[] = [];
  for (const name of ['connected', 'disconnected', 'stopped', 'error'] as const) client.on(name, () => names.push(name));
  return { client, names };
}

describe('recovery against a scripted server', () => {
  for (const code of [1011, 1000]) {
    it(`pauses between recovery sockets closed with ${code}`, async () => {
      const server = await startScriptedServer({ close: code });
      const { client, names } = startClient(server.url);
      await client.start();

      await new Promise((resolve) => setTimeout(resolve, 3000));

      // The first attempt runs at the drop (200 ms), then one per second.
      expect(server.recoverySockets()).toBeGreaterThanOrEqual(2);
      expect(server.recoverySockets()).toBeLessThanOrEqual(4);
      expect(server.newSockets()).toBe(1);
      expect(names).toEqual(['connected']);
    });
  }

  it('ignores a silent recovery socket', async () => {
    const server = await startScriptedServer('silent');
    const { client, names } = startClient(server.url);
    await client.start();

    await new Promise((resolve) => setTimeout(resolve, 3000));

    // The first attempt waits 5 s for a frame, so no second socket is opened yet.
    expect(server.recoverySockets()).toBe(1);
    expect(names).toEqual(['connected']);
    // On a connected client a fire-and-forget send resolves at once; here it waits for a connection.
    const send = client.sendEvent('e', 1, 'json', { fireAndForget: true, abortSignal: AbortSignal.timeout(100) });
    await expect(send).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
