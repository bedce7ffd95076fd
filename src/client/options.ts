/**
 * Options of the WebSocket client and its operations, with their defaults in one place. Names
 * and defaults match `@azure/web-pubsub-client` 1.1.0; `webSocketFactory` is new.
 */

import { ConfigError } from '../errors.js';
import { WebPubSubJsonReliableProtocol, type WebPubSubClientProtocol } from './protocols.js';
import { resolveRetryOptions, type ResolvedRetryOptions, type WebPubSubRetryOptions } from './retry.js';
import { createWebSocketFactory, type WebSocketFactory } from './socket.js';

/**
 * Defaults of {@link WebPubSubClientOptions}, the same as in `@azure/web-pubsub-client` 1.1.0.
 *
 * @example
 * ```ts
 * // Ten reconnect attempts, doubling from the default delay.
 * const client = new WebPubSubClient(url, {
 *   reconnectRetryOptions: { ...DEFAULTS.reconnectRetryOptions, maxRetries: 10, mode: 'Exponential' },
 * });
 * ```
 */
export const DEFAULTS: Readonly<{
  autoReconnect: boolean;
  autoRejoinGroups: boolean;
  keepAliveIntervalInMs: number;
  keepAliveTimeoutInMs: number;
  messageRetryOptions: ResolvedRetryOptions;
  reconnectRetryOptions: ResolvedRetryOptions;
}> = Object.freeze({
  autoReconnect: true,
  autoRejoinGroups: true,
  keepAliveIntervalInMs: 20_000,
  keepAliveTimeoutInMs: 120_000,
  messageRetryOptions: Object.freeze({ maxRetries: 3, retryDelayInMs: 1000, maxRetryDelayInMs: 30_000, mode: 'Fixed' }),
  reconnectRetryOptions: Object.freeze({
    maxRetries: Number.MAX_VALUE,
    retryDelayInMs: 1000,
    maxRetryDelayInMs: 30_000,
    mode: 'Fixed',
  }),
});

/** Options of {@link GetClientAccessUrl}. */
export interface GetClientAccessUrlOptions {
  /** Aborts the URL request when `start()` is aborted or the client is stopped. */
  abortSignal?: AbortSignal;
}

/** Returns a fresh client access URL, such as one fetched from the application server. */
export type GetClientAccessUrl = (options?: GetClientAccessUrlOptions) => Promise<string>;

/**
 * Source of the client access URL. A function is called for every new connection, so an expired
 * token is never reused. Recovery of a dropped connection reuses the last URL.
 */
export interface WebPubSubClientCredential {
  /** A fixed URL, or a function that returns a fresh one. */
  getClientAccessUrl: string | GetClientAccessUrl;
}

/** Options of the `WebPubSubClient` constructor. */
export interface WebPubSubClientOptions {
  /**
   * Subprotocol and frame format.
   * @default WebPubSubJsonReliableProtocol()
   */
  protocol?: WebPubSubClientProtocol;
  /**
   * Opens a new connection, with a new URL from the credential, after a connection is lost and
   * cannot be recovered.
   * @default true
   */
  autoReconnect?: boolean;
  /**
   * Joins again, on each new connection, the groups joined with `joinGroup`.
   * @default true
   */
  autoRejoinGroups?: boolean;
  /**
   * Retries of `joinGroup`, `leaveGroup`, `sendToGroup` and `sendEvent` when the connection is
   * not open or drops before the ack. A retry reuses the ackId, so the service reports a
   * `Duplicate` instead of running a frame twice on the same connection. Frames the service
   * rejected are not retried.
   * @default { maxRetries: 3, retryDelayInMs: 1000, maxRetryDelayInMs: 30000, mode: 'Fixed' }
   */
  messageRetryOptions?: WebPubSubRetryOptions;
  /**
   * Retries of opening a new connection after a connection was lost. Every attempt, the first
   * one included, waits its delay. The attempt count carries over across connections that close
   * within 5 seconds of opening, so `mode` and `maxRetries` also pace a server that closes each
   * new connection at once. Each failed attempt is emitted as an `error` event.
   * @default { maxRetries: Number.MAX_VALUE, retryDelayInMs: 1000, maxRetryDelayInMs: 30000, mode: 'Fixed' }
   */
  reconnectRetryOptions?: WebPubSubRetryOptions;
  /**
   * Interval of `ping` frames, in milliseconds; 0 turns pings and the liveness check off.
   * @default 20000
   */
  keepAliveIntervalInMs?: number;
  /**
   * Time without any frame from the service after which the client closes the socket as dead,
   * in milliseconds; 0 turns the check off. It runs only while pings are on, and must be larger
   * than `keepAliveIntervalInMs` (about 3 times is a good ratio).
   * @default 120000
   */
  keepAliveTimeoutInMs?: number;
  /**
   * Opens the WebSocket. Pass `createWebSocketFactory(WebSocket)` with the `ws` package on
   * Node 20, or `createFetchWebSocketFactory()` on Cloudflare Workers.
   * @default createWebSocketFactory() with the global WebSocket
   */
  webSocketFactory?: WebSocketFactory;
}

/** Options of `start`. */
export interface StartOptions {
  /** Aborts the connection attempt; `start()` then rejects with code `ABORTED`. */
  abortSignal?: AbortSignal;
}

