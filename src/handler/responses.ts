/**
 * Responses the event handler sends back to the service, whose status and `Content-Type` decide
 * what the service does
 * (https://learn.microsoft.com/azure/azure-web-pubsub/reference-cloud-events).
 * A 2xx to `connect` completes the client's handshake. A user event reply goes to the client as
 * text, JSON or binary by its `Content-Type`. Any other status fails the handshake or closes the
 * client's connection.
 */

import { ConfigError } from '../errors.js';
import { utf8 } from '../internal/base64.js';
import { isArrayBuffer } from '../internal/binary.js';
import { CONNECTION_STATE_HEADER } from './connection-state.js';
import type { EventHandlerError } from './errors.js';
import { toMqttConnectFailure } from './mqtt.js';
import type { ConnectResponse, UserEventResponse, WebPubSubDataType } from './types.js';

const CONTENT_TYPES: Readonly<Record<WebPubSubDataType, string>> = Object.freeze({
  text: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
  binary: 'application/octet-stream',
});

/** Text of every 500 response, which must reveal nothing about the failure. */
export const INTERNAL_ERROR_TEXT = 'The event handler failed to process the event.';

/** Build a response without a body. */
export function emptyResponse(status: number, headers?: Record<string, string>): Response {
  return new Response(null, { status, headers });
}

/** Build a `text/plain` response. */
export function textResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'Content-Type': CONTENT_TYPES.text } });
}

/** Build the generic 500 response for a failed callback. */
export function internalErrorResponse(): Response {
  return textResponse(500, INTERNAL_ERROR_TEXT);
}

/**
 * Build the response that rejects an event: the error's status with its detail as text, or, for
 * an MQTT client's `connect`, the JSON body that the service turns into a CONNACK packet.
 *
 * @param mqttProtocolVersion - the MQTT version of a rejected MQTT `connect`, otherwise
 * `undefined`.
 */
export function failureResponse(error: EventHandlerError, mqttProtocolVersion?: number): Response {
  if (mqttProtocolVersion !== undefined) {
    const body = JSON.stringify(toMqttConnectFailure(error, mqttProtocolVersion));
    const headers = { 'Content-Type': CONTENT_TYPES.json };
    return new Response(body, { status: error.status, headers });
  }

  return textResponse(error.status, error.detail ?? '');
}

/**
 * Build the response that accepts a `connect`: 200 with the fields that are set, or 204 when
 * none is.
 *
 * @param stateHeader - encoded connection state to send, if any.
 */
export function connectSuccessResponse(
  result: ConnectResponse | undefined,
  stateHeader?: string,
): Response {
  const headers: Record<string, string> = {};
  if (stateHeader !== undefined) headers[CONNECTION_STATE_HEADER] = stateHeader;

  const body: ConnectResponse = {};
  if (result?.userId !== undefined) body.userId = result.userId;
  if (result?.groups !== undefined) body.groups = result.groups;
  if (result?.roles !== undefined) body.roles = result.roles;
  // The service expects the field left out rather than blank.
  if (result?.subprotocol) body.subprotocol = result.subprotocol;
  if (result?.mqtt?.userProperties !== undefined) {
    body.mqtt = { userProperties: result.mqtt.userProperties };
  }

  if (Object.keys(body).length === 0) return emptyResponse(204, headers);

  headers['Content-Type'] = CONTENT_TYPES.json;
  return new Response(JSON.stringify(body), { status: 200, headers });
}

/**
 * Build the reply to a user event: 204 without a result, else 200 with the encoded data and
 * the `Content-Type` of its data type.
 *
 * @throws {ConfigError} with `field` `data` when the data does not fit its data type.
 */
export function userEventSuccessResponse(
  result: UserEventResponse | undefined,
  stateHeader?: string,
): Response {
  const headers: Record<string, string> = {};
  if (stateHeader !== undefined) headers[CONNECTION_STATE_HEADER] = stateHeader;

  // A reply without data gets the same response as no reply, because any failure status would
  // make the service close the client's connection.
  if (result === undefined || result.data === undefined) return emptyResponse(204, headers);

  const dataType = result.dataType ?? inferDataType(result.data);
  headers['Content-Type'] = CONTENT_TYPES[dataType];
  return new Response(encodeData(result.data, dataType), { status: 200, headers });
}

function inferDataType(data: unknown): WebPubSubDataType {
  if (typeof data === 'string') return 'text';
  if (isArrayBuffer(data) || ArrayBuffer.isView(data)) return 'binary';
  return 'json';
}

function encodeData(data: unknown, dataType: WebPubSubDataType): BodyInit {
  if (dataType === 'json') {
    const json = JSON.stringify(data);
    if (json === undefined) {
      throw new ConfigError(
        'data',
        'The user event reply has no JSON value. Return data or nothing.',
        'INVALID_ARGUMENT',
      );
    }

    return json;
  }

  if (data === undefined || data === null) return '';

  if (dataType === 'text') {
    if (typeof data !== 'string') {
      throw new ConfigError(
        'data',
        'A user event reply of dataType "text" needs a string.',
        'INVALID_ARGUMENT',
      );
    }

    return data;
  }

  if (typeof data === 'string') return utf8(data);
  if (isArrayBuffer(data)) return data.slice(0);
  if (ArrayBuffer.isView(data)) {
    // Copying gives an ArrayBuffer-backed view, as BodyInit requires, and detaches the body from
    // later changes by the callback.
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  }

  throw new ConfigError(
    'data',
    'A user event reply of dataType "binary" needs a Uint8Array, an ArrayBuffer or a string.',
    'INVALID_ARGUMENT',
  );
}
