/**
 * The JSON subprotocols `json.webpubsub.azure.v1` and `json.reliable.webpubsub.azure.v1`
 * (Azure docs reference-json-webpubsub-subprotocol and reference-json-reliable-webpubsub-subprotocol).
 * Binary and protobuf content travels as standard base64 inside the JSON text.
 */

import { decodeBase64, encodeBase64 } from '../internal/base64.js';
import { isArrayBuffer } from '../internal/binary.js';
import type {
  GroupDataMessage,
  JSONTypes,
  ServerDataMessage,
  WebPubSubDataType,
  WebPubSubMessage,
} from './messages.js';

/**
 * A client subprotocol: its WebSocket subprotocol name and how messages map to frames. The shape
 * matches `WebPubSubClientProtocol` of `@azure/web-pubsub-client`, so its protocol objects work
 * here too.
 */
export interface WebPubSubClientProtocol {
  /** WebSocket subprotocol name offered in the upgrade request. */
  readonly name: string;
  /** Whether the subprotocol numbers messages and supports connection recovery. */
  readonly isReliableSubProtocol: boolean;
  /**
   * Parses one WebSocket frame. Returns `null` (or an empty array) for a frame to ignore, and
   * throws for a frame it cannot read.
   */
  parseMessages(input: string | ArrayBuffer): WebPubSubMessage[] | WebPubSubMessage | null;
  /** Serializes one message into a frame. Throws for a message kind it does not support. */
  writeMessage(message: WebPubSubMessage): string | ArrayBuffer;
}

const JSON_PROTOCOL_NAME = 'json.webpubsub.azure.v1';
const RELIABLE_JSON_PROTOCOL_NAME = 'json.reliable.webpubsub.azure.v1';
const DATA_TYPES: ReadonlySet<string> = new Set(['json', 'text', 'binary', 'protobuf']);

const decoder = new TextDecoder();

/**
 * Returns the `json.webpubsub.azure.v1` subprotocol: no sequence ids and no recovery, so
 * messages sent while the connection is down are lost.
 *
 * @returns a frozen protocol object.
 *
 * @example
 * ```ts
 * const client = new WebPubSubClient(url, { protocol: WebPubSubJsonProtocol() });
 * ```
 */
export function WebPubSubJsonProtocol(): WebPubSubClientProtocol {
  return Object.freeze({
    name: JSON_PROTOCOL_NAME,
    isReliableSubProtocol: false,
    parseMessages: parseJsonFrame,
    writeMessage: writeJsonFrame,
  });
}

/**
 * Returns the `json.reliable.webpubsub.azure.v1` subprotocol, the client's default: messages carry
 * sequence ids, the client acknowledges them, and a dropped connection is recovered with the
 * messages the service buffered.
 *
 * @returns a frozen protocol object.
 *
 * @example
 * ```ts
 * const client = new WebPubSubClient(url, { protocol: WebPubSubJsonReliableProtocol() });
 * ```
 */
export function WebPubSubJsonReliableProtocol(): WebPubSubClientProtocol {
  return Object.freeze({
    name: RELIABLE_JSON_PROTOCOL_NAME,
    isReliableSubProtocol: true,
    parseMessages: parseJsonFrame,
    writeMessage: writeJsonFrame,
  });
}

/** Parses a JSON frame. Unknown frame types and data types are ignored for forward compatibility. */
function parseJsonFrame(input: string | ArrayBuffer): WebPubSubMessage | null {
  const text = typeof input === 'string' ? input : decoder.decode(input);
  const frame: unknown = JSON.parse(text);
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    throw new TypeError('A frame from the service is not a JSON object.');
  }

  const fields = frame as Record<string, unknown>;
  switch (fields.type) {
    case 'ack':
      return parseAck(fields);
    case 'pong':
      return { kind: 'pong' };
    case 'system':
      return parseSystem(fields);
    case 'message':
      return parseData(fields);
    default:
      return null;
  }
}

