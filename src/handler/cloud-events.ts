/**
 * Reading of the service's event requests: CloudEvents in binary mode, with the attributes in
 * `ce-*` headers and the event data in the body
 * (https://learn.microsoft.com/azure/azure-web-pubsub/reference-cloud-events,
 * https://github.com/cloudevents/spec/blob/main/cloudevents/bindings/http-protocol-binding.md).
 *
 * Every reader throws an `EventHandlerError` with status 400 for a malformed request, or 413 for
 * a body over the limit, and the message becomes the response text.
 */

import { decodeConnectionState } from './connection-state.js';
import { EventHandlerError } from './errors.js';
import type { ConnectionContext, WebPubSubDataType } from './types.js';

const SYSTEM_EVENT_PREFIX = 'azure.webpubsub.sys.';
const USER_EVENT_PREFIX = 'azure.webpubsub.user.';
const DATA_TYPES: Readonly<Record<string, WebPubSubDataType>> = Object.freeze({
  'text/plain': 'text',
  'application/json': 'json',
  'application/octet-stream': 'binary',
});

/** Event kinds the handler dispatches, from `ce-type`. */
export type EventKind = 'connect' | 'connected' | 'disconnected' | 'user' | 'unknown-system';

/** Event kind and name read from `ce-type` and `ce-eventName`. */
export interface EventType {
  /** Kind that selects the callback. */
  kind: EventKind;
  /** Event name: `ce-eventName`, or the last part of `ce-type` when that header is missing. */
  eventName: string;
}

/** Decoded body of a user event. */
export type UserEventData =
  | { dataType: 'text'; data: string }
  | { dataType: 'json'; data: unknown }
  | { dataType: 'binary'; data: Uint8Array };

/**
 * Tell whether a POST comes from Web PubSub: the service sends `ce-awpsversion` and
 * `WebHook-Request-Origin` with every event.
 */
export function isServiceEventRequest(headers: Headers): boolean {
  return headers.has('ce-awpsversion') && headers.has('WebHook-Request-Origin');
}

/** Read `ce-connectionId`, which the signature covers. */
export function readConnectionId(headers: Headers): string {
  return requireHeader(headers, 'ce-connectionId');
}

/** Read the event kind from `ce-type` and the event name from `ce-eventName`. */
export function readEventType(headers: Headers): EventType {
  const type = requireHeader(headers, 'ce-type');
  const eventName = headers.get('ce-eventName')?.trim();

  if (type.startsWith(USER_EVENT_PREFIX) && type.length > USER_EVENT_PREFIX.length) {
    return { kind: 'user', eventName: eventName || type.slice(USER_EVENT_PREFIX.length) };
  }

  if (type.startsWith(SYSTEM_EVENT_PREFIX) && type.length > SYSTEM_EVENT_PREFIX.length) {
    const name = type.slice(SYSTEM_EVENT_PREFIX.length);
    const isKnown = name === 'connect' || name === 'connected' || name === 'disconnected';
    const kind: EventKind = isKnown ? name : 'unknown-system';
    return { kind, eventName: eventName || name };
  }

  throw new EventHandlerError(
    400,
    `Unsupported ce-type ${JSON.stringify(type)}: expected an azure.webpubsub event type.`,
  );
}

/**
 * Build the connection context of an event from its headers.
 *
 * @param connectionId - the value from {@link readConnectionId}.
 * @param eventName - the value from {@link readEventType}.
 */
export function readConnectionContext(
  headers: Headers,
  connectionId: string,
  eventName: string,
): ConnectionContext {
  const context: ConnectionContext = {
    hub: requireHeader(headers, 'ce-hub'),
    connectionId,
    eventName,
    origin: headers.get('WebHook-Request-Origin') ?? '',
    states: decodeConnectionState(headers.get('ce-connectionState')),
    clientProtocol: 'default',
  };

  const userId = headers.get('ce-userId');
  if (userId !== null && userId !== '') context.userId = userId;

  const subprotocol = headers.get('ce-subprotocol');
  if (subprotocol !== null && subprotocol !== '') context.subprotocol = subprotocol;

  const signature = headers.get('ce-signature');
  if (signature !== null) context.signature = signature;

  const physicalConnectionId = headers.get('ce-physicalConnectionId');
  if (subprotocol?.toLowerCase().includes('mqtt') && physicalConnectionId) {
    context.clientProtocol = 'mqtt';
    context.mqtt = { physicalConnectionId };
    const sessionId = headers.get('ce-sessionId');
    if (sessionId) context.mqtt.sessionId = sessionId;
  }

  return context;
}

/**
 * Read the whole body, or reject it with 413 once it exceeds `maxBytes`. `Content-Length` is
 * checked first, and the bytes are counted while reading, because a chunked body has no length.
 */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declaredLength = Number(request.headers.get('Content-Length') ?? '');
  if (Number.isFinite(declaredLength) && declaredLength > maxBytes) {
    throw tooLarge(maxBytes);
  }

  if (request.body === null) return new Uint8Array(0);

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;

    length += value.byteLength;
    if (length > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }

    chunks.push(value);
  }

  const body = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }

  return body;
}

/**
 * Parse a system event body as a JSON object. An empty body gives an empty object.
 *
 * @param eventName - named in the error message.
 */
export function parseJsonObject(body: Uint8Array, eventName: string): Record<string, unknown> {
  if (body.byteLength === 0) return {};

  const value = parseJson(decodeUtf8(body, eventName), eventName);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EventHandlerError(400, `Invalid ${eventName} event body: expected a JSON object.`);
  }

  return value as Record<string, unknown>;
}

/**
 * Decode a user event body by its `Content-Type` (parameters ignored): `text/plain` as a string,
 * `application/json` as a parsed value, `application/octet-stream` as bytes.
 */
export function decodeUserEventData(
  body: Uint8Array,
  contentType: string | null,
  eventName: string,
): UserEventData {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const dataType: WebPubSubDataType | undefined = DATA_TYPES[mediaType];

  switch (dataType) {
    case 'text':
      return { dataType, data: decodeUtf8(body, eventName) };
    case 'json':
      return { dataType, data: parseJson(decodeUtf8(body, eventName), eventName) };
    case 'binary':
      return { dataType, data: body };
    default:
      throw new EventHandlerError(
        400,
        `Unsupported Content-Type ${JSON.stringify(contentType ?? '')} for a user event: use text/plain, application/json or application/octet-stream.`,
      );
  }
}

function requireHeader(headers: Headers, name: string): string {
  const value = headers.get(name)?.trim();
  if (!value) throw new EventHandlerError(400, `Missing ${name} header.`);

  return value;
}

function decodeUtf8(body: Uint8Array, eventName: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    throw new EventHandlerError(400, `Invalid ${eventName} event body: not valid UTF-8.`);
  }
}

function parseJson(text: string, eventName: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new EventHandlerError(400, `Invalid ${eventName} event body: not valid JSON.`);
  }
}

function tooLarge(maxBytes: number): EventHandlerError {
  return new EventHandlerError(413, `The request body exceeds the limit of ${maxBytes} bytes.`);
}
