/**
 * One `request()` around `fetch` for the data-plane REST API: builds the URL, authorizes the exact
 * URL that is sent, and maps failures to typed errors.
 */

import { RequestError, RestError, type ServiceErrorDetails } from '../errors.js';

/** An HTTP method the data plane uses. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/** Query parameters in order; a repeated name is sent once per entry. */
export type QueryEntries = ReadonlyArray<readonly [name: string, value: string]>;

/** What one REST call needs. */
export interface RestRequest {
  method: HttpMethod;
  /** Path below the endpoint, with every segment already encoded, e.g. `api/hubs/chat/:send`. */
  path: string;
  query?: QueryEntries;
  body?: { contentType: string; body: BodyInit };
  abortSignal?: AbortSignal;
}

/** How requests are sent and authorized; one per service client. */
export interface HttpPipeline {
  /** Service endpoint ending with `/`. */
  endpoint: string;
  apiVersion: string;
  fetch: typeof fetch;
  /** Returns the `Authorization` header value for the URL exactly as it is sent. */
  authorize(url: string): Promise<string>;
}

// Bounds how much of an error body is read, so a misbehaving proxy cannot exhaust memory.
const MAX_ERROR_BODY_CHARS = 4096;

/**
 * Encode a path segment as the official SDK does: `encodeURIComponent`, which leaves
 * `! ' ( ) *` as they are.
 */
export function encodePathSegment(value: string): string {
  return encodeURIComponent(value);
}

/**
 * Encode a query value as the official SDK does: RFC 3986 unreserved characters stay, everything
 * else is percent-encoded, `! ' ( ) *` included.
 */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Build the full request URL with `api-version` first, as the official SDK orders it. */
export function buildUrl(pipeline: HttpPipeline, path: string, query: QueryEntries = []): string {
  const entries: QueryEntries = [['api-version', pipeline.apiVersion], ...query];
  const search = entries.map(([name, value]) => `${name}=${encodeQueryValue(value)}`).join('&');
  return new URL(`${pipeline.endpoint}${path}?${search}`).href;
}

/**
 * Send one REST call and return the response when its status is 2xx.
 *
 * @throws {RestError} on a non-2xx status, with the service's error code and message.
 * @throws {RequestError} when no response arrived (network error or abort).
 */
export async function sendRequest(pipeline: HttpPipeline, request: RestRequest): Promise<Response> {
  const url = buildUrl(pipeline, request.path, request.query);
  const headers = new Headers({ authorization: await pipeline.authorize(url) });
  if (request.body) headers.set('content-type', request.body.contentType);
  headers.set('x-ms-client-request-id', crypto.randomUUID());

  let response: Response;
  try {
    response = await pipeline.fetch(url, {
      method: request.method,
      headers,
      body: request.body?.body,
      signal: request.abortSignal,
    });
  } catch (error) {
    const code = request.abortSignal?.aborted ? 'ABORTED' : 'NETWORK_ERROR';
    throw new RequestError(code, { method: request.method, url }, { cause: error });
  }

  if (response.ok) return response;
  throw new RestError({
    status: response.status,
    method: request.method,
    url,
    requestId: response.headers.get('x-ms-request-id') ?? undefined,
    details: await readErrorDetails(response),
  });
}

/** Read the service's `ErrorDetail` body, falling back to plain text and `x-ms-error-code`. */
async function readErrorDetails(response: Response): Promise<ServiceErrorDetails | undefined> {
  const headerCode = response.headers.get('x-ms-error-code') ?? undefined;
  let text = '';
  try {
    text = (await response.text()).slice(0, MAX_ERROR_BODY_CHARS);
  } catch {
    // The body is optional context; the status alone still describes the failure.
  }

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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
