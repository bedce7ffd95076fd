/**
 * Clients of this package connected to a local emulator over real sockets from `ws`, plus small
 * waiting helpers for the integration tests.
 */
import { WebSocket } from 'ws';
import type { Emulator } from '../../../emulator/server.js';
import {
  WebPubSubClient,
  createWebSocketFactory,
  type WebPubSubClientEventMap,
  type WebPubSubClientEventName,
  type WebPubSubClientOptions,
} from '../../../src/client/index.js';
import { clientToken, clientUrl } from '../../emulator/helpers.js';

/** Socket factory for Node 20, which has no global WebSocket. */
export const nodeWebSocketFactory = createWebSocketFactory(WebSocket);

export interface ClientIdentity {
  userId?: string;
  roles?: string[];
  groups?: string[];
}

/** Returns a fresh client access URL for `hub`, signed for the emulator. */
export async function accessUrl(emulator: Emulator, hub: string, identity: ClientIdentity = {}): Promise<string> {
  return clientUrl(emulator, hub, await clientToken(emulator, hub, identity));
}

/** Creates a client whose credential mints a new token for each connection, and records its events. */
export function createEmulatorClient(
  emulator: Emulator,
  hub: string,
  identity: ClientIdentity = {},
  options: WebPubSubClientOptions = {},
): { client: WebPubSubClient; events: Array<{ name: WebPubSubClientEventName; args: unknown }>; urlRequests: () => number } {
  let requests = 0;
  const client = new WebPubSubClient(
    {
      getClientAccessUrl: async () => {
        requests += 1;
        return accessUrl(emulator, hub, identity);
      },
    },
    { webSocketFactory: nodeWebSocketFactory, ...options },
  );
  const events: Array<{ name: WebPubSubClientEventName; args: unknown }> = [];
  for (const name of ['connected', 'disconnected', 'stopped', 'server-message', 'group-message', 'rejoin-group-failed', 'error'] as const) {
    client.on(name, (args: unknown) => events.push({ name, args }));
  }

  return { client, events, urlRequests: () => requests };
}

/** Resolves with the arguments of the next `name` event, or rejects after `timeoutMs`. */
export function nextEvent<E extends WebPubSubClientEventName>(
  client: WebPubSubClient,
  name: E,
  timeoutMs = 5000,
): Promise<WebPubSubClientEventMap[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(name, listener);
      reject(new Error(`No ${name} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (args: WebPubSubClientEventMap[E]) => {
      clearTimeout(timer);
      client.off(name, listener);
      resolve(args);
    };
    client.on(name, listener);
  });
}

/** Polls `condition` every 10 ms until it holds, or rejects after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Returns the open connection id of the user `userId` in `hub`. */
export function connectionIdOf(emulator: Emulator, hub: string, userId: string): string | undefined {
  return emulator.hooks.connections(hub).find((connection) => connection.userId === userId)?.connectionId;
}

/** A seeded pseudo-random generator (mulberry32) in [0, 1), so that fault points repeat. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
