/**
 * Checks of the client's inputs: the credential and the URL it returns, group and event names,
 * ackIds, and content against its data type. Messages never repeat the URL, because its query
 * carries the access token.
 */

import { isArrayBuffer, toArrayBuffer } from '../internal/binary.js';
import { ConfigError, WebPubSubError } from '../errors.js';
import { ConnectionError } from './errors.js';
import type { JSONTypes, WebPubSubDataType } from './messages.js';
import type { WebPubSubClientCredential } from './options.js';

const URL_SCHEMES: ReadonlySet<string> = new Set(['ws:', 'wss:', 'http:', 'https:']);
const DATA_TYPES: ReadonlySet<string> = new Set(['json', 'text', 'binary', 'protobuf']);

/**
 * Turns the constructor's first argument into a credential.
 *
 * @throws {ConfigError} for anything but a valid URL string or an object with `getClientAccessUrl`.
 */
export function toCredential(urlOrCredential: string | WebPubSubClientCredential): WebPubSubClientCredential {
  if (typeof urlOrCredential === 'string') {
    validateClientAccessUrl(urlOrCredential, 'INVALID_CONFIGURATION');
    return { getClientAccessUrl: urlOrCredential };
  }

  const source = (urlOrCredential as Partial<WebPubSubClientCredential> | null)?.getClientAccessUrl;
  if (typeof source === 'string') {
    validateClientAccessUrl(source, 'INVALID_CONFIGURATION');
    return { getClientAccessUrl: source };
  }

  if (typeof source !== 'function') {
    throw new ConfigError(
      'getClientAccessUrl',
      'Pass a client access URL, or an object whose getClientAccessUrl is a URL or a function that returns one.',
    );
  }

  return { getClientAccessUrl: source };
}

/**
 * Returns the URL for a new connection: the fixed one, or a fresh one from the function.
 *
 * @throws {ConfigError} when the function returns something that is not a WebSocket URL.
 * @throws {ConnectionError} when the function fails (`NETWORK_ERROR`) or `signal` aborts (`ABORTED`).
 */
export async function readClientAccessUrl(credential: WebPubSubClientCredential, signal: AbortSignal): Promise<string> {
  if (signal.aborted) {
    throw new ConnectionError('ABORTED', 'The connection attempt was aborted.', { cause: signal.reason });
  }

  const source = credential.getClientAccessUrl;
  if (typeof source === 'string') {
    return source;
  }

  let url: unknown;
  try {
    url = await source({ abortSignal: signal });
  } catch (error) {
    if (signal.aborted) {
      throw new ConnectionError('ABORTED', 'The connection attempt was aborted.', { cause: error });
    }
    if (error instanceof WebPubSubError) throw error;
    throw new ConnectionError('NETWORK_ERROR', 'getClientAccessUrl failed to return a client access URL.', { cause: error });
  }

  if (signal.aborted) {
    throw new ConnectionError('ABORTED', 'The connection attempt was aborted.', { cause: signal.reason });
  }

  validateClientAccessUrl(url, 'INVALID_ARGUMENT');
  return url;
}

function validateClientAccessUrl(url: unknown, code: 'INVALID_CONFIGURATION' | 'INVALID_ARGUMENT'): asserts url is string {
  if (typeof url !== 'string') {
    throw new ConfigError('getClientAccessUrl', `getClientAccessUrl must provide a URL string, got ${typeof url}.`, code);
  }

  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch {
    throw new ConfigError('getClientAccessUrl', 'The client access URL is not a valid absolute URL.', code);
  }

  if (!URL_SCHEMES.has(scheme)) {
    throw new ConfigError('getClientAccessUrl', `The client access URL must use wss:, ws:, https: or http:, got ${scheme}.`, code);
  }
}

/** @throws {ConfigError} unless `name` is a non-empty string. */
export function validateName(field: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ConfigError(field, `${field} must be a non-empty string.`, 'INVALID_ARGUMENT');
  }
}

/** @throws {ConfigError} unless `ackId` is missing or a non-negative safe integer. */
export function validateAckId(ackId: unknown): void {
  if (ackId !== undefined && !(Number.isSafeInteger(ackId) && (ackId as number) >= 0)) {
    throw new ConfigError('ackId', `ackId must be a non-negative integer, got ${String(ackId)}.`, 'INVALID_ARGUMENT');
  }
}

/** @throws {ConfigError} unless `content` fits `dataType`. */
export function validateContent(content: unknown, dataType: unknown): asserts dataType is WebPubSubDataType {
  if (typeof dataType !== 'string' || !DATA_TYPES.has(dataType)) {
    throw new ConfigError('dataType', `dataType must be 'json', 'text', 'binary' or 'protobuf', got ${String(dataType)}.`, 'INVALID_ARGUMENT');
  }

  if (dataType === 'text' && typeof content !== 'string') {
    throw new ConfigError('content', `Content of dataType 'text' must be a string, got ${typeof content}.`, 'INVALID_ARGUMENT');
  }

  const isBytes = isArrayBuffer(content) || ArrayBuffer.isView(content);
  if ((dataType === 'binary' || dataType === 'protobuf') && !isBytes) {
    throw new ConfigError('content', `Content of dataType '${dataType}' must be an ArrayBuffer or a typed array.`, 'INVALID_ARGUMENT');
  }

  if (dataType === 'json' && (content === undefined || typeof content === 'function' || typeof content === 'symbol')) {
    throw new ConfigError('content', `Content of dataType 'json' must be a JSON value, got ${typeof content}.`, 'INVALID_ARGUMENT');
  }
}

/** Content as the message types declare it, after {@link validateContent}. */
export type Content = JSONTypes | ArrayBuffer | ArrayBufferView;

/**
 * Validate `content` for `dataType` and return what goes to the protocol. Bytes become an
 * `ArrayBuffer` of exactly the viewed range, because protocol objects of
 * `@azure/web-pubsub-client` accept only `ArrayBuffer`, and a copy keeps a retry from sending
 * bytes the caller changed after the call.
 *
 * @throws {ConfigError} unless `content` fits `dataType`.
 */
export function prepareContent(content: Content, dataType: WebPubSubDataType): Content {
  validateContent(content, dataType);
  if (dataType === 'binary' || dataType === 'protobuf') return toArrayBuffer(content as ArrayBuffer | ArrayBufferView);
  return content;
}
