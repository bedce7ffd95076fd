// @ts-check
/**
 * Frames that clients with a JSON subprotocol (`json.webpubsub.azure.v1` or
 * `json.reliable.webpubsub.azure.v1`) send to the service: joinGroup, leaveGroup,
 * sendToGroup, event, sequenceAck and ping.
 *
 * A frame with an `ackId` gets an ack frame with the outcome. A frame that fails without an
 * `ackId` is logged and dropped. A repeated `ackId` of a frame that already succeeded on the
 * same connection is not run again and gets a `Duplicate` ack. An `event` frame whose event the
 * upstream takes is acked once the upstream has responded (see upstream-frames.js).
 */
import { isValidGroupName } from './names.js';
import { PayloadError, parseFramePayload } from './payload.js';
import { forwardEventFrame } from './upstream-frames.js';

/**
 * @typedef {import('./client-connection.js').ClientConnection} ClientConnection
 * @typedef {import('./client-connection.js').AckError} AckError
 * @typedef {import('./hub-state.js').HubState} HubState
 * @typedef {import('./log.js').EventLogger} EventLogger
 * @typedef {import('./upstream-session.js').UpstreamSession} UpstreamSession
 * @typedef {{
 *   connection: ClientConnection,
 *   hub: HubState,
 *   logger: EventLogger,
 *   upstreamSession?: UpstreamSession | null,
 * }} FrameContext
 * @typedef {(context: FrameContext, frame: Record<string, unknown>) => AckError | null}
 *   FrameHandler
 */

/** Frame types that can carry an ackId, with their handlers. */
/** @type {Record<string, FrameHandler>} */
const ACKED_FRAME_HANDLERS = {
  joinGroup: (context, frame) => changeMembership(context, frame, true),
  leaveGroup: (context, frame) => changeMembership(context, frame, false),
  sendToGroup: sendToGroup,
  event: handleUserEvent,
};

/**
 * Handles one WebSocket message from a subprotocol client.
 *
 * @param {FrameContext} context
 * @param {import('ws').RawData} data
 * @param {boolean} isBinary
 */
export function handleSubprotocolFrame(context, data, isBinary) {
  if (isBinary) {
    dropFrame(context, 'Binary frames are not valid in a JSON subprotocol.');
    return;
  }

  /** @type {unknown} */
  let frame;
  try {
    frame = JSON.parse(data.toString());
  } catch {
    dropFrame(context, 'The frame is not valid JSON.');
    return;
  }

  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    dropFrame(context, 'The frame is not a JSON object.');
    return;
  }

  const fields = /** @type {Record<string, unknown>} */ (frame);
  const { ackId } = fields;
  if (ackId !== undefined && !isValidAckId(ackId)) {
    dropFrame(context, 'The "ackId" field must be a non-negative integer.');
    return;
  }

  switch (fields.type) {
    case 'ping':
      context.connection.sendFrame({ type: 'pong' });
      return;

    case 'sequenceAck':
      acknowledgeSequence(context, fields.sequenceId);
      return;
  }

  const session = context.upstreamSession;
  if (fields.type === 'event' && session?.handlesUserEvent(fields.event)) {
    const payload = parsePayload(fields);
    // An invalid payload falls through to handleUserEvent, which rejects it with BadRequest.
    if (!(payload instanceof PayloadError)) {
      const upstreamContext = { connection: context.connection, session, logger: context.logger };
      forwardEventFrame(upstreamContext, /** @type {string} */ (fields.event), payload, ackId);
      return;
    }
  }

  const handler = typeof fields.type === 'string' ? ACKED_FRAME_HANDLERS[fields.type] : undefined;
  /** @type {AckError | null} */
  const error = handler
    ? runOnce(context, ackId, () => handler(context, fields))
    : {
        name: 'BadRequest',
        message: `Frame type ${JSON.stringify(fields.type)} is not supported.`,
      };

  if (ackId !== undefined) {
    context.connection.sendAck(ackId, error ?? undefined);
  } else if (error) {
    dropFrame(context, error.message, fields.type);
  }
}

/**
 * Runs a frame handler unless a frame with the same ackId already succeeded on this
 * connection. A frame that failed had no effect, so its ackId may be used again.
 *
 * @param {FrameContext} context
 * @param {number | undefined} ackId
 * @param {() => AckError | null} run
 * @returns {AckError | null}
 */
function runOnce({ connection }, ackId, run) {
  if (ackId === undefined) {
    return run();
  }

  if (connection.hasSeenAckId(ackId)) {
    return { name: 'Duplicate', message: `A message with ackId ${ackId} was already processed.` };
  }

  const error = run();
  if (!error) {
    connection.rememberAckId(ackId);
  }

  return error;
}

