/**
 * Options of the service client and its operations, with their defaults in one place.
 */

import type { MessageContentType } from './content.js';

/** Defaults of {@link WebPubSubServiceClientOptions}. */
export const DEFAULTS: Readonly<{ apiVersion: string; restTokenLifetimeInSeconds: number }> = Object.freeze({
  /** Data-plane API version; it covers every operation this client exposes. */
  apiVersion: '2024-12-01',
  /** Lifetime of the bearer JWT of each REST call, in seconds. */
  restTokenLifetimeInSeconds: 3600,
});

/** Options of the {@link WebPubSubServiceClient} constructor. */
export interface WebPubSubServiceClientOptions {
  /**
   * The `fetch` to send requests with. Pass a bound or instrumented `fetch` to log, trace or
   * route requests.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /**
   * Allows an `http:` endpoint on a host other than loopback. Loopback endpoints
   * (`127.0.0.1`, `::1`, `localhost`), such as the local emulator, are always allowed; elsewhere
   * plain HTTP would expose the short-lived bearer tokens.
   * @default false
   */
  allowInsecureConnection?: boolean;
}

/** Options common to every operation. */
export interface OperationOptions {
  /** Cancels the call. */
  abortSignal?: AbortSignal;
}

/** Options common to the send operations. */
export interface SendOptionsBase extends OperationOptions {
  /**
   * `text/plain` sends a string as text. Without it, strings and objects go as JSON and
   * `ArrayBuffer`, typed arrays and `Blob` as `application/octet-stream`.
   */
  contentType?: MessageContentType;
  /**
   * Seconds the service keeps the message for a client that is not ready yet: 0 (never expires)
   * to 300.
   */
  messageTtlSeconds?: number;
}

/** Options of `sendToAll`. */
export interface HubSendToAllOptions extends SendOptionsBase {
  /** Connection ids that do not receive the message. */
  excludedConnections?: string[];
  /** OData filter over `userId`, `connectionId` and `groups` that selects the receivers. */
  filter?: string;
}

/** Options of `sendToUser`. */
export interface HubSendToUserOptions extends SendOptionsBase {
  /** OData filter over `userId`, `connectionId` and `groups` that selects the receivers. */
  filter?: string;
}

/** Options of `sendToConnection`. */
export type HubSendToConnectionOptions = SendOptionsBase;

/** Options of `group(name).sendToAll`. */
export interface GroupSendToAllOptions extends SendOptionsBase {
  /** Connection ids that do not receive the message. */
  excludedConnections?: string[];
  /** OData filter over `userId`, `connectionId` and `groups` that selects the receivers. */
  filter?: string;
}
