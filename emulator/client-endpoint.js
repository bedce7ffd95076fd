// @ts-check
/**
 * The client WebSocket endpoint `/client/hubs/{hub}`: authenticates the upgrade request,
 * chooses the subprotocol and wires each accepted socket to the hub state.
 *
 * The access token comes from the `access_token` query parameter or an
 * `Authorization: Bearer` header. A rejected upgrade gets a plain HTTP response (401 for a
 * token problem) and no WebSocket. With an upstream, its `connect` event decides the upgrade
 * and may change the connection's identity and subprotocol.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { WebSocketServer } from 'ws';
import { AuthError, readBearerToken, verifyClientToken } from './auth.js';
import { ClientConnection, SUPPORTED_SUBPROTOCOLS, createRandomId } from './client-connection.js';
import { dropFrame, handleSubprotocolFrame } from './client-frames.js';
import { findRecoverableConnection, reattachConnection } from './client-recovery.js';
import { pathWithoutQuery } from './log.js';
import { isValidGroupName, isValidHubName } from './names.js';
import { MAX_MESSAGE_BYTES } from './payload.js';
import { SIMPLE_CLIENT_EVENT, forwardSimpleFrame } from './upstream-frames.js';
import { UpstreamSession, readUpgradeRequest } from './upstream-session.js';

const CLIENT_PATH_PATTERN = /^\/client\/hubs\/([^/]+)$/;

/**
 * Upstream sessions of the connections whose `connect` went through an upstream. A recovered
 * connection keeps its session, with its connection state.
 * @type {WeakMap<ClientConnection, UpstreamSession>}
 */
const upstreamSessions = new WeakMap();

/**
 * @typedef {object} ClientEndpointOptions
 * @property {import('./hub-state.js').HubRegistry} registry
 * @property {readonly string[]} accessKeys
 * @property {import('./log.js').EventLogger} logger
 * @property {() => boolean} isClosing
 * @property {() => import('./upstream.js').Upstream | null} [upstream] the upstream event
 *   handler, if the emulator has one
 */

/**
 * @typedef {(
 *   request: import('node:http').IncomingMessage,
 *   socket: import('node:stream').Duplex,
 *   head: Buffer,
 * ) => void} UpgradeHandler
 */

/**
 * Creates the handler for the HTTP server's `upgrade` event.
 *
 * @param {ClientEndpointOptions} options
 * @returns {{ handleUpgrade: UpgradeHandler, destroyPendingSockets: () => void }}
 */
export function createClientEndpoint(options) {
  /**
   * Subprotocols that an upstream's `connect` response chose, by upgrade request. `false`
   * accepts the connection without a subprotocol.
   * @type {WeakMap<import('node:http').IncomingMessage, string | false>}
   */
  const chosenSubprotocols = new WeakMap();

  const webSocketServer = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: MAX_MESSAGE_BYTES,
    handleProtocols: (offered, request) =>
      chosenSubprotocols.get(request) ?? chooseSubprotocol(offered),
  });

  /** Upgrade sockets whose token check or upstream `connect` event is still running. */
  const pendingSockets = new Set();

  /** @type {UpgradeHandler} */
  function handleUpgrade(request, socket, head) {
    pendingSockets.add(socket);
    const onSocketError = (/** @type {Error} */ error) => {
      options.logger.error(error, { path: pathWithoutQuery(request.url) });
    };
    socket.on('error', onSocketError);

    authenticateUpgrade(options, request, socket)
      .then((accepted) =>
        accepted?.kind === 'connect'
          ? admitConnection(options, accepted, request, socket)
          : accepted,
      )
      .then((accepted) => {
        pendingSockets.delete(socket);
        if (!accepted || socket.destroyed) {
          return;
        }

        if (options.isClosing()) {
          rejectUpgrade(options, request, socket, 503, 'The emulator is shutting down.');
          return;
        }

        socket.off('error', onSocketError);
        if (accepted.kind === 'connect' && accepted.subprotocol !== undefined) {
          chosenSubprotocols.set(request, accepted.subprotocol ?? false);
        }
        webSocketServer.handleUpgrade(request, socket, head, (webSocket) => {
          if (accepted.kind === 'recovery') {
            recoverConnection(options, accepted, webSocket, socket);
          } else {
            openConnection(options, accepted, webSocket, socket);
          }
        });
      })
      .catch((error) => {
        pendingSockets.delete(socket);
        options.logger.error(error, { path: pathWithoutQuery(request.url) });
        const reason = 'The emulator failed to process the upgrade request.';
        rejectUpgrade(options, request, socket, 500, reason);
      });
  }

  function destroyPendingSockets() {
    for (const socket of pendingSockets) {
      socket.destroy();
    }
    pendingSockets.clear();
  }

  return { handleUpgrade, destroyPendingSockets };
}

