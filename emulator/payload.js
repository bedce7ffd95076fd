// @ts-check
/**
 * Message payloads: parsing them from REST bodies and client frames, and encoding them for
 * the two kinds of WebSocket client.
 *
 * A client with a Web PubSub subprotocol receives `dataType` and `data` fields: text as a
 * string, JSON as the parsed value and binary as base64. A client without a subprotocol
 * receives a text frame (text, and JSON as its text) or a binary frame.
 */

/**
 * Message content in one of the three data types that clients can receive.
 *
 * @typedef {{ dataType: 'text', text: string }
 *   | { dataType: 'json', value: unknown, text: string }
 *   | { dataType: 'binary', bytes: Buffer }} Payload
 */

/** Maximum size of one message, in bytes. The service documents 1 MB per message. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Padded base64 in the standard alphabet, as the JSON subprotocol uses for binary data. */
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Invalid message content. `code` is the error code for REST error bodies.
 */
export class PayloadError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = 'PayloadError';
    this.code = code;
  }
}

/**
 * Parses the body of a REST send request by its Content-Type. Parameters such as
 * `charset=utf-8` are accepted, and text is always decoded as UTF-8.
 *
 * @param {string | undefined} contentType
 * @param {Buffer} body
 * @returns {Payload}
 * @throws {PayloadError} for another media type, or a JSON body that does not parse
 */
export function parseRestPayload(contentType, body) {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();

  switch (mediaType) {
    case 'text/plain':
      return { dataType: 'text', text: body.toString('utf8') };

    case 'application/octet-stream':
      return { dataType: 'binary', bytes: body };

    case 'application/json': {
      const text = body.toString('utf8');
      try {
        return { dataType: 'json', value: JSON.parse(text), text };
      } catch {
        throw new PayloadError('InvalidJson', 'The request body is not valid JSON.');
      }
    }

    default:
      // NOTE: the REST API accepts only these three media types, but the status the service
      // returns for another one, a missing Content-Type or a body that is not JSON is not
      // documented. The emulator returns 400.
      throw new PayloadError(
        'UnsupportedMediaType',
        `Content-Type "${mediaType}" is not supported. ` +
          'Use application/json, text/plain or application/octet-stream.',
      );
  }
}

/**
 * Parses the `dataType` and `data` fields of a `sendToGroup` or `event` frame.
 * `dataType` defaults to `json`. Text must be a string and binary a base64 string.
 *
 * @param {unknown} dataType
 * @param {unknown} data
 * @returns {Payload}
 * @throws {PayloadError}
 */
export function parseFramePayload(dataType, data) {
  if (data === undefined) {
    throw new PayloadError('BadRequest', 'The frame has no "data" field.');
  }

  switch (dataType ?? 'json') {
    case 'json':
      return { dataType: 'json', value: data, text: JSON.stringify(data) };

    case 'text':
      if (typeof data !== 'string') {
        throw new PayloadError('BadRequest', 'Data of type "text" must be a string.');
      }
      return { dataType: 'text', text: data };

    case 'binary':
      if (typeof data !== 'string' || !BASE64_PATTERN.test(data)) {
        throw new PayloadError('BadRequest', 'Data of type "binary" must be a base64 string.');
      }
      return { dataType: 'binary', bytes: Buffer.from(data, 'base64') };

    default:
      throw new PayloadError(
        'BadRequest',
        'The "dataType" field must be "json", "text" or "binary".',
      );
  }
}

/**
 * Encodes a payload as the `dataType` and `data` fields of a subprotocol message frame.
 *
 * @param {Payload} payload
 * @returns {{ dataType: Payload['dataType'], data: unknown }}
 */
export function toFrameData(payload) {
  switch (payload.dataType) {
    case 'text':
      return { dataType: 'text', data: payload.text };
    case 'json':
      return { dataType: 'json', data: payload.value };
    case 'binary':
      return { dataType: 'binary', data: payload.bytes.toString('base64') };
  }
}

/**
 * Encodes a payload as one raw WebSocket frame for a client without a subprotocol.
 *
 * @param {Payload} payload
 * @returns {{ data: string | Buffer, isBinary: boolean }}
 */
export function toRawFrame(payload) {
  switch (payload.dataType) {
    case 'text':
      return { data: payload.text, isBinary: false };
    case 'json':
      return { data: payload.text, isBinary: false };
    case 'binary':
      return { data: payload.bytes, isBinary: true };
  }
}
