// @ts-check
/**
 * Client messages that go to the upstream as user events: `event` frames of subprotocol
 * clients (event name from the frame) and every frame of a client without a subprotocol (event
 * `message`), with the upstream's reply sent back to the client.
 *
 * A subprotocol client gets the reply as a server `message` frame, then the success ack. A
 * client without a subprotocol gets the reply as a text or binary frame. When the upstream
 * fails, the connection is closed with code 1000, as the service does. A subprotocol client
 * first gets an `InternalServerError` ack for the frame, so that a pending send fails with the
 * reason rather than only with the lost connection.
 * NOTE: whether the service sends that error ack before it closes the connection is not
 * documented. Users of the service have reported such closes with code 1000 and an empty reason.
 * The emulator adds a reason so that the failure is easier to find.
 */

/** Event name of every frame from a client without a subprotocol. */
export const SIMPLE_CLIENT_EVENT = 'message';

/** Close reason after an upstream failure. It must fit the 123 bytes of a close frame. */
const UPSTREAM_FAILURE_CLOSE_REASON = 'The upstream event handler failed to handle a message';

/**
 * @typedef {object} UpstreamFrameContext
 * @property {import('./client-connection.js').ClientConnection} connection
 * @property {import('./upstream-session.js').UpstreamSession} session
 * @property {import('./log.js').EventLogger} logger
 */

/**
 * Forwards a valid `event` frame and responds to the client once the upstream has responded. A
 * repeated `ackId` of an event that already succeeded is not forwarded again and gets a
 * `Duplicate` ack.
 *
 * @param {UpstreamFrameContext} context
 * @param {string} eventName
 * @param {import('./payload.js').Payload} payload
 * @param {number | undefined} ackId
 */
export function forwardEventFrame(context, eventName, payload, ackId) {
  const { connection, session } = context;

  void session.enqueue(async () => {
    if (ackId !== undefined && connection.hasSeenAckId(ackId)) {
      const message = `A message with ackId ${ackId} was already processed.`;
      connection.sendAck(ackId, { name: 'Duplicate', message });
      return;
    }

    const outcome = await session.deliverUserEvent(eventName, payload);
    if (outcome.kind === 'failed') {
      if (ackId !== undefined) {
        connection.sendAck(ackId, { name: 'InternalServerError', message: outcome.reason });
      }
      closeAfterFailure(context, eventName, outcome.reason);
      return;
    }

    if (outcome.kind === 'reply') {
      connection.deliver({ from: 'server' }, outcome.payload);
    }

    if (ackId !== undefined) {
      connection.rememberAckId(ackId);
      connection.sendAck(ackId);
    }
  });
}

/**
 * Forwards a frame of a client without a subprotocol as the user event `message`: a text frame
 * as `text/plain`, a binary frame as `application/octet-stream`.
 *
 * @param {UpstreamFrameContext} context
 * @param {import('ws').RawData} data
 * @param {boolean} isBinary
 */
export function forwardSimpleFrame(context, data, isBinary) {
  const { connection, session } = context;
  const bytes = toBuffer(data);
  /** @type {import('./payload.js').Payload} */
  const payload = isBinary
    ? { dataType: 'binary', bytes }
    : { dataType: 'text', text: bytes.toString('utf8') };

  void session.enqueue(async () => {
    const outcome = await session.deliverUserEvent(SIMPLE_CLIENT_EVENT, payload);
    if (outcome.kind === 'failed') {
      closeAfterFailure(context, SIMPLE_CLIENT_EVENT, outcome.reason);
      return;
    }

    if (outcome.kind === 'reply') {
      connection.deliver({ from: 'server' }, outcome.payload);
    }
  });
}

/**
 * @param {UpstreamFrameContext} context
 * @param {string} eventName
 * @param {string} reason
 */
function closeAfterFailure({ connection, logger }, eventName, reason) {
  logger.warn('upstream.event-failed', {
    hub: connection.hubName,
    connectionId: connection.id,
    userId: connection.userId,
    eventName,
    reason,
  });
  connection.close(1000, UPSTREAM_FAILURE_CLOSE_REASON);
}

/**
 * @param {import('ws').RawData} data
 * @returns {Buffer}
 */
function toBuffer(data) {
  if (Buffer.isBuffer(data)) {
    return data;
  }

  if (Array.isArray(data)) {
    return Buffer.concat(data);
  }

  return Buffer.from(data);
}
