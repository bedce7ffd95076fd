/**
 * One `sendRequest()` around `fetch` for the data-plane REST API: builds the URL, authorizes the
 * exact URL of each attempt, retries what may succeed when sent again, and maps failures to
 * typed errors.
 */

import { ConfigError, RequestError, RestError, type ServiceErrorDetails } from '../errors.js';
import { delay } from './delay.js';
import { computeRetryDelayInMs, isRetryableStatus, type RetrySettings } from './retry.js';
import { startAttemptScope } from './timeout.js';

/** An HTTP method the data plane uses. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/** Query parameters in order; a repeated name is sent once per entry. */
export type QueryEntries = ReadonlyArray<readonly [name: string, value: string]>;

/** The parts of one REST call. */
export interface RestRequest {
  method: HttpMethod;
  /** Path below the endpoint, with every segment already encoded, e.g. `api/hubs/chat/:send`. */
  path?: string;
  query?: QueryEntries;
  /** An absolute URL to call as it is, such as a `nextLink`; replaces `path` and `query`. */
  url?: string;
  body?: { contentType: string; body: BodyInit };
  /** Value of the `Accept` header. */
  accept?: string;
  /**
   * Whether sending the request twice has the same effect as sending it once. Requests that are
   * not idempotent retry after a network error or timeout only when the settings allow it.
   */
  idempotent: boolean;
  /** Error statuses that are returned instead of thrown, such as 404 of an existence check. */
  returnedErrorStatuses?: readonly number[];
  abortSignal?: AbortSignal;
  /** Overrides {@link HttpPipeline.timeoutInMs} for this call. */
  timeoutInMs?: number;
  /** Overrides {@link HttpPipeline.totalTimeoutInMs} for this call. */
  totalTimeoutInMs?: number;
}

/** A response whose body has been read. */
export interface RestResponse {
  /** The URL the response came from, after any reverse-proxy rewrite. */
  url: string;
  status: number;
  headers: Headers;
  bodyText: string;
}

/** The settings that send and authorize requests, one set per service client. */
export interface HttpPipeline {
  /** Service endpoint ending with `/`. */
  endpoint: string;
  apiVersion: string;
  fetch: typeof fetch;
  /**
   * Returns the `Authorization` header value for a request to `url`, the service URL before any
   * reverse-proxy rewrite. Called once per attempt.
   */
  authorize(url: string, signal: AbortSignal): Promise<string>;
  /** `host[:port]` that requests go to instead of the endpoint's, for a reverse proxy. */
  proxyHost?: string;
  userAgent: string;
  retry: RetrySettings;
  /** Time limit of each attempt in milliseconds; 0 means none. */
  timeoutInMs: number;
  /** Time limit of the whole call, waits included, in milliseconds; 0 means none. */
  totalTimeoutInMs: number;
}

// Bounds how much of an error body is kept, so a misbehaving proxy cannot fill an error message.
const MAX_ERROR_BODY_CHARS = 4096;

/**
 * Encode a path segment as the official SDK does: `encodeURIComponent`, which leaves
 * `! ' ( ) *` as they are.
 *
 * @param field - the argument the segment comes from, named in the error.
 * @throws {ConfigError} for `.` and `..`, which URL parsing resolves as relative segments, so a
 * send to the user `..` would become a send to the whole hub.
 */
export function encodePathSegment(value: string, field: string): string {
  if (value === '.' || value === '..') {
    throw new ConfigError(
      field,
      `The ${field} ${JSON.stringify(value)} cannot be used: URLs read it as a relative path segment, so the call would reach another resource. Use another ${field}.`,
      'INVALID_ARGUMENT',
    );
  }
  return encodeURIComponent(value);
}

/**
 * Encode a query value as the official SDK does: `encodeURIComponent`, and `'` as `%27`, because
 * OData string literals are quoted with it. `! ( ) *` stay as they are.
 */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/'/g, '%27');
}

/** Build the full request URL with `api-version` first, as the official SDK orders it. */
export function buildUrl(pipeline: Pick<HttpPipeline, 'endpoint' | 'apiVersion'>, path: string, query: QueryEntries = []): string {
  const entries: QueryEntries = [['api-version', pipeline.apiVersion], ...query];
  const search = entries.map(([name, value]) => `${name}=${encodeQueryValue(value)}`).join('&');
  return new URL(`${pipeline.endpoint}${path}?${search}`).href;
}

/**
 * Point `url` at the reverse proxy: only the host and port change, as in `@azure/web-pubsub`,
 * so the scheme and path of the service URL are kept.
 */
export function applyProxyHost(url: string, proxyHost: string | undefined): string {
  if (proxyHost === undefined) return url;
  const proxied = new URL(url);
  proxied.host = proxyHost;
  return proxied.href;
}

/**
 * Send one REST call, with retries, and return the response when its status is 2xx or listed in
 * `returnedErrorStatuses`.
 *
 * @throws {RestError} on any other status, once retries are exhausted or not allowed.
 * @throws {RequestError} when no response arrived: `NETWORK_ERROR`, `TIMEOUT` or `ABORTED`.
 */
