/**
 * Outbound WebSockets on Cloudflare Workers: an upgrade request sent with `fetch`, whose
 * response carries the socket (Cloudflare docs, "Use WebSockets", section "Connect to WebSocket
 * servers from a Worker"). Workers need `http:`/`https:` URLs in that request, not `ws:`/`wss:`.
 */

import { ConnectionError } from './errors.js';
import type { WebSocketFactory, WebSocketLike } from './socket.js';

/** Options of {@link createFetchWebSocketFactory}. */
export interface FetchWebSocketFactoryOptions {
  /**
   * The `fetch` that sends the upgrade request, such as a service binding's `fetch`.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
}

/** A socket as a Workers upgrade response carries it, before `accept()`. */
interface AcceptableWebSocket extends WebSocketLike {
  accept(): void;
}

/**
 * Creates a socket factory that opens each socket with a `fetch` upgrade request, for
 * Cloudflare Workers and Durable Objects. The request carries `Upgrade: websocket` and the
 * subprotocol in `Sec-WebSocket-Protocol`, and the factory calls `accept()` on the socket.
 *
 * Note: local tooling may leave `socket.protocol` empty even when the service chose the
 * subprotocol. The client does not rely on it: the service's `connected` message confirms the
 * subprotocol.
 *
 * @param options - the `fetch` to use.
 * @returns a factory for the `webSocketFactory` option.
 *
 * @example
 * ```ts
 * export default {
 *   async fetch(request: Request, env: Env) {
 *     const client = new WebPubSubClient(env.CLIENT_URL, { webSocketFactory: createFetchWebSocketFactory() });
 *     await client.start();
 *     await client.sendEvent('ping', { at: Date.now() }, 'json');
 *     client.stop();
 *     return new Response('sent');
 *   },
 * };
 * ```
 */
export function createFetchWebSocketFactory(options: FetchWebSocketFactoryOptions = {}): WebSocketFactory {
  return async (url, protocol, { abortSignal }) => {
    const fetchFunction = options.fetch ?? globalThis.fetch;
    const requestUrl = toHttpUrl(url);

    // workerd ties an upgraded socket to the signal of its request, so the caller's signal,
    // which may abort long after the upgrade (such as on stop()), only guards the request itself.
    const requestController = new AbortController();
    const onAbort = () => requestController.abort(abortSignal?.reason);
    if (abortSignal?.aborted) onAbort();
    abortSignal?.addEventListener('abort', onAbort, { once: true });

    let response: Response;
    try {
      response = await fetchFunction(requestUrl, {
        headers: { Upgrade: 'websocket', 'Sec-WebSocket-Protocol': protocol },
        signal: requestController.signal,
      });
    } catch (error) {
      const code = abortSignal?.aborted ? 'ABORTED' : 'NETWORK_ERROR';
      throw new ConnectionError(code, 'The WebSocket upgrade request failed.', { cause: error });
    } finally {
      abortSignal?.removeEventListener('abort', onAbort);
    }

    const socket = (response as Response & { webSocket?: AcceptableWebSocket | null }).webSocket;
    if (response.status !== 101 || !socket) {
      await response.body?.cancel();
      throw new ConnectionError('CONNECTION_CLOSED', `The service rejected the WebSocket upgrade with HTTP ${response.status}.`, {
        status: response.status,
      });
    }

    socket.accept();
    return socket;
  };
}

/** Rewrites `wss:` to `https:` and `ws:` to `http:`; other URLs pass unchanged. */
function toHttpUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol === 'wss:') {
    parsed.protocol = 'https:';
  } else if (parsed.protocol === 'ws:') {
    parsed.protocol = 'http:';
  }

  return parsed.href;
}
