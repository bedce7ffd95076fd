/**
 * Typed errors thrown by webpubsub-edge.
 *
 * Every error is a `WebPubSubError` with a stable `code`, so callers can `switch (error.code)`.
 * No message ever contains an access key, a JWT or a signature.
 */

/** Stable codes carried by every {@link WebPubSubError}. */
export type WebPubSubErrorCode =
  | 'INVALID_CONFIGURATION'
  | 'INVALID_ARGUMENT'
  | 'REQUEST_FAILED'
  | 'NETWORK_ERROR'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'UNSUPPORTED_API_VERSION'
  | 'INVALID_SIGNATURE'
  | 'EVENT_REJECTED'
  | 'CONNECTION_CLOSED'
  | 'ACK_FAILED'
  | 'INVALID_STATE'
  | 'PROTOCOL_ERROR';

// A registered symbol survives realms (iframes, workerd isolates, duplicated bundles) where
// `instanceof` does not.
const ERROR_BRAND = Symbol.for('webpubsub-edge.error');

/**
 * Base class of every error this package throws.
 *
 * @example
 * ```ts
 * try {
 *   await client.sendToAll({ hello: 'world' });
 * } catch (error) {
 *   if (isWebPubSubError(error)) console.error(error.code, error.message);
 * }
 * ```
 */
export class WebPubSubError extends Error {
  /** Stable machine-readable error code. */
  readonly code: WebPubSubErrorCode;

  /**
   * @param code - stable error code.
   * @param message - human-readable message; must not contain secrets.
   * @param options - standard `ErrorOptions`, for `cause`.
   */
  constructor(code: WebPubSubErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    Object.defineProperty(this, ERROR_BRAND, { value: true });
  }
}

/**
 * Invalid configuration or argument: a connection string, hub name, option or call argument that
 * cannot work. Thrown before anything is sent.
 *
 * @example
 * ```ts
 * try {
 *   new WebPubSubServiceClient('Endpoint=https://x.webpubsub.azure.com', 'chat');
 * } catch (error) {
 *   // error.code === 'INVALID_CONFIGURATION', error.field === 'AccessKey'
 * }
 * ```
 */
export class ConfigError extends WebPubSubError {
  /** Name of the invalid setting or argument, such as `AccessKey` or `hub`. */
  readonly field: string;

  /**
   * @param field - the invalid setting or argument.
   * @param message - what is wrong and how to fix it.
   * @param code - `INVALID_CONFIGURATION` (default) for client setup, `INVALID_ARGUMENT` for a call.
   */
  constructor(
    field: string,
    message: string,
    code: 'INVALID_CONFIGURATION' | 'INVALID_ARGUMENT' | 'UNSUPPORTED_API_VERSION' = 'INVALID_CONFIGURATION',
  ) {
    super(code, message);
    this.field = field;
  }
}

/** The service's error body (`ErrorDetail`), as far as it could be read. */
export interface ServiceErrorDetails {
  /** Service error code, from the body's `code` or the `x-ms-error-code` header. */
  code?: string;
  /** Service error message. */
  message?: string;
  /** The part of the request the error refers to. */
  target?: string;
}

/** Fields of a {@link RestError}. */
export interface RestErrorInit {
  /** HTTP status of the response. */
  status: number;
  /** HTTP method of the request. */
  method: string;
  /** Request URL. It never contains credentials: REST calls authenticate with a header. */
  url: string;
  /** The service's `x-ms-request-id`, for support requests. */
  requestId?: string;
  /** The service's error body. */
  details?: ServiceErrorDetails;
}

/**
 * The service returned a status that is not a success for a REST call.
 * The name mirrors `RestError` of `@azure/core-rest-pipeline`; `statusCode` is an alias of
 * `status` for code written against it.
 *
 * @example
 * ```ts
 * try {
 *   await client.group('room').addUser('alice');
 * } catch (error) {
 *   if (error instanceof RestError && error.status === 404) {
 *     // the user has no connection yet
 *   }
 * }
 * ```
 */
export class RestError extends WebPubSubError {
  /** HTTP status of the response. */
  readonly status: number;
  /** HTTP method of the request. */
  readonly method: string;
  /** Request URL. */
  readonly url: string;
  /** The service's `x-ms-request-id`, if it sent one. */
  readonly requestId: string | undefined;
  /** The service's error body, if it sent one. */
  readonly details: ServiceErrorDetails | undefined;

  /** @param init - response facts; see {@link RestErrorInit}. */
  constructor(init: RestErrorInit) {
    super('REQUEST_FAILED', describeFailure(init));
    this.status = init.status;
    this.method = init.method;
    this.url = init.url;
    this.requestId = init.requestId;
    this.details = init.details;
  }

  /** Alias of {@link RestError.status}, as in `@azure/core-rest-pipeline`. */
  get statusCode(): number {
    return this.status;
  }
}

function describeFailure({ status, method, url, requestId, details }: RestErrorInit): string {
  const path = new URL(url).pathname;
  let message = `${method} ${path} failed with status ${status}`;
  if (details?.code) message += ` (${details.code})`;
  if (details?.message) message += `: ${details.message}`;
  if (requestId) message += ` [request id ${requestId}]`;
  return message;
}

/**
 * The request never produced a response: a network failure, a timeout or an abort.
 *
 * @example
 * ```ts
 * try {
 *   await client.sendToAll({ hello: 'world' }, { timeoutInMs: 5_000 });
 * } catch (error) {
 *   if (error instanceof RequestError && error.code === 'TIMEOUT') {
 *     // no response within 5 s: queue the message and try later
 *   }
 * }
 * ```
 */
export class RequestError extends WebPubSubError {
  /** HTTP method of the request. */
  readonly method: string;
  /** Request URL. */
  readonly url: string;

  /**
   * @param code - `NETWORK_ERROR`, `TIMEOUT` or `ABORTED`.
   * @param init - the request's method and URL.
   * @param options - `cause` carries the underlying error.
   */
  constructor(
    code: 'NETWORK_ERROR' | 'TIMEOUT' | 'ABORTED',
    init: { method: string; url: string },
    options?: ErrorOptions,
  ) {
    const reason = { NETWORK_ERROR: 'network error', TIMEOUT: 'timed out', ABORTED: 'aborted' }[code];
    super(code, `${init.method} ${new URL(init.url).pathname} failed: ${reason}`, options);
    this.method = init.method;
    this.url = init.url;
  }
}

/**
 * Tells whether `value` is an error thrown by this package, also across realms and duplicated
 * copies of the package, where `instanceof` fails.
 *
 * @param value - anything caught.
 * @returns `true` when `value` is a {@link WebPubSubError}.
 *
 * @example
 * ```ts
 * try {
 *   await client.sendToUser('alice', 'hi');
 * } catch (error) {
 *   if (isWebPubSubError(error) && error.code === 'REQUEST_FAILED') {
 *     // the service rejected the call; see error.message
 *   }
 * }
 * ```
 */
export function isWebPubSubError(value: unknown): value is WebPubSubError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[ERROR_BRAND] === true;
}