export async function sendRequest(pipeline: HttpPipeline, request: RestRequest): Promise<RestResponse> {
  const url = request.url ?? buildUrl(pipeline, request.path ?? '', request.query);
  const sentUrl = applyProxyHost(url, pipeline.proxyHost);
  const clientRequestId = crypto.randomUUID();
  const totalTimeoutInMs = request.totalTimeoutInMs ?? pipeline.totalTimeoutInMs;
  const deadline = totalTimeoutInMs > 0 ? Date.now() + totalTimeoutInMs : Infinity;
  const { retry } = pipeline;

  for (let retryCount = 0; ; retryCount++) {
    const outcome = await sendAttempt(pipeline, request, { url, sentUrl, clientRequestId, deadline });

    if ('response' in outcome) {
      const { response } = outcome;
      if (isSuccess(response.status) || request.returnedErrorStatuses?.includes(response.status)) return response;

      const error = toRestError(request.method, sentUrl, response);
      if (retryCount >= retry.maxRetries || !isRetryableStatus(response.status)) throw error;
      await waitBeforeRetry(request, sentUrl, retryCount, response.headers, retry, deadline, error);
      continue;
    }

    const { error } = outcome;
    const mayRetry = request.idempotent || retry.retrySendsOnNetworkError;
    const isDeadlinePassed = Date.now() >= deadline;
    if (error.code === 'ABORTED' || isDeadlinePassed || !mayRetry || retryCount >= retry.maxRetries) throw error;
    await waitBeforeRetry(request, sentUrl, retryCount, undefined, retry, deadline, error);
  }
}

interface AttemptTarget {
  /** The service URL, which the authorization covers. */
  url: string;
  /** The URL fetched: `url`, or `url` on the reverse proxy's host. */
  sentUrl: string;
  clientRequestId: string;
  deadline: number;
}

type AttemptOutcome = { response: RestResponse } | { error: RequestError };

/** Run one attempt: authorize, fetch and read the body, all within the attempt's time limit. */
async function sendAttempt(pipeline: HttpPipeline, request: RestRequest, target: AttemptTarget): Promise<AttemptOutcome> {
  const perAttempt = request.timeoutInMs ?? pipeline.timeoutInMs;
  const timeLeft = Math.min(perAttempt > 0 ? perAttempt : Infinity, target.deadline - Date.now());
  const scope = startAttemptScope(request.abortSignal, Math.max(0, timeLeft));
  const requestInfo = { method: request.method, url: target.sentUrl };

  try {
    let authorization: string;
    try {
      authorization = await pipeline.authorize(target.url, scope.signal);
    } catch (error) {
      // A credential that gave up because the attempt was cut short is reported as that cause.
      const cause = scope.stopCause();
      if (cause !== undefined) return { error: new RequestError(cause, requestInfo, { cause: error }) };
      throw error;
    }

    const headers = new Headers({
      authorization,
      'x-ms-client-request-id': target.clientRequestId,
      'user-agent': pipeline.userAgent,
      'x-ms-useragent': pipeline.userAgent,
    });
    if (request.body) headers.set('content-type', request.body.contentType);
    if (request.accept) headers.set('accept', request.accept);

    try {
      const response = await pipeline.fetch(target.sentUrl, {
        method: request.method,
        headers,
        body: request.body?.body,
        signal: scope.signal,
      });
      // Reading the body inside the attempt puts a stalled body under the same time limit.
      const bodyText = await response.text();
      return { response: { url: target.sentUrl, status: response.status, headers: response.headers, bodyText } };
    } catch (error) {
      return { error: new RequestError(scope.stopCause() ?? 'NETWORK_ERROR', requestInfo, { cause: error }) };
    }
  } finally {
    scope.dispose();
  }
}

/**
 * Wait before the next attempt, or throw `lastError` when the wait would pass the deadline.
 *
 * @throws {RequestError} with code `ABORTED` when the caller aborts during the wait.
 */
async function waitBeforeRetry(
  request: RestRequest,
  sentUrl: string,
  retryCount: number,
  headers: Headers | undefined,
  retry: RetrySettings,
  deadline: number,
  lastError: Error,
): Promise<void> {
  const waitInMs = computeRetryDelayInMs(retryCount, headers, retry);
  if (Date.now() + waitInMs >= deadline) throw lastError;

  try {
    await delay(waitInMs, request.abortSignal);
  } catch (reason) {
    throw new RequestError('ABORTED', { method: request.method, url: sentUrl }, { cause: reason });
  }
}

// A compact JWS (three base64url parts, the first starting with the encoded `{"`), or the value
// of a `Bearer` or `SharedAccessSignature` credential.
const CREDENTIAL_PATTERN = /eyJ[\w-]*\.[\w-]*\.[\w-]*|\b(Bearer|SharedAccessSignature)\s+[^\s"',;]+/gi;

/** Replace tokens in text that is copied into an error. */
export function redactCredentials(text: string): string {
  return text.replace(CREDENTIAL_PATTERN, (match, scheme: string | undefined) => (scheme ? `${scheme} <redacted>` : '<redacted-jwt>'));
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

function toRestError(method: string, url: string, response: RestResponse): RestError {
  return new RestError({
    status: response.status,
    method,
    url,
    requestId: response.headers.get('x-ms-request-id') ?? undefined,
    details: readErrorDetails(response),
  });
}

/** Read the service's `ErrorDetail` body, falling back to plain text and `x-ms-error-code`. */
function readErrorDetails(response: RestResponse): ServiceErrorDetails | undefined {
  const headerCode = response.headers.get('x-ms-error-code') ?? undefined;
  // A proxy that echoes the request would otherwise put the bearer token into the error.
  const text = redactCredentials(response.bodyText.slice(0, MAX_ERROR_BODY_CHARS));

  const details: ServiceErrorDetails = { code: headerCode };
  if (text.trim() !== '') {
    const parsed = parseJson(text);
    const body = (parsed as { error?: unknown })?.error ?? parsed;
    if (body && typeof body === 'object') {
      const { code, message, target } = body as Record<string, unknown>;
      if (typeof code === 'string') details.code ??= code;
      if (typeof message === 'string') details.message = message;
      if (typeof target === 'string') details.target = target;
    } else {
      details.message = text.trim();
    }
  }
  return details.code || details.message ? details : undefined;
}

/** Parse JSON text, returning `undefined` instead of throwing. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
