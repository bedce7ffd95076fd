// @ts-check
/**
 * One client WebSocket connection: its identity, roles and groups, and everything the
 * emulator sends to it (system frames, acks and messages).
 *
 * Clients with a Web PubSub JSON subprotocol get JSON frames. With the reliable subprotocol,
 * every `message` frame carries an increasing `sequenceId` and stays buffered until the
 * client acknowledges it with `sequenceAck`. Clients without a subprotocol get raw frames.
 *
 * A reliable connection whose socket dropped stays in its hub for {@link RECOVERY_WINDOW_MS}:
 * it keeps its groups and buffers the messages it misses, and a recovery request with its
 * reconnection token attaches a new socket and receives the unacknowledged messages again.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { WebSocket } from 'ws';
import { toFrameData, toRawFrame } from './payload.js';

export const JSON_SUBPROTOCOL = 'json.webpubsub.azure.v1';
export const RELIABLE_JSON_SUBPROTOCOL = 'json.reliable.webpubsub.azure.v1';

/** Subprotocols the emulator speaks, in no particular order. The client's order decides. */
export const SUPPORTED_SUBPROTOCOLS = new Set([JSON_SUBPROTOCOL, RELIABLE_JSON_SUBPROTOCOL]);

/** Number of most recent successful ackIds remembered per connection for duplicate detection. */
const MAX_REMEMBERED_ACK_IDS = 4096;

/**
 * Limits of the unacknowledged-message buffer of a reliable connection. The service closes
 * the connection when a client falls further behind than 1000 messages or 16 MB.
 */
const MAX_UNACKED_MESSAGES = 1000;
const MAX_UNACKED_BYTES = 16 * 1024 * 1024;

/** How long a dropped reliable connection waits for recovery; the service keeps it at least 30 s. */
export const RECOVERY_WINDOW_MS = 30_000;

/**
 * @typedef {{ from: 'server' }
 *   | { from: 'group', group: string, fromUserId?: string }} MessageSource
 * @typedef {'Forbidden' | 'BadRequest' | 'Duplicate' | 'InternalServerError'} AckErrorName
 * @typedef {{ name: AckErrorName, message: string }} AckError
 */

/**
 * Throws unless a server may send `code` and `reason` in a close frame (RFC 6455 section 7.4).
 *
 * @param {number} code
 * @param {string} reason
 */
function validateCloseFrame(code, reason) {
  const isSendableCode =
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
      (code >= 3000 && code <= 4999));
  if (!isSendableCode) {
    throw new RangeError(
      `WebSocket close code ${code} cannot be sent. Use 1000-1014 (not 1004-1006) or 3000-4999.`,
    );
  }

  if (Buffer.byteLength(reason) > 123) {
    throw new RangeError('A WebSocket close reason must be at most 123 bytes of UTF-8.');
  }
}

/** @returns {string} a random URL-safe id, such as a connection id */
export function createRandomId() {
  return randomBytes(18).toString('base64url');
}

/**
 * State and outbound traffic of one connected client.
 */
export class ClientConnection {
  /**
   * @param {object} init
   * @param {string} [init.id] connection id. Default: a new random id.
   * @param {string} init.hubName hub name as spelled in the request path
   * @param {string | null} init.userId
   * @param {readonly string[]} init.roles
   * @param {string | null} init.subprotocol null for a client without a subprotocol
   * @param {WebSocket} init.webSocket
   * @param {import('node:stream').Duplex} init.socket the TCP socket under the WebSocket
   * @param {import('./log.js').EventLogger} init.logger
   */
  constructor({ id, hubName, userId, roles, subprotocol, webSocket, socket, logger }) {
    this.id = id ?? createRandomId();
    this.hubName = hubName;
    this.userId = userId;
    this.roles = new Set(roles);
    this.subprotocol = subprotocol;
    this.webSocket = webSocket;
    this.socket = socket;
    this.logger = logger;

    /** @type {Set<string>} */
    this.groups = new Set();

    /** When true, the emulator neither reads from nor writes to this connection. */
    this.isStalled = false;

    /** Issued for reliable connections only, for a later recovery attempt. */
    this.reconnectionToken = this.isReliable ? createRandomId() + createRandomId() : null;

    /** @type {Set<number>} successful ackIds, oldest first */
    this.recentAckIds = new Set();

    this.lastSequenceId = 0;

    /** @type {{ sequenceId: number, text: string }[]} */
    this.unackedMessages = [];
    this.unackedBytes = 0;

    /** Set by `close()`: a connection the service closed cannot be recovered. */
    this.isClosedByService = false;

    /**
     * Removes a detached connection from the registry; set while the connection waits for
     * recovery, undefined while a socket is attached.
     * @type {(() => void) | undefined}
     */
    this.discardDetached = undefined;

    /** @type {NodeJS.Timeout | undefined} */
    this.recoveryTimer = undefined;

    /** Set by a test hook: the next ack is not sent and the socket is dropped instead. */
    this.isNextAckDropped = false;
  }