/**
 * Chooses the first subprotocol the client offered that the emulator supports. Returning
 * false accepts the connection without a subprotocol, as a simple WebSocket client.
 *
 * @param {Set<string>} offered in the client's order
 * @returns {string | false}
 */
function chooseSubprotocol(offered) {
  for (const protocol of offered) {
    if (SUPPORTED_SUBPROTOCOLS.has(protocol)) {
      return protocol;
    }
  }
  return false;
}

/**
 * An upgrade request that passed the checks. A `connect` upgrade gets its connection id, final
 * identity, subprotocol and upstream session in {@link admitConnection}.
 *
 * @typedef {{ kind: 'recovery', hubName: string, connectionId: string, reconnectionToken: string }}
 *   RecoveryUpgrade
 * @typedef {{
 *   kind: 'connect',
 *   hubName: string,
 *   token: string,
 *   claims: import('./auth.js').ClientClaims,
 *   connectionId?: string,
 *   subprotocol?: string | null,
 *   upstreamSession?: UpstreamSession | null,
 * }} ConnectUpgrade
 * @typedef {ConnectUpgrade | RecoveryUpgrade} AcceptedUpgrade
 */

/**
 * Checks the path, hub and token of an upgrade request. Rejects the socket and returns null
 * when a check fails.
 *
 * @param {ClientEndpointOptions} options
 * @param {import('node:http').IncomingMessage} request
 * @param {import('node:stream').Duplex} socket
 * @returns {Promise<AcceptedUpgrade | null>}
 */
async function authenticateUpgrade(options, request, socket) {
  const target = request.url ?? '';
  const path = pathWithoutQuery(target);
  const match = CLIENT_PATH_PATTERN.exec(path);
  if (!match) {
    const reason = 'WebSocket connections are accepted at /client/hubs/{hub}.';
    rejectUpgrade(options, request, socket, 404, reason);
    return null;
  }

  let hubName;
  try {
    hubName = decodeURIComponent(match[1]);
  } catch {
    hubName = undefined;
  }
  if (!isValidHubName(hubName)) {
    const reason = 'The hub name must start with a letter and have at most 128 characters.';
    rejectUpgrade(options, request, socket, 400, reason);
    return null;
  }

  const query = new URLSearchParams(target.slice(path.length));
  const recoveringConnectionId = query.get('awps_connection_id');
  const reconnectionToken = query.get('awps_reconnection_token');
  if (recoveringConnectionId !== null && reconnectionToken !== null) {
    // The reconnection token authenticates a recovery; the access token may have expired.
    return { kind: 'recovery', hubName, connectionId: recoveringConnectionId, reconnectionToken };
  }

  const token = query.get('access_token') ?? readBearerToken(request.headers.authorization);
  if (!token) {
    const reason =
      'The access token is missing. Pass it as access_token or an Authorization header.';
    rejectUpgrade(options, request, socket, 401, reason, hubName);
    return null;
  }

  try {
    const audienceParts = { host: request.headers.host, path };
    const claims = await verifyClientToken(token, audienceParts, options.accessKeys);
    return { kind: 'connect', hubName, token, claims };
  } catch (error) {
    if (!(error instanceof AuthError)) {
      throw error;
    }
    rejectUpgrade(options, request, socket, 401, error.message, hubName);
    return null;
  }
}

