/**
 * One WebSocket connection to the service: opening it, reading frames through the client
 * protocol, writing frames, keepalive, and the details of how it closed. A `Connection` never
 * reconnects; `lifecycle.ts` replaces it when it closes.
 */

import { isArrayBuffer, toArrayBuffer } from '../internal/binary.js';
import { ConfigError } from '../errors.js';
import { ConnectionError, ProtocolError } from './errors.js';
import { KeepAlive, type KeepAliveTiming } from './keepalive.js';
import type { ConnectedMessage, DisconnectedMessage, WebPubSubMessage } from './messages.js';
import type { WebPubSubClientProtocol } from './protocols.js';
import { WEBSOCKET_CLOSED, WEBSOCKET_OPEN, type WebSocketEventType, type WebSocketLike } from './socket.js';

/** Close details of a connection. */
export interface CloseDetails {
  /** WebSocket close code; 1006 when no close frame arrived. */
  code?: number;
  /** WebSocket close reason. */
  reason?: string;
  /** The service's `disconnected` message, when it sent one before closing. */
  message?: DisconnectedMessage;
}

/** Callbacks of a connection to its owner. */
export interface ConnectionHandlers {
  /** Receives every parsed message, in order. */
  onMessage(message: WebPubSubMessage): void;
  /** Receives protocol failures: a frame that could not be parsed, a ping that could not be written. */
  onProtocolError(error: ProtocolError): void;
}

/** Close code for a connection that ended without a close frame (RFC 6455 section 7.1.5). */
export const ABNORMAL_CLOSURE = 1006;

/**
 * Largest frame the service accepts from a client, in bytes. The Azure Web PubSub docs give
 * 1 MB per WebSocket frame. The service closes the connection with 1009 on a larger frame.
 *
 * NOTE: the docs do not say whether 1 MB means 1,000,000 or 1,048,576 bytes; this uses the
 * larger value, as the emulator does.
 */
export const MAX_FRAME_SIZE_IN_BYTES = 1_048_576;

/** A socket plus its protocol, keepalive and close details. */
export class Connection {
  /** Settles when the socket opens; rejects when it fails first. */
  readonly opened: Promise<void>;
  /** Resolves with the first `connected` message; rejects when the socket closes first. */
  readonly handshake: Promise<ConnectedMessage>;
  /** Resolves once, when the socket closed or was abandoned. */
  readonly closed: Promise<CloseDetails>;
  /** Resolves at the first frame from the service; rejects when the socket closes first. */
  readonly firstFrame: Promise<void>;

  readonly #socket: WebSocketLike;
  readonly #protocol: WebPubSubClientProtocol;
  readonly #handlers: ConnectionHandlers;
  readonly #keepAlive: KeepAlive;
  readonly #listeners: Array<[WebSocketEventType, (event: any) => void]> = [];
  #isOpen = false;
  #isClosed = false;
  #disconnectedMessage: DisconnectedMessage | undefined;
  #settleOpened!: (error?: Error) => void;
  #settleHandshake!: (message: ConnectedMessage | Error) => void;
  #settleFirstFrame!: (error?: Error) => void;
  #resolveClosed!: (details: CloseDetails) => void;