/** Options of `joinGroup` and `leaveGroup`. */
export interface JoinGroupOptions {
  /** AckId of the frame; the client generates one when it is missing. */
  ackId?: number;
  /** Stops waiting for the ack and stops retrying. */
  abortSignal?: AbortSignal;
}

/** Options of `leaveGroup`. */
export type LeaveGroupOptions = JoinGroupOptions;

/** Options of `sendEvent`. */
export interface SendEventOptions {
  /** Sends without an ackId and resolves once the frame is written; the service sends no ack. */
  fireAndForget?: boolean;
  /** AckId of the frame; the client generates one when it is missing. */
  ackId?: number;
  /** Stops waiting for the ack and stops retrying. */
  abortSignal?: AbortSignal;
}

/** Options of `sendToGroup`. */
export interface SendToGroupOptions extends SendEventOptions {
  /** Leaves the sender out of the delivery. */
  noEcho?: boolean;
}

/** Outcome of an acknowledged operation. */
export interface WebPubSubResult {
  /** AckId of the frame; missing for a fire-and-forget frame. */
  ackId?: number;
  /** Whether the service had already run a frame with this ackId on this connection. */
  isDuplicated: boolean;
}

/** Options with every default applied and checked. */
export interface ResolvedClientOptions {
  readonly protocol: WebPubSubClientProtocol;
  readonly autoReconnect: boolean;
  readonly autoRejoinGroups: boolean;
  readonly messageRetryOptions: ResolvedRetryOptions;
  readonly reconnectRetryOptions: ResolvedRetryOptions;
  readonly keepAliveIntervalInMs: number;
  readonly keepAliveTimeoutInMs: number;
  readonly webSocketFactory: WebSocketFactory;
}

/**
 * Applies the defaults and validates the options.
 *
 * @throws {ConfigError} for an invalid value, or a protocol that cannot write the keepalive ping.
 */
export function resolveClientOptions(options: WebPubSubClientOptions = {}): ResolvedClientOptions {
  const protocol = options.protocol ?? WebPubSubJsonReliableProtocol();
  validateProtocol(protocol);

  const keepAliveIntervalInMs = readDuration('keepAliveIntervalInMs', options.keepAliveIntervalInMs, DEFAULTS.keepAliveIntervalInMs);
  const keepAliveTimeoutInMs = readDuration('keepAliveTimeoutInMs', options.keepAliveTimeoutInMs, DEFAULTS.keepAliveTimeoutInMs);
  if (keepAliveIntervalInMs > 0 && keepAliveTimeoutInMs > 0 && keepAliveIntervalInMs >= keepAliveTimeoutInMs) {
    throw new ConfigError(
      'keepAliveIntervalInMs',
      `keepAliveIntervalInMs (${keepAliveIntervalInMs}) must be smaller than keepAliveTimeoutInMs (${keepAliveTimeoutInMs}), ` +
        'or the liveness check closes healthy connections between two pings.',
    );
  }

  if (keepAliveIntervalInMs > 0) {
    validatePing(protocol);
  }

  if (options.webSocketFactory !== undefined && typeof options.webSocketFactory !== 'function') {
    throw new ConfigError('webSocketFactory', 'webSocketFactory must be a function that returns a WebSocket.');
  }

  return Object.freeze({
    protocol,
    autoReconnect: options.autoReconnect ?? DEFAULTS.autoReconnect,
    autoRejoinGroups: options.autoRejoinGroups ?? DEFAULTS.autoRejoinGroups,
    messageRetryOptions: resolveRetryOptions('messageRetryOptions', options.messageRetryOptions, DEFAULTS.messageRetryOptions),
    reconnectRetryOptions: resolveRetryOptions('reconnectRetryOptions', options.reconnectRetryOptions, DEFAULTS.reconnectRetryOptions),
    keepAliveIntervalInMs,
    keepAliveTimeoutInMs,
    webSocketFactory: options.webSocketFactory ?? createWebSocketFactory(),
  });
}

function readDuration(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }

  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(field, `${field} must be a finite number of milliseconds, at least 0, got ${String(value)}.`);
  }

  return value;
}

function validateProtocol(protocol: WebPubSubClientProtocol): void {
  const isValid =
    typeof protocol === 'object' &&
    protocol !== null &&
    typeof protocol.name === 'string' &&
    protocol.name !== '' &&
    typeof protocol.isReliableSubProtocol === 'boolean' &&
    typeof protocol.parseMessages === 'function' &&
    typeof protocol.writeMessage === 'function';

  if (!isValid) {
    throw new ConfigError(
      'protocol',
      'protocol must have a non-empty name, a boolean isReliableSubProtocol, and parseMessages and writeMessage functions.',
    );
  }
}

/** Checks at construction that the protocol can write the ping frame that keepalive sends. */
function validatePing(protocol: WebPubSubClientProtocol): void {
  try {
    protocol.writeMessage({ kind: 'ping' });
  } catch {
    throw new ConfigError(
      'protocol',
      `The ${protocol.name} protocol cannot write a ping frame, which keepalive needs. ` +
        'Support the "ping" kind in writeMessage, or set keepAliveIntervalInMs to 0 to turn keepalive off.',
    );
  }
}