/**
 * Sends the upstream's `connect` event, when the emulator has an upstream, and completes the
 * accepted upgrade with the outcome: the connection id, the identity and subprotocol the
 * upstream chose, and the session for the connection's later events. Rejects the socket and
 * returns null when the upstream rejects the connection.
 *
 * @param {ClientEndpointOptions} options
 * @param {ConnectUpgrade} accepted
 * @param {import('node:http').IncomingMessage} request
 * @param {import('node:stream').Duplex} socket
 * @returns {Promise<AcceptedUpgrade | null>}
 */
async function admitConnection(options, accepted, request, socket) {
  const upstream = options.upstream?.() ?? null;
  const connectionId = createRandomId();
  if (upstream === null) {
    return { ...accepted, connectionId };
  }

  const { hubName, claims, token } = accepted;
  const { logger } = options;
  const upstreamSession = new UpstreamSession({ upstream, hubName, connectionId, logger });
  const upgradeRequest = readUpgradeRequest(request, token);
  const outcome = await upstreamSession.connect(claims, upgradeRequest, SUPPORTED_SUBPROTOCOLS);
  if (!outcome.isAccepted) {
    const { status, reason, text } = outcome;
    rejectUpgrade(options, request, socket, status, reason, hubName, text);
    return null;
  }

  return {
    ...accepted,
    connectionId,
    claims: outcome.identity,
    subprotocol: outcome.subprotocol,
    upstreamSession,
  };
}

/**
 * Rejects an upgrade request with a plain HTTP error response and closes the socket.
 *
 * @param {ClientEndpointOptions} options
 * @param {import('node:http').IncomingMessage} request
 * @param {import('node:stream').Duplex} socket
 * @param {number} status
 * @param {string} reason safe to log and to send: never contains the token
 * @param {string} [hubName]
 * @param {string} [body] response text when it differs from `reason`, such as the upstream's
 *   text, which is sent but not logged
 */
function rejectUpgrade(options, request, socket, status, reason, hubName, body = `${reason}\n`) {
  options.logger.rejected('client.rejected', {
    ...(hubName ? { hub: hubName } : {}),
    path: pathWithoutQuery(request.url),
    status,
    reason,
  });

  if (socket.destroyed) {
    return;
  }

  const response = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `x-ms-request-id: ${randomUUID()}`,
    '',
    body,
  ].join('\r\n');

  socket.once('finish', () => socket.destroy());
  socket.end(response);
}

/**
 * Gives a recovery request its connection back, or closes the socket with 1008, the code that
 * signals to a client to start a new connection.
 *
 * @param {ClientEndpointOptions} options
 * @param {RecoveryUpgrade} accepted
 * @param {import('ws').WebSocket} webSocket
 * @param {import('node:stream').Duplex} socket
 */
function recoverConnection(options, accepted, webSocket, socket) {
  const connection = findRecoverableConnection(options.registry, {
    ...accepted,
    subprotocol: webSocket.protocol,
  });

  if (!connection) {
    closeUnrecoverable(options, accepted.hubName, webSocket);
    return;
  }

  reattachConnection(connection, webSocket, socket);
  listenToConnection(options, connection, webSocket);
  options.logger.info('client.recovered', {
    hub: connection.hubName,
    connectionId: connection.id,
    userId: connection.userId,
    resentCount: connection.unackedMessages.length,
  });
}

/**
 * Accepts a recovery attempt at the WebSocket level and closes it with 1008.
 *
 * @param {ClientEndpointOptions} options
 * @param {string} hubName
 * @param {import('ws').WebSocket} webSocket
 */
function closeUnrecoverable(options, hubName, webSocket) {
  options.logger.rejected('client.recovery-rejected', {
    hub: hubName,
    reason:
      'No reliable connection with that id and reconnection token waits for recovery: it expired, ' +
      'was closed by the service, or is still open.',
  });
  webSocket.on('error', (error) => options.logger.error(error, { hub: hubName }));
  webSocket.close(1008, 'The connection cannot be recovered');
}