/**
 * @param {unknown} ackId
 * @returns {ackId is number}
 */
function isValidAckId(ackId) {
  return typeof ackId === 'number' && Number.isInteger(ackId) && ackId >= 0;
}

/**
 * @param {FrameContext} context
 * @param {Record<string, unknown>} frame
 * @param {boolean} isJoin
 * @returns {AckError | null}
 */
function changeMembership({ connection, hub }, frame, isJoin) {
  const { group } = frame;
  if (!isValidGroupName(group)) {
    return invalidGroupError();
  }

  if (!connection.hasPermission('joinLeaveGroup', group)) {
    return forbiddenError('webpubsub.joinLeaveGroup', group);
  }

  if (isJoin) {
    hub.joinGroup(connection, group);
  } else {
    hub.leaveGroup(connection, group);
  }

  return null;
}

/**
 * Publishes a message to every member of a group, except the sender when `noEcho` is true.
 *
 * @param {FrameContext} context
 * @param {Record<string, unknown>} frame
 * @returns {AckError | null}
 */
function sendToGroup({ connection, hub }, frame) {
  const { group, noEcho } = frame;
  if (!isValidGroupName(group)) {
    return invalidGroupError();
  }

  if (noEcho !== undefined && typeof noEcho !== 'boolean') {
    return { name: 'BadRequest', message: 'The "noEcho" field must be a boolean.' };
  }

  if (!connection.hasPermission('sendToGroup', group)) {
    return forbiddenError('webpubsub.sendToGroup', group);
  }

  const payload = parsePayload(frame);
  if (payload instanceof PayloadError) {
    return { name: 'BadRequest', message: payload.message };
  }

  /** @type {import('./client-connection.js').MessageSource} */
  const source = connection.userId === null
    ? { from: 'group', group }
    : { from: 'group', group, fromUserId: connection.userId };

  for (const member of hub.groupMembers(group)) {
    if (noEcho === true && member === connection) {
      continue;
    }
    member.deliver(source, payload);
  }

  return null;
}

/**
 * Validates a user event that no upstream takes. Every valid event is acknowledged as a success.
 *
 * @param {FrameContext} _context
 * @param {Record<string, unknown>} frame
 * @returns {AckError | null}
 */
function handleUserEvent(_context, frame) {
  if (typeof frame.event !== 'string' || frame.event.length === 0) {
    return { name: 'BadRequest', message: 'The "event" field must be a non-empty string.' };
  }

  const payload = parsePayload(frame);
  if (payload instanceof PayloadError) {
    return { name: 'BadRequest', message: payload.message };
  }

  return null;
}

/**
 * @param {Record<string, unknown>} frame
 * @returns {import('./payload.js').Payload | PayloadError}
 */
function parsePayload(frame) {
  try {
    return parseFramePayload(frame.dataType, frame.data);
  } catch (error) {
    if (error instanceof PayloadError) {
      return error;
    }
    throw error;
  }
}

/**
 * @param {FrameContext} context
 * @param {unknown} sequenceId
 */
function acknowledgeSequence(context, sequenceId) {
  if (!context.connection.isReliable) {
    const reason = 'Frame type "sequenceAck" is only valid in the reliable subprotocol.';
    dropFrame(context, reason, 'sequenceAck');
    return;
  }

  const isPositiveInteger =
    typeof sequenceId === 'number' && Number.isInteger(sequenceId) && sequenceId > 0;
  if (!isPositiveInteger || !context.connection.acknowledgeSequence(sequenceId)) {
    const reason = 'The "sequenceId" field must be a sequence id that was sent.';
    dropFrame(context, reason, 'sequenceAck');
  }
}

/** @returns {AckError} */
function invalidGroupError() {
  return {
    name: 'BadRequest',
    message: 'The "group" field must be 1 to 1024 characters and not only whitespace.',
  };
}

/**
 * @param {string} role
 * @param {string} group
 * @returns {AckError}
 */
function forbiddenError(role, group) {
  return { name: 'Forbidden', message: `The connection needs role ${role} or ${role}.${group}.` };
}

/**
 * Logs a frame that the emulator drops without an ack. Identical drops are counted.
 *
 * @param {FrameContext} context
 * @param {string} reason
 * @param {unknown} [frameType]
 */
export function dropFrame({ connection, logger }, reason, frameType) {
  logger.rejected('client.frame-dropped', {
    hub: connection.hubName,
    connectionId: connection.id,
    userId: connection.userId,
    ...(typeof frameType === 'string' ? { frameType } : {}),
    reason,
  });
}
