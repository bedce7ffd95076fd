import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import {
  ConnectionError,
  WebPubSubClient,
  createFetchWebSocketFactory,
  createWebSocketFactory,
  type WebSocketConstructorLike,
} from '../../src/client/index.js';

describe('createWebSocketFactory', () => {
  it('explains what to pass when the runtime has no global WebSocket', () => {
    const globalWebSocket = (globalThis as { WebSocket?: unknown }).WebSocket;
    vi.stubGlobal('WebSocket', undefined);
    try {
      expect(() => createWebSocketFactory()).toThrow(/no global WebSocket.*createWebSocketFactory\(WebSocket\)/);
      expect(() => new WebPubSubClient('ws://127.0.0.1:9/client/hubs/chat')).toThrow(/no global WebSocket/);
    } finally {
      vi.stubGlobal('WebSocket', globalWebSocket);
      vi.unstubAllGlobals();
    }
  });

  it('calls the constructor with the URL and subprotocol and asks for ArrayBuffers', async () => {
    const calls: unknown[][] = [];
    class Recorder {
      binaryType = 'blob';
      constructor(...args: unknown[]) {
        calls.push(args);
      }
    }

    const socket = await createWebSocketFactory(Recorder as unknown as WebSocketConstructorLike)('ws://127.0.0.1:9/x', 'p', {});

    expect(calls).toEqual([['ws://127.0.0.1:9/x', 'p']]);
    expect(socket.binaryType).toBe('arraybuffer');
  });

  it('accepts the ws constructor', () => {
    expect(() => createWebSocketFactory(WebSocket as unknown as WebSocketConstructorLike)).not.toThrow();
  });
});

describe('createFetchWebSocketFactory', () => {
  function upgradeResponse(socket: object | null, status = 101): Response {
    const response = new Response(null, { status: 200 });
    Object.defineProperty(response, 'status', { value: status });
    Object.defineProperty(response, 'webSocket', { value: socket });
    return response;
  }

  it('sends the upgrade and accepts the socket', async () => {
    const socket = { accept: vi.fn(), readyState: 1 };
    const fetch = vi.fn(async () => upgradeResponse(socket));
    const factory = createFetchWebSocketFactory({ fetch: fetch as unknown as typeof globalThis.fetch });

    const result = await factory('wss://127.0.0.1/client/hubs/chat?access_token=t', 'json.reliable.webpubsub.azure.v1', {});

    expect(result).toBe(socket);
    expect(socket.accept).toHaveBeenCalledOnce();
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('https://127.0.0.1/client/hubs/chat?access_token=t');
    expect(init.headers).toEqual({ Upgrade: 'websocket', 'Sec-WebSocket-Protocol': 'json.reliable.webpubsub.azure.v1' });
  });

  it('maps ws: to http: and keeps the port', async () => {
    const fetch = vi.fn(async () => upgradeResponse({ accept() {} }));
    await createFetchWebSocketFactory({ fetch: fetch as unknown as typeof globalThis.fetch })('ws://127.0.0.1:8092/client/hubs/chat', 'p', {});

    expect((fetch.mock.calls[0] as unknown as [string])[0]).toBe('http://127.0.0.1:8092/client/hubs/chat');
  });

  it('rejects a failed upgrade with its status', async () => {
    const fetch = vi.fn(async () => new Response('token expired', { status: 401 }));
    const factory = createFetchWebSocketFactory({ fetch: fetch as unknown as typeof globalThis.fetch });

    const error = await Promise.resolve(factory('wss://127.0.0.1/client/hubs/chat?access_token=secret', 'p', {})).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: 'CONNECTION_CLOSED', status: 401 });
    expect((error as Error).message).not.toContain('secret');
  });

  it('maps fetch failures and aborts', async () => {
    const failing = createFetchWebSocketFactory({ fetch: (async () => Promise.reject(new TypeError('down'))) as typeof fetch });
    await expect(Promise.resolve(failing('ws://127.0.0.1:9/', 'p', {}))).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    await expect(Promise.resolve(failing('ws://127.0.0.1:9/', 'p', { abortSignal: AbortSignal.abort() }))).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('constructor', () => {
  const factory = createWebSocketFactory(WebSocket as unknown as WebSocketConstructorLike);

  it('rejects a URL that is not a WebSocket URL without echoing it', () => {
    expect(() => new WebPubSubClient('ftp://127.0.0.1/x?access_token=secret', { webSocketFactory: factory })).toThrow(/must use wss:/);
    expect(() => new WebPubSubClient('not a url', { webSocketFactory: factory })).toThrow(/not a valid absolute URL/);
  });

  it('rejects a credential without getClientAccessUrl', () => {
    expect(() => new WebPubSubClient({} as never, { webSocketFactory: factory })).toThrow(/getClientAccessUrl/);
  });

  it('rejects a URL provider that returns something else', async () => {
    const client = new WebPubSubClient({ getClientAccessUrl: async () => 42 as unknown as string }, { webSocketFactory: factory });

    await expect(client.start()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'getClientAccessUrl' });
  });

  it('wraps a failing URL provider with the cause', async () => {
    const cause = new Error('negotiate failed');
    const client = new WebPubSubClient({ getClientAccessUrl: async () => Promise.reject(cause) }, { webSocketFactory: factory });

    await expect(client.start()).rejects.toMatchObject({ code: 'NETWORK_ERROR', cause });
  });

  it('rejects an invalid protocol object', () => {
    expect(() => new WebPubSubClient('ws://127.0.0.1:9/', { webSocketFactory: factory, protocol: { name: '' } as never })).toThrow(/protocol must have/);
  });
});

describe('ws sockets', () => {
  it('abort a hanging upgrade without an uncaught error', async () => {
    // A loopback server that accepts TCP connections and never responds to the upgrade request.
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = new WebPubSubClient(`ws://127.0.0.1:${port}/client/hubs/chat`, {
      webSocketFactory: createWebSocketFactory(WebSocket),
    });

    try {
      const error = await client.start({ abortSignal: AbortSignal.timeout(200) }).catch((caught: unknown) => caught);
      await new Promise((resolve) => setTimeout(resolve, 100));

      expect(error).toMatchObject({ name: 'ConnectionError', code: 'ABORTED' });
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
