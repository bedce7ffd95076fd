/**
 * Errors of the WebSocket client. Each one is a `WebPubSubError` with a stable `code`.
 * Messages never contain the client access URL, because its query carries the access token.
 */

import { WebPubSubError } from '../errors.js';
import type { AckMessageError } from './messages.js';

/** Fields of a {@link SendMessageError}. */
export interface SendMessageErrorOptions {
  /** The ackId of the failed frame, when it had one. */
  ackId?: number;
  /** The service's error from a failed ack. */
  errorDetail?: AckMessageError;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * A frame was not confirmed by the service. Mirrors `SendMessageError` of
 * `@azure/web-pubsub-client`, with a `code` added:
 *
 * - `ACK_FAILED`: the service sent an error ack. `errorDetail` contains its name and message.
 * - `CONNECTION_CLOSED`: the frame could not be written, or the connection dropped before the ack.
 *   The frame may or may not have reached the service: retry with the same `ackId` so that the
 *   service reports a `Duplicate` instead of running it twice.
 * - `ABORTED`: the caller's `abortSignal` fired.
 *
 * @example
 * ```ts
 * try {
 *   await client.sendToGroup('room', 'hi', 'text');
 * } catch (error) {
 *   if (error instanceof SendMessageError && error.code === 'CONNECTION_CLOSED') {
 *     await client.sendToGroup('room', 'hi', 'text', { ackId: error.ackId });
 *   }
 * }
 * ```
 */
export class SendMessageError extends WebPubSubError {
  /** The ackId of the frame; `undefined` for a fire-and-forget frame. */
  readonly ackId: number | undefined;
  /** The service's error name (such as `Forbidden`) and message, for `ACK_FAILED`. */
  readonly errorDetail: AckMessageError | undefined;

  /**
   * @param code - `ACK_FAILED`, `CONNECTION_CLOSED` or `ABORTED`.
   * @param message - what failed.
   * @param options - ackId, service error and cause.
   */
  constructor(
    code: 'ACK_FAILED' | 'CONNECTION_CLOSED' | 'ABORTED',
    message: string,
    options: SendMessageErrorOptions = {},
  ) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.ackId = options.ackId;
    this.errorDetail = options.errorDetail;
  }
}

/** Fields of a {@link ConnectionError}. */
export interface ConnectionErrorOptions {
  /** WebSocket close code, when the socket closed. */
  closeCode?: number;
  /** WebSocket close reason, when the socket closed with one. */
  closeReason?: string;
  /** HTTP status of a rejected upgrade, when the socket factory could read it. */
  status?: number;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * A WebSocket connection could not be opened, or closed before the service confirmed it with its
 * `connected` message. `start()` rejects with it.
 *
 * @example
 * ```ts
 * try {
 *   await client.start();
 * } catch (error) {
 *   if (error instanceof ConnectionError) console.error(error.closeCode, error.status);
 * }
 * ```
 */
export class ConnectionError extends WebPubSubError {
  /** WebSocket close code, when the socket closed. */
  readonly closeCode: number | undefined;
  /** WebSocket close reason. */
  readonly closeReason: string | undefined;
  /** HTTP status of a rejected upgrade, when known. */
  readonly status: number | undefined;

  /**
   * @param code - `CONNECTION_CLOSED`, `NETWORK_ERROR` or `ABORTED`.
   * @param message - what failed.
   * @param options - close code and reason, HTTP status and cause.
   */
  constructor(
    code: 'CONNECTION_CLOSED' | 'NETWORK_ERROR' | 'ABORTED',
    message: string,
    options: ConnectionErrorOptions = {},
  ) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.closeCode = options.closeCode;
    this.closeReason = options.closeReason;
    this.status = options.status;
  }
}

/**
 * The client protocol cannot handle a frame: `writeMessage` threw for a keepalive ping, or
 * `parseMessages` threw for a frame from the service. The client emits it on its `error` event.
 * The code is `PROTOCOL_ERROR`.
 *
 * @example
 * ```ts
 * client.on('error', ({ error }) => {
 *   if (error instanceof ProtocolError) console.error(error.message);
 * });
 * ```
 */
export class ProtocolError extends WebPubSubError {
  /** The message kind that failed, such as `ping`, or `inbound` for a frame from the service. */
  readonly messageKind: string;

  /**
   * @param messageKind - the message kind that failed.
   * @param message - what failed and what to change.
   * @param options - `cause` carries the protocol's error.
   */
  constructor(messageKind: string, message: string, options?: ErrorOptions) {
    super('PROTOCOL_ERROR', message, options);
    this.messageKind = messageKind;
  }
}

/**
 * A method was called in a client state that does not allow it, such as `start()` on a client
 * that is already started. The code is `INVALID_STATE`.
 *
 * @example
 * ```ts
 * try {
 *   await client.start();
 * } catch (error) {
 *   if (error instanceof ClientStateError) client.stop();
 * }
 * ```
 */
export class ClientStateError extends WebPubSubError {
  /** The client state when the call was made, such as `Connected`. */
  readonly state: string;

  /**
   * @param state - the state the client was in.
   * @param message - what is not allowed and what to do instead.
   */
  constructor(state: string, message: string) {
    super('INVALID_STATE', message);
    this.state = state;
  }
}