function parseAck(fields: Record<string, unknown>): WebPubSubMessage {
  const { ackId, success, error } = fields;
  if (typeof ackId !== 'number' || typeof success !== 'boolean') {
    throw new TypeError('An ack frame needs a numeric "ackId" and a boolean "success".');
  }

  if (success || typeof error !== 'object' || error === null) {
    return { kind: 'ack', ackId, success };
  }

  const { name, message } = error as Record<string, unknown>;
  return {
    kind: 'ack',
    ackId,
    success,
    error: { name: String(name ?? ''), message: String(message ?? '') },
  };
}

function parseSystem(fields: Record<string, unknown>): WebPubSubMessage | null {
  if (fields.event === 'connected') {
    if (typeof fields.connectionId !== 'string') {
      throw new TypeError('A connected frame needs a "connectionId" string.');
    }

    const connected = {
      kind: 'connected' as const,
      connectionId: fields.connectionId,
      userId: typeof fields.userId === 'string' ? fields.userId : '',
    };
    return typeof fields.reconnectionToken === 'string'
      ? { ...connected, reconnectionToken: fields.reconnectionToken }
      : connected;
  }

  if (fields.event === 'disconnected') {
    return { kind: 'disconnected', message: typeof fields.message === 'string' ? fields.message : '' };
  }

  return null;
}

function parseData(fields: Record<string, unknown>): GroupDataMessage | ServerDataMessage | null {
  const dataType = fields.dataType ?? 'json';
  if (typeof dataType !== 'string' || !DATA_TYPES.has(dataType)) {
    return null;
  }

  const data = decodeData(dataType as WebPubSubDataType, fields.data);
  const sequenceId = typeof fields.sequenceId === 'number' ? fields.sequenceId : undefined;
  const content = { dataType: dataType as WebPubSubDataType, data, ...(sequenceId === undefined ? {} : { sequenceId }) };

  if (fields.from === 'server') {
    return { kind: 'serverData', ...content };
  }

  if (fields.from === 'group') {
    if (typeof fields.group !== 'string') {
      throw new TypeError('A group message needs a "group" string.');
    }
    const fromUserId = typeof fields.fromUserId === 'string' ? fields.fromUserId : '';
    return { kind: 'groupData', ...content, group: fields.group, fromUserId };
  }

  return null;
}

function decodeData(dataType: WebPubSubDataType, data: unknown): JSONTypes | ArrayBuffer {
  if (dataType === 'binary' || dataType === 'protobuf') {
    if (typeof data !== 'string') {
      throw new TypeError(`A ${dataType} message needs base64 text in "data".`);
    }
    return decodeBase64(data).buffer;
  }

  if (dataType === 'text' && typeof data !== 'string') {
    throw new TypeError('A text message needs a string in "data".');
  }

  return data as JSONTypes;
}

/** Serializes a client-to-service message as a JSON frame. */
function writeJsonFrame(message: WebPubSubMessage): string {
  switch (message.kind) {
    case 'joinGroup':
    case 'leaveGroup':
      return JSON.stringify({ type: message.kind, group: message.group, ackId: message.ackId });
    case 'sendToGroup':
      return JSON.stringify({
        type: 'sendToGroup',
        group: message.group,
        ackId: message.ackId,
        noEcho: message.noEcho,
        dataType: message.dataType,
        data: encodeData(message.dataType, message.data),
      });
    case 'sendEvent':
      return JSON.stringify({
        type: 'event',
        event: message.event,
        ackId: message.ackId,
        dataType: message.dataType,
        data: encodeData(message.dataType, message.data),
      });
    case 'sequenceAck':
      return JSON.stringify({ type: 'sequenceAck', sequenceId: message.sequenceId });
    case 'ping':
      return JSON.stringify({ type: 'ping' });
    default:
      throw new TypeError(`The JSON subprotocol cannot write a "${message.kind}" message.`);
  }
}

function encodeData(dataType: WebPubSubDataType, data: JSONTypes | ArrayBuffer | ArrayBufferView): unknown {
  if (dataType === 'binary' || dataType === 'protobuf') {
    return encodeBase64(toBytes(data));
  }

  return data;
}

/** Views an `ArrayBuffer` or typed array as bytes without copying. */
export function toBytes(data: unknown): Uint8Array {
  if (isArrayBuffer(data)) {
    return new Uint8Array(data);
  }

  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }

  throw new TypeError('Binary content must be an ArrayBuffer or a typed array.');
}
