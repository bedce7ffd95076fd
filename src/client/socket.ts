/**
 * The WebSocket seam of the client. The client opens sockets only through a
 * {@link WebSocketFactory}, so each runtime can pass its own: the global `WebSocket` (browsers,
 * Deno, Node 22+, Bun), a constructor such as `ws` on Node 20, or the fetch upgrade of
 * Cloudflare Workers in `workers-socket.ts`.
 */

import { ConfigError } from '../errors.js';

/** Ready state of an open socket, as in the WHATWG WebSocket standard. */
export const WEBSOCKET_OPEN = 1;

/** Ready state of a closed socket. */
export const WEBSOCKET_CLOSED = 3;

/** Events the client listens to. */
export type WebSocketEventType = 'open' | 'message' | 'close' | 'error';

/**
 * The part of the WHATWG `WebSocket` interface the client uses. The global `WebSocket`, the `ws`
 * package and the sockets of Cloudflare Workers all fit it.
 */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Subprotocol the server chose; empty when it chose none or the runtime does not tell. */
  readonly protocol?: string;
  /** Set to `arraybuffer` by the client so that binary frames arrive as `ArrayBuffer`. */
  binaryType?: string;
  /** Sends one frame. */
  send(data: string | ArrayBuffer): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** Adds a listener; the client passes `open`, `message`, `close` and `error`. */
  addEventListener(type: WebSocketEventType, listener: (event: any) => void): void;
  /** Removes a listener added with `addEventListener`. */
  removeEventListener(type: WebSocketEventType, listener: (event: any) => void): void;
}

/** Options passed to a {@link WebSocketFactory}. */
export interface WebSocketFactoryOptions {
  /** Aborts the attempt; a factory that waits (such as a fetch upgrade) should stop waiting. */
  abortSignal?: AbortSignal;
}

/**
 * Opens a socket to `url` offering the subprotocol `protocol`. The socket may still be
 * connecting or already open when the factory returns it.
 */
export type WebSocketFactory = (
  url: string,
  protocol: string,
  options: WebSocketFactoryOptions,
) => WebSocketLike | Promise<WebSocketLike>;

/** A WHATWG-style `WebSocket` constructor, such as the global one or `WebSocket` from `ws`. */
export type WebSocketConstructorLike = new (url: string, protocols?: string | string[]) => WebSocketLike;

/**
 * Creates a socket factory from a `WebSocket` constructor, by default the global one.
 *
 * @param WebSocketConstructor - constructor to call with `(url, protocol)`.
 * @returns a factory for the `webSocketFactory` option.
 * @throws {ConfigError} when no constructor is given and the runtime has no global `WebSocket`.
 *
 * @example
 * ```ts
 * // Node 20 has no global WebSocket: pass the one from the `ws` package.
 * import { WebSocket } from 'ws';
 * const client = new WebPubSubClient(url, { webSocketFactory: createWebSocketFactory(WebSocket) });
 * ```
 */
export function createWebSocketFactory(WebSocketConstructor?: WebSocketConstructorLike): WebSocketFactory {
  const Constructor = WebSocketConstructor ?? (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket;
  if (typeof Constructor !== 'function') {
    throw new ConfigError(
      'webSocketFactory',
      'This runtime has no global WebSocket. Pass webSocketFactory: createWebSocketFactory(WebSocket) ' +
        "with a constructor such as the one from the 'ws' package, or createFetchWebSocketFactory() on Cloudflare Workers.",
    );
  }

  return (url, protocol) => {
    const socket = new Constructor(url, protocol);
    socket.binaryType = 'arraybuffer';
    return socket;
  };
}