  constructor(
    socket: WebSocketLike,
    protocol: WebPubSubClientProtocol,
    keepAliveTiming: KeepAliveTiming,
    handlers: ConnectionHandlers,
  ) {
    this.#socket = socket;
    this.#protocol = protocol;
    this.#handlers = handlers;
    this.#keepAlive = new KeepAlive(keepAliveTiming, {
      sendPing: () => this.#sendPing(),
      pingFailed: (error) => this.#reportPingFailure(error),
      timedOut: (silentForMs) =>
        this.close({ code: ABNORMAL_CLOSURE, reason: `No frame arrived from the service for ${silentForMs} ms.` }),
    });

    this.opened = new Promise((resolve, reject) => {
      this.#settleOpened = (error) => (error ? reject(error) : resolve());
    });
    this.handshake = new Promise((resolve, reject) => {
      this.#settleHandshake = (value) => (value instanceof Error ? reject(value) : resolve(value));
    });
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.firstFrame = new Promise((resolve, reject) => {
      this.#settleFirstFrame = (error) => (error ? reject(error) : resolve());
    });
    // Callers may await only one of these; the others must not surface as unhandled rejections.
    this.opened.catch(() => {});
    this.handshake.catch(() => {});
    this.firstFrame.catch(() => {});

    try {
      socket.binaryType = 'arraybuffer';
    } catch {
      // Some socket implementations make binaryType read-only; they then deliver ArrayBuffers already.
    }

    this.#listen('open', () => this.#markOpen());
    this.#listen('message', (event: { data: unknown }) => this.#receive(event.data));
    this.#listen('error', (event: { error?: unknown }) => this.#fail(event.error));
    this.#listen('close', (event: { code?: number; reason?: string }) => this.#onSocketClose(event));

    // A factory may return a socket that is open already, such as an accepted Workers socket.
    if (socket.readyState === WEBSOCKET_OPEN) {
      this.#markOpen();
    }
  }

  /** Whether frames can be written now. */
  get isOpen(): boolean {
    return this.#isOpen && !this.#isClosed && this.#socket.readyState === WEBSOCKET_OPEN;
  }

  /** Time of the last frame received, in milliseconds since the epoch. */
  get lastReceivedAt(): number {
    return this.#keepAlive.lastReceivedAt;
  }

  /**
   * Serializes and writes one message.
   *
   * @throws {ConfigError} `INVALID_ARGUMENT` when the frame is larger than
   *   {@link MAX_FRAME_SIZE_IN_BYTES}, because the service closes the connection on such a frame.
   * @throws {Error} when the socket is not open or the protocol cannot write the message.
   */
  send(message: WebPubSubMessage): void {
    if (!this.isOpen) {
      throw new ConnectionError('CONNECTION_CLOSED', 'The WebSocket connection is not open.');
    }

    const frame = this.#protocol.writeMessage(message);
    const size = sizeOfOversizedFrame(frame);
    if (size !== undefined) {
      throw new ConfigError(
        'content',
        `The ${message.kind} frame is ${size} bytes, larger than the service limit of ${MAX_FRAME_SIZE_IN_BYTES} bytes ` +
          'per WebSocket frame. Send less content per message.',
        'INVALID_ARGUMENT',
      );
    }

    this.#socket.send(frame);
  }

  /**
   * Waits for the socket to open. When `signal` aborts first, closes the socket and rejects with
   * `ABORTED`.
   */
  waitOpen(signal: AbortSignal): Promise<void> {
    return this.#waitUnlessAborted(this.opened, signal);
  }

  /**
   * Waits for the service's `connected` message. When `signal` aborts first, closes the socket
   * and rejects with `ABORTED`.
   */
  waitHandshake(signal: AbortSignal): Promise<ConnectedMessage> {
    return this.#waitUnlessAborted(this.handshake, signal);
  }

  /**
   * Waits for the first frame from the service. When `signal` aborts first, closes the socket
   * and rejects with `ABORTED`.
   */
  waitFirstFrame(signal: AbortSignal): Promise<void> {
    return this.#waitUnlessAborted(this.firstFrame, signal);
  }

  /**
   * Writes a ping, so that a live service sends a pong.
   *
   * @throws {Error} when the socket is not open or the protocol cannot write a ping.
   */
  ping(): void {
    this.send({ kind: 'ping' });
  }

  /**
   * Abandons the connection: stops listening, starts a closing handshake with `sendCode` and
   * resolves `closed` with `details` at once, without waiting for a peer that may never reply.
   */
  close(details: CloseDetails, sendCode?: number): void {
    if (this.#isClosed) {
      return;
    }

    try {
      if (this.#socket.readyState !== WEBSOCKET_CLOSED) {
        this.#socket.close(sendCode);
      }
    } catch {
      // close() throws only for an invalid code or reason; the socket is dropped either way.
    }

    this.#finish(details);
  }

  #waitUnlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        reject(new ConnectionError('ABORTED', 'The connection attempt was aborted.', { cause: signal.reason }));
        this.close({ code: ABNORMAL_CLOSURE, reason: 'The connection attempt was aborted.' });
      };

      if (signal.aborted) {
        onAbort();
        return;
      }

      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  #listen(type: WebSocketEventType, listener: (event: any) => void): void {
    this.#socket.addEventListener(type, listener);
    this.#listeners.push([type, listener]);
  }

  #markOpen(): void {
    if (this.#isOpen || this.#isClosed) {
      return;
    }

    this.#isOpen = true;
    this.#keepAlive.start();
    this.#settleOpened();
  }

  #receive(data: unknown): void {
    if (this.#isClosed) {
      return;
    }

    this.#keepAlive.received();
    this.#settleFirstFrame();
    let messages: WebPubSubMessage[];
    try {
      messages = toArray(this.#protocol.parseMessages(toFrame(data)));
    } catch (error) {
      const message = `The ${this.#protocol.name} protocol could not parse a frame from the service.`;
      this.#handlers.onProtocolError(new ProtocolError('inbound', message, { cause: error }));
      return;
    }

    for (const message of messages) {
      if (message.kind === 'connected') {
        this.#settleHandshake(message);
      } else if (message.kind === 'disconnected') {
        this.#disconnectedMessage = message;
      }
      this.#handlers.onMessage(message);
    }
  }

  #fail(cause: unknown): void {
    if (!this.#isOpen) {
      const status = readUpgradeStatus(cause);
      const message =
        status === undefined
          ? 'The WebSocket connection failed to open.'
          : `The service rejected the WebSocket upgrade with HTTP status ${status}.`;
      this.#settleOpened(new ConnectionError('NETWORK_ERROR', message, { cause, status }));
    }
    // After opening, an error event is followed by a close event, which ends the connection.
  }

  #onSocketClose(event: { code?: number; reason?: string }): void {
    const details: CloseDetails = { code: event.code ?? ABNORMAL_CLOSURE, reason: event.reason ?? '' };

    // Some runtimes keep a socket closed by the peer in the closing state until it is closed here.
    try {
      if (this.#socket.readyState !== WEBSOCKET_CLOSED) {
        this.#socket.close();
      }
    } catch {
      // Nothing is left to release when close() refuses.
    }

    this.#finish(details);
  }

  #finish(details: CloseDetails): void {
    if (this.#isClosed) {
      return;
    }

    this.#isClosed = true;
    this.#keepAlive.stop();
    // The error listener stays: `ws` emits `error` after close() on a connecting socket, and an
    // `error` event without a listener crashes a Node process.
    for (const [type, listener] of this.#listeners) {
      if (type !== 'error') this.#socket.removeEventListener(type, listener);
    }
    this.#listeners.length = 0;

    const withMessage = this.#disconnectedMessage ? { ...details, message: this.#disconnectedMessage } : details;
    const failure = new ConnectionError('CONNECTION_CLOSED', describeClose(withMessage), {
      closeCode: withMessage.code,
      closeReason: withMessage.reason,
    });
    this.#settleOpened(failure);
    this.#settleHandshake(failure);
    this.#settleFirstFrame(failure);
    this.#resolveClosed(withMessage);
  }

  /** Writes a ping. Only a protocol that cannot write it throws; a closing socket is skipped. */
  #sendPing(): void {
    if (!this.isOpen) {
      return;
    }

    const frame = this.#protocol.writeMessage({ kind: 'ping' });
    try {
      this.#socket.send(frame);
    } catch {
      // A socket that fails to send is closing, and its close event ends the connection.
    }
  }

  #reportPingFailure(error: unknown): void {
    const message =
      `The ${this.#protocol.name} protocol cannot write a ping, so keepalive is off for this connection ` +
      'and half-open sockets go undetected. Support ping in writeMessage or set keepAliveIntervalInMs to 0.';
    this.#handlers.onProtocolError(new ProtocolError('ping', message, { cause: error }));
  }
}

