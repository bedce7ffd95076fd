/**
 * Options of the service client and its send operations, with their defaults in one place.
 */

import type { MessageContentType } from './content.js';

/** The type of {@link DEFAULTS}. */
export interface ServiceClientDefaults {
  readonly apiVersion: string;
  readonly restTokenLifetimeInSeconds: number;
  readonly maxRetries: number;
  readonly retryDelayInMs: number;
  readonly maxRetryDelayInMs: number;
  readonly retrySendsOnNetworkError: boolean;
  readonly timeoutInMs: number;
  readonly totalTimeoutInMs: number;
  readonly tokenRefreshMarginInMs: number;
}

/**
 * Defaults of {@link WebPubSubServiceClientOptions}, frozen.
 *
 * @example
 * ```ts
 * // Twice the default time per attempt, everything else as it is.
 * new WebPubSubServiceClient(connectionString, 'chat', { timeoutInMs: DEFAULTS.timeoutInMs * 2 });
 * ```
 */
export const DEFAULTS: ServiceClientDefaults = Object.freeze({
  /** Data-plane API version; it covers every operation this client exposes. */
  apiVersion: '2024-12-01',
  /** Lifetime of the bearer JWT of each REST call, in seconds. */
  restTokenLifetimeInSeconds: 3600,
  /** Retries after the first attempt, as in `@azure/core-rest-pipeline` 1.24. */
  maxRetries: 3,
  /** Base of the exponential backoff, as in `@azure/core-rest-pipeline` 1.24. */
  retryDelayInMs: 1000,
  /** Cap of every wait between attempts, as in `@azure/core-rest-pipeline` 1.24. */
  maxRetryDelayInMs: 64_000,
  /** Send operations do not retry after a network error or timeout, which may hide a delivery. */
  retrySendsOnNetworkError: false,
  /** Time limit of each attempt. A REST call normally completes in well under a second. */
  timeoutInMs: 30_000,
  /** Time limit of a whole call, retries and waits included. */
  totalTimeoutInMs: 120_000,
  /** A Microsoft Entra ID token is refreshed this long before it expires. */
  tokenRefreshMarginInMs: 120_000,
});

/**
 * When a failed REST call is sent again. Responses with status 408, 429, 500, 502, 503 and 504
 * are retried, and so are network errors and timed-out attempts of every operation except the
 * sends. The wait honours `Retry-After`, `retry-after-ms` and `x-ms-retry-after-ms`, capped by
 * `maxRetryDelayInMs`; without them it grows exponentially with random jitter.
 *
 * @example
 * ```ts
 * // No retries at all: each send reaches the service at most once.
 * new WebPubSubServiceClient(connectionString, 'chat', { retryOptions: { maxRetries: 0 } });
 * ```
 */
export interface RetryOptions {
  /**
   * Retries after the first attempt. `0` turns retries off.
   * @default 3
   */
  maxRetries?: number;
  /**
   * Base of the exponential backoff in milliseconds: the n-th retry waits up to
   * `retryDelayInMs * 2 ** (n - 1)`, at least half of it.
   * @default 1000
   */
  retryDelayInMs?: number;
  /**
   * Maximum wait between two attempts in milliseconds, also for a server's `Retry-After`.
   * @default 64000
   */
  maxRetryDelayInMs?: number;
  /**
   * Whether `sendToAll`, `sendToUser`, `sendToConnection` and `group().sendToAll` also retry
   * after a network error or a timed-out attempt. Such a request may have been delivered already,
   * so a retry can deliver the message twice.
   * @default false
   */
  retrySendsOnNetworkError?: boolean;
}

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
  /**
   * Data-plane API version sent as `api-version`. Pin an older version only for a service that
   * lacks the newer one. Operations that the pinned version lacks throw `ConfigError` with code
   * `UNSUPPORTED_API_VERSION` before anything is sent.
   * @default '2024-12-01'
   */
  apiVersion?: string;
  /**
   * A reverse proxy, such as Azure API Management, that forwards to the service. Requests go to
   * its host and port; scheme and path stay those of the service URL, as in `@azure/web-pubsub`.
   * Tokens are still issued for the service URL, and client access URLs still point at the
   * service endpoint.
   */
  reverseProxyEndpoint?: string;
  /** Retry policy; see {@link RetryOptions}. */
  retryOptions?: RetryOptions;
  /**
   * Time limit of each attempt in milliseconds, from sending the request to reading the whole
   * response. `0` means no limit.
   * @default 30000
   */
  timeoutInMs?: number;
  /**
   * Time limit of a whole call in milliseconds, all attempts and waits included. A wait that
   * would end after it is skipped and the last error is thrown. `0` means no limit.
   * @default 120000
   */
  totalTimeoutInMs?: number;
}

/** Options common to every operation. */
export interface OperationOptions {
  /** Cancels the call, also while it waits before a retry. */
  abortSignal?: AbortSignal;
  /** Overrides {@link WebPubSubServiceClientOptions.timeoutInMs} for this call. */
  timeoutInMs?: number;
  /** Overrides {@link WebPubSubServiceClientOptions.totalTimeoutInMs} for this call. */
  totalTimeoutInMs?: number;
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
   * to 300. Needs api-version 2024-01-01 or later.
   */
  messageTtlSeconds?: number;
}

/** Options of `sendToAll`. */
export interface HubSendToAllOptions extends SendOptionsBase {
  /** Connection ids that do not receive the message. */
  excludedConnections?: string[];
  /**
   * OData filter over `userId`, `connectionId` and `groups` that selects the receivers; build it
   * with {@link odata}. Needs api-version 2022-11-01 or later.
   */
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
