// @ts-check
/**
 * A small Web PubSub client for the scripts: it gets a client URL from the Worker's
 * `/negotiate`, connects with the `json.webpubsub.azure.v1` subprotocol, joins groups, sends
 * events to the Worker's event handler and waits for messages. The frames follow the Azure Web PubSub JSON subprotocol:
 * https://learn.microsoft.com/azure/azure-web-pubsub/reference-json-webpubsub-subprotocol
 */
import { once } from 'node:events';
import WebSocket from 'ws';

export const SUBPROTOCOL = 'json.webpubsub.azure.v1';

/** Time allowed for negotiate, the WebSocket handshake and each ack, in milliseconds. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * @typedef {{ type: string, [field: string]: unknown }} Frame
 */

/**
 * @typedef {object} ListenerOptions
 * @property {string} workerUrl such as `http://127.0.0.1:8787`
 * @property {string} userId
 * @property {string[]} [groups] groups the token lets the client join on connect. The Worker's
 *   event handler uses the first one as the client's chat room.
 * @property {(frame: Frame) => void} [onFrame] receives every frame except acks
 */

/**
 * Negotiates a client URL for `userId` and opens a WebSocket to it.
 *
 * @param {ListenerOptions} options
 * @returns {Promise<PubSubListener>}
 * @throws {Error} when negotiate fails or the connection does not open in time.
 */
export async function connectListener({ workerUrl, userId, groups = [], onFrame = () => {} }) {
  const query = new URLSearchParams({ userId });
  if (groups.length > 0) {
    query.set('groups', groups.join(','));
  }
  const negotiateUrl = `${workerUrl}/negotiate?${query}`;
  const response = await fetch(negotiateUrl, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const body = /** @type {{ url?: unknown, error?: { message?: string } }} */ (await response.json().catch(() => ({})));
  if (!response.ok || typeof body.url !== 'string') {
    const reason = body.error?.message ?? 'no "url" in the response';
    throw new Error(`GET /negotiate failed with status ${response.status}: ${reason}`);
  }

  const socket = new WebSocket(body.url, SUBPROTOCOL);
  const listener = new PubSubListener(socket, onFrame);
  try {
    await withTimeout(once(socket, 'open'), REQUEST_TIMEOUT_MS, `The WebSocket to ${new URL(body.url).origin} did not open`);
  } catch (error) {
    socket.terminate();
    throw error;
  }

  if (socket.protocol !== SUBPROTOCOL) {
    socket.terminate();
    throw new Error(`The service chose subprotocol "${socket.protocol}" instead of ${SUBPROTOCOL}.`);
  }
  return listener;
}

/** An open client connection: frames received so far, pending acks and waiters. */
export class PubSubListener {
  /** @type {Frame[]} */
  frames = [];
  /** @type {Map<number, (ack: Frame) => void>} */
  #pendingAcks = new Map();
  /** @type {Set<() => void>} */
  #waiters = new Set();
  #nextAckId = 1;

  /**
   * @param {WebSocket} socket
   * @param {(frame: Frame) => void} onFrame
   */
  constructor(socket, onFrame) {
    this.socket = socket;
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        return;
      }

      /** @type {Frame} */
      let frame;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return;
      }

      if (frame.type === 'ack') {
        this.#pendingAcks.get(Number(frame.ackId))?.(frame);
        return;
      }

      this.frames.push(frame);
      onFrame(frame);
      for (const wake of this.#waiters) {
        wake();
      }
    });
  }

  /**
   * Sends `joinGroup` and waits for its ack.
   *
   * @param {string} group
   * @returns {Promise<number>} the ackId
   * @throws {Error} when the ack reports a failure or does not arrive in time.
   */
  async joinGroup(group) {
    return this.#sendWithAck({ type: 'joinGroup', group }, `joining group "${group}"`);
  }

  /**
   * Sends an `event` frame, which the service delivers to the upstream event handler, and waits
   * for its ack. A reply from the handler arrives as a server message.
   *
   * @param {string} event event name, such as `message`
   * @param {unknown} data
   * @param {'text' | 'json' | 'binary'} [dataType] default `text`
   * @returns {Promise<number>} the ackId
   * @throws {Error} when the ack reports a failure or does not arrive in time.
   */
  async sendEvent(event, data, dataType = 'text') {
    return this.#sendWithAck({ type: 'event', event, dataType, data }, `sending event "${event}"`);
  }

  /**
   * @param {Frame} frame a frame without an ackId
   * @param {string} description the operation in lower case, such as `joining group "a"`
   * @returns {Promise<number>} the ackId
   */
  async #sendWithAck(frame, description) {
    const ackId = this.#nextAckId++;
    const ack = new Promise((resolve) => this.#pendingAcks.set(ackId, resolve));
    this.socket.send(JSON.stringify({ ...frame, ackId }));

    try {
      const reply = /** @type {Frame} */ (await withTimeout(ack, REQUEST_TIMEOUT_MS, `No ack for ${description} arrived`));
      if (reply.success !== true) {
        const error = /** @type {{ name?: string, message?: string } | undefined} */ (reply.error);
        const operation = description.charAt(0).toUpperCase() + description.slice(1);
        throw new Error(`${operation} failed: ${error?.name ?? 'unknown error'} ${error?.message ?? ''}`.trim());
      }
      return ackId;
    } finally {
      this.#pendingAcks.delete(ackId);
    }
  }

  /**
   * Resolves with the first frame, received before or after the call, that matches.
   *
   * @param {(frame: Frame) => boolean} predicate
   * @param {number} timeoutMs
   * @param {string} description what is awaited, for the timeout message
   * @returns {Promise<Frame>}
   */
  async waitForFrame(predicate, timeoutMs, description) {
    /** @type {() => void} */
    let wake = () => {};
    const found = new Promise((resolve) => {
      wake = () => {
        const frame = this.frames.find(predicate);
        if (frame) {
          resolve(frame);
        }
      };
      this.#waiters.add(wake);
      wake();
    });

    try {
      return /** @type {Frame} */ (await withTimeout(found, timeoutMs, `${description} did not arrive`));
    } finally {
      this.#waiters.delete(wake);
    }
  }

  /** Closes the connection with code 1000 and waits up to a second for the close handshake. */
  async close() {
    if (this.socket.readyState === WebSocket.CLOSED) {
      return;
    }

    const closed = once(this.socket, 'close');
    this.socket.close(1000);
    await withTimeout(closed, 1_000, 'The close handshake did not finish').catch(() => this.socket.terminate());
  }
}

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {string} description
 * @returns {Promise<T>}
 */
function withTimeout(promise, ms, description) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${description} within ${ms / 1000} s.`)), ms);
  });
  return /** @type {Promise<T>} */ (Promise.race([promise, timeout]).finally(() => clearTimeout(timer)));
}
