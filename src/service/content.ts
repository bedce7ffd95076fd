/**
 * Encoding of messages into REST request bodies, by the rules of `@azure/web-pubsub`: text only
 * when requested, bytes as `application/octet-stream`, and everything else as JSON.
 */

import { ConfigError } from '../errors.js';
import { isBinary } from '../internal/binary.js';

/** Content types that the send operations accept. */
export type MessageContentType = 'application/json' | 'application/octet-stream' | 'text/plain';

/** A message body ready for `fetch`. */
export interface EncodedMessage {
  contentType: MessageContentType;
  /** The body for `fetch`; bytes are passed through unchanged. */
  body: BodyInit;
}

/**
 * Encodes `message` for a send operation.
 *
 * - `contentType: 'text/plain'`: the message must be a string and is sent as text.
 * - `ArrayBuffer`, typed arrays, `DataView` and `Blob`: sent unchanged as `application/octet-stream`.
 * - Anything else, strings included: `JSON.stringify` as `application/json`, so a bare string
 *   arrives at JSON clients as a JSON string.
 */
export function encodeMessage(message: unknown, contentType?: string): EncodedMessage {
  if (contentType !== undefined && contentType !== 'text/plain' && contentType !== 'application/json' && contentType !== 'application/octet-stream') {
    throw new ConfigError(
      'contentType',
      `The content type ${JSON.stringify(contentType)} is not supported. Use "text/plain", "application/json" or "application/octet-stream".`,
      'INVALID_ARGUMENT',
    );
  }

  if (contentType === 'text/plain') {
    if (typeof message !== 'string') {
      throw new ConfigError('message', `With contentType "text/plain" the message must be a string, not ${describeType(message)}.`, 'INVALID_ARGUMENT');
    }
    return { contentType, body: message };
  }

  if (isBinary(message)) {
    if (contentType === 'application/json') {
      throw new ConfigError('message', `With contentType "application/json" the message must not be ${describeType(message)}. Omit contentType to send bytes.`, 'INVALID_ARGUMENT');
    }
    // A view over a SharedArrayBuffer is rejected by fetch itself with a clear TypeError.
    return { contentType: 'application/octet-stream', body: message as BodyInit };
  }

  if (contentType === 'application/octet-stream') {
    throw new ConfigError('message', `With contentType "application/octet-stream" the message must be an ArrayBuffer, a typed array or a Blob, not ${describeType(message)}.`, 'INVALID_ARGUMENT');
  }

  let json: string | undefined;
  try {
    json = JSON.stringify(message);
  } catch (error) {
    throw new ConfigError('message', `The message cannot be serialized as JSON (${(error as Error).message}).`, 'INVALID_ARGUMENT');
  }
  if (json === undefined) {
    throw new ConfigError('message', `The message ${describeType(message)} cannot be serialized as JSON. Pass a string, an object, an array, a number, a boolean, null or bytes.`, 'INVALID_ARGUMENT');
  }
  return { contentType: 'application/json', body: json };
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `a ${(value as object).constructor?.name ?? 'object'}`;
  return `a ${typeof value}`;
}