/**
 * Registers an accepted connection, joins the groups from its token (or from the upstream's
 * `connect` response) and starts reading frames.
 *
 * @param {ClientEndpointOptions} options
 * @param {ConnectUpgrade} accepted
 * @param {import('ws').WebSocket} webSocket
 * @param {import('node:stream').Duplex} socket
 */
function openConnection(options, accepted, webSocket, socket) {
  const { registry, logger } = options;
  const connection = new ClientConnection({
    id: accepted.connectionId,
    hubName: accepted.hubName,
    userId: accepted.claims.userId,
    roles: accepted.claims.roles,
    subprotocol: webSocket.protocol === '' ? null : webSocket.protocol,
    webSocket,
    socket,
    logger,
  });
  const ids = { hub: connection.hubName, connectionId: connection.id, userId: connection.userId };

  registry.addConnection(connection);
  const hub = registry.hub(connection.hubName);
  if (accepted.upstreamSession) {
    upstreamSessions.set(connection, accepted.upstreamSession);
  }

  for (const group of accepted.claims.groups) {
    if (isValidGroupName(group)) {
      hub.joinGroup(connection, group);
    } else {
      logger.warn('client.group-skipped', {
        ...ids,
        reason: 'A webpubsub.group claim is not a valid group name.',
      });
    }
  }

  listenToConnection(options, connection, webSocket);

  if (connection.subprotocol !== null) {
    connection.sendConnected();
  }
  accepted.upstreamSession?.notifyConnected();

  logger.info('client.connected', { ...ids, subprotocol: connection.subprotocol });
}

/**
 * Reads the frames of a connection's socket and handles its close. When a reliable connection
 * loses its socket, it waits for recovery instead of leaving the hub.
 *
 * @param {ClientEndpointOptions} options
 * @param {ClientConnection} connection
 * @param {import('ws').WebSocket} webSocket
 */
function listenToConnection(options, connection, webSocket) {
  const { registry, logger } = options;
  const ids = { hub: connection.hubName, connectionId: connection.id, userId: connection.userId };
  const upstreamSession = upstreamSessions.get(connection) ?? null;

  webSocket.on('message', (data, isBinary) => {
    const context = { connection, hub: registry.hub(connection.hubName), logger, upstreamSession };

    if (connection.subprotocol === null) {
      if (upstreamSession?.handlesUserEvent(SIMPLE_CLIENT_EVENT)) {
        forwardSimpleFrame({ connection, session: upstreamSession, logger }, data, isBinary);
        return;
      }

      // NOTE: users of the service have reported such a client closed after its first frame
      // when no upstream takes the `message` event. The emulator logs and drops the frame.
      dropFrame(context, 'No upstream takes the "message" event of clients without a subprotocol.');
      return;
    }

    try {
      handleSubprotocolFrame(context, data, isBinary);
    } catch (error) {
      logger.error(error, ids);
    }
  });

  webSocket.on('error', (error) => logger.error(error, ids));

  webSocket.on('close', (code, reason) => {
    // A socket replaced by a recovery closes after its successor is attached.
    if (connection.webSocket !== webSocket) {
      return;
    }

    logger.info('client.closed', { ...ids, code, reason: reason.toString() });
    // The upstream hears of the disconnection only once the connection leaves the hub.
    const closeReason = reason.toString() || `The connection closed with code ${code}.`;
    if (!connection.isRecoverableAfterClose(code)) {
      registry.removeConnection(connection);
      upstreamSession?.notifyDisconnected(closeReason);
      return;
    }

    connection.keepForRecovery(() => {
      registry.removeConnection(connection);
      logger.info('client.removed', { ...ids, reason: 'The connection was not recovered.' });
      upstreamSession?.notifyDisconnected(closeReason);
    });
  });
}