  /** Whether the socket dropped and the connection waits for recovery. */
  get isDetached() {
    return this.discardDetached !== undefined;
  }

  /**
   * Returns whether the connection may wait for recovery after its socket closed with `code`.
   * Only reliable connections can, and not after a close by the service or a normal close
   * (1000, 1001) by the client.
   *
   * @param {number} code
   */
  isRecoverableAfterClose(code) {
    return this.isReliable && !this.isClosedByService && code !== 1000 && code !== 1001;
  }

  /**
   * Keeps the connection, without a socket, for {@link RECOVERY_WINDOW_MS}. `remove` runs when
   * the window ends, when the service closes the connection, or when its buffer fills.
   *
   * @param {() => void} remove
   */
  keepForRecovery(remove) {
    this.discardDetached = () => {
      clearTimeout(this.recoveryTimer);
      this.recoveryTimer = undefined;
      this.discardDetached = undefined;
      remove();
    };
    this.recoveryTimer = setTimeout(() => this.discardDetached?.(), RECOVERY_WINDOW_MS);
    this.recoveryTimer.unref();
  }

  /**
   * Compares a reconnection token in constant time.
   *
   * @param {string} token
   */
  matchesReconnectionToken(token) {
    if (this.reconnectionToken === null) {
      return false;
    }

    const expected = Buffer.from(this.reconnectionToken);
    const actual = Buffer.from(token);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  /**
   * Attaches the socket of a recovery request, after the previous socket closed or was
   * destroyed, and resends every unacknowledged message in order.
   *
   * @param {WebSocket} webSocket
   * @param {import('node:stream').Duplex} socket
   */
  attach(webSocket, socket) {
    clearTimeout(this.recoveryTimer);
    this.recoveryTimer = undefined;
    this.discardDetached = undefined;
    this.webSocket = webSocket;
    this.socket = socket;
    this.isStalled = false;

    for (const message of this.unackedMessages) {
      this.sendRaw(message.text, false);
    }
  }

  get isReliable() {
    return this.subprotocol === RELIABLE_JSON_SUBPROTOCOL;
  }

  /**
   * Returns whether the connection has the role `webpubsub.<permission>` or the role limited
   * to this group, `webpubsub.<permission>.<group>`.
   *
   * @param {'joinLeaveGroup' | 'sendToGroup'} permission
   * @param {string} group
   */
  hasPermission(permission, group) {
    return (
      this.roles.has(`webpubsub.${permission}`) ||
      this.roles.has(`webpubsub.${permission}.${group}`)
    );
  }

  /**
   * Sends a frame as JSON text unless the connection is stalled or no longer open.
   *
   * @param {Record<string, unknown>} frame
   */
  sendFrame(frame) {
    this.sendRaw(JSON.stringify(frame), false);
  }

  /**
   * @param {string | Buffer} data
   * @param {boolean} isBinary
   */
  sendRaw(data, isBinary) {
    if (this.isStalled || this.webSocket.readyState !== WebSocket.OPEN) {
      return;
    }

    this.webSocket.send(data, { binary: isBinary }, (error) => {
      if (error) {
        this.logger.error(error, { hub: this.hubName, connectionId: this.id, userId: this.userId });
      }
    });
  }

  /** Sends the `connected` system frame that starts every subprotocol session. */
  sendConnected() {
    const frame = {
      type: 'system',
      event: 'connected',
      userId: this.userId,
      connectionId: this.id,
    };

    if (this.reconnectionToken !== null) {
      this.sendFrame({ ...frame, reconnectionToken: this.reconnectionToken });
    } else {
      this.sendFrame(frame);
    }
  }

  /**
   * @param {number} ackId
   * @param {AckError} [error]
   */
  sendAck(ackId, error) {
    if (this.isNextAckDropped) {
      this.isNextAckDropped = false;
      this.drop();
      return;
    }

    if (error) {
      this.sendFrame({ type: 'ack', ackId, success: false, error });
    } else {
      this.sendFrame({ type: 'ack', ackId, success: true });
    }
  }

  /**
   * Delivers a message: as a `message` frame to a subprotocol client, as a raw frame otherwise.
   *
   * @param {MessageSource} source
   * @param {import('./payload.js').Payload} payload
   */
  deliver(source, payload) {
    if (this.subprotocol === null) {
      const { data, isBinary } = toRawFrame(payload);
      this.sendRaw(data, isBinary);
      return;
    }

    const frame = { type: 'message', ...source, ...toFrameData(payload) };
    if (!this.isReliable) {
      this.sendFrame(frame);
      return;
    }

    // A stalled reliable connection still numbers and buffers its messages, as if they were
    // lost on the way, so that a recovered connection could receive them again.
    this.lastSequenceId += 1;
    const text = JSON.stringify({ ...frame, sequenceId: this.lastSequenceId });
    this.unackedMessages.push({ sequenceId: this.lastSequenceId, text });
    this.unackedBytes += Buffer.byteLength(text);
    this.sendRaw(text, false);

    const isBufferFull =
      this.unackedMessages.length > MAX_UNACKED_MESSAGES || this.unackedBytes > MAX_UNACKED_BYTES;
    if (isBufferFull && this.isDetached) {
      this.logger.warn('client.buffer-full', {
        hub: this.hubName,
        connectionId: this.id,
        userId: this.userId,
      });
      this.isClosedByService = true;
      this.discardDetached?.();
      return;
    }

    if (isBufferFull && this.webSocket.readyState === WebSocket.OPEN) {
      this.logger.warn('client.buffer-full', {
        hub: this.hubName,
        connectionId: this.id,
        userId: this.userId,
      });
      // NOTE: the close code the service uses when a client falls too far behind is not
      // documented. 1008 also signals to the client that the connection cannot be recovered.
      this.close(1008, 'Too many unacknowledged messages');
    }
  }

  /**
   * Drops buffered messages up to and including `sequenceId`.
   *
   * @param {number} sequenceId
   * @returns {boolean} false when the client acknowledged a message it was never sent
   */
  acknowledgeSequence(sequenceId) {
    if (sequenceId > this.lastSequenceId) {
      return false;
    }

    let acknowledgedCount = 0;
    for (const message of this.unackedMessages) {
      if (message.sequenceId > sequenceId) {
        break;
      }
      this.unackedBytes -= Buffer.byteLength(message.text);
      acknowledgedCount += 1;
    }
    this.unackedMessages.splice(0, acknowledgedCount);

    return true;
  }

  /** @param {number} ackId */
  hasSeenAckId(ackId) {
    return this.recentAckIds.has(ackId);
  }

  /**
   * Remembers the ackId of a frame that succeeded, forgetting the oldest beyond the limit.
   *
   * @param {number} ackId
   */
  rememberAckId(ackId) {
    this.recentAckIds.add(ackId);

    if (this.recentAckIds.size > MAX_REMEMBERED_ACK_IDS) {
      const oldest = this.recentAckIds.values().next().value;
      this.recentAckIds.delete(/** @type {number} */ (oldest));
    }
  }

  /** Stops reading from and writing to the connection without closing the TCP socket. */
  stall() {
    this.isStalled = true;
    this.webSocket.pause();
  }

  /** Destroys the TCP socket without a close frame, like a dropped network path. */
  drop() {
    this.socket.destroy();
  }

  /**
   * Closes the connection from the service side. A subprotocol client first gets a
   * `disconnected` system frame with the reason. A stalled connection cannot send a close
   * frame, so its socket is destroyed instead.
   *
   * @param {number} code WebSocket close code
   * @param {string} reason at most 123 bytes of UTF-8
   */
  close(code, reason) {
    validateCloseFrame(code, reason);
    this.isClosedByService = true;

    if (this.isDetached) {
      this.discardDetached?.();
      return;
    }

    if (this.isStalled) {
      this.drop();
      return;
    }

    if (this.subprotocol !== null) {
      this.sendFrame({ type: 'system', event: 'disconnected', message: reason });
    }

    this.webSocket.close(code, reason);
  }

  /**
   * Closes the connection for an emulator shutdown and resolves once the socket is closed.
   * A client that does not reply to the close frame within `timeoutMs` is terminated.
   *
   * @param {number} timeoutMs
   * @returns {Promise<void>}
   */
  shutdown(timeoutMs) {
    clearTimeout(this.recoveryTimer);
    if (this.webSocket.readyState === WebSocket.CLOSED) {
      return Promise.resolve();
    }

    return new Promise((resolve) => {
      const timer = setTimeout(() => this.webSocket.terminate(), timeoutMs);
      this.webSocket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });

      if (this.webSocket.readyState === WebSocket.OPEN) {
        this.close(1001, 'The emulator is shutting down');
      }
    });
  }
}