function describeClose({ code, reason, message }: CloseDetails): string {
  let text = `The WebSocket connection closed with code ${code ?? ABNORMAL_CLOSURE}`;
  if (reason) text += ` (${reason})`;
  text += '.';
  if (message?.message) text += ` The service's disconnected message: ${message.message}`;
  return text;
}

/**
 * Returns the HTTP status of a rejected upgrade from the error of a socket's `error` event, when
 * the socket implementation exposes it. A numeric `status` or `statusCode` on the error is used
 * first. Otherwise the message of the `ws` package is parsed: `ws` 8 rejects with
 * "Unexpected server response: 401" and puts the status nowhere else unless the caller handles
 * its `unexpected-response` event, which would make the caller responsible for aborting the
 * request. Browsers and the WHATWG `WebSocket` never expose the status.
 */
export function readUpgradeStatus(cause: unknown): number | undefined {
  if (typeof cause !== 'object' || cause === null) {
    return undefined;
  }

  const { status, statusCode, message } = cause as { status?: unknown; statusCode?: unknown; message?: unknown };
  for (const value of [status, statusCode]) {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599) return value;
  }

  const match = typeof message === 'string' ? /^Unexpected server response: (\d{3})$/.exec(message) : null;
  return match ? Number(match[1]) : undefined;
}

/**
 * Returns the size of a frame on the wire (UTF-8 bytes for text) when it is larger than
 * {@link MAX_FRAME_SIZE_IN_BYTES}, or `undefined` when it fits.
 */
function sizeOfOversizedFrame(frame: string | ArrayBuffer): number | undefined {
  // A UTF-16 code unit takes at most 3 UTF-8 bytes, so short text frames skip the encoding.
  if (typeof frame === 'string' && frame.length * 3 <= MAX_FRAME_SIZE_IN_BYTES) {
    return undefined;
  }

  const size = typeof frame === 'string' ? new TextEncoder().encode(frame).byteLength : frame.byteLength;
  return size > MAX_FRAME_SIZE_IN_BYTES ? size : undefined;
}

function toArray(parsed: WebPubSubMessage[] | WebPubSubMessage | null): WebPubSubMessage[] {
  if (parsed === null || parsed === undefined) return [];
  return Array.isArray(parsed) ? parsed : [parsed];
}

/** Normalizes frame data to a string or an `ArrayBuffer`. */
function toFrame(data: unknown): string | ArrayBuffer {
  if (typeof data === 'string') {
    return data;
  }

  if (isArrayBuffer(data) || ArrayBuffer.isView(data)) {
    return toArrayBuffer(data);
  }

  throw new TypeError('A frame arrived as neither text nor an ArrayBuffer; set binaryType to "arraybuffer".');
}
