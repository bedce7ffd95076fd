// @ts-check
/**
 * The client WebSocket endpoint `/client/hubs/{hub}`: authenticates the upgrade request,
 * chooses the subprotocol and wires each accepted socket to the hub state.
 *
 * The access token comes from the `access_token` query parameter or an
 * `Authorization: Bearer` header. A rejected upgrade gets a plain HTTP response (401 for a
 * token problem) and no WebSocket.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { WebSocketServer } from 'ws';
import { AuthError, readBearerToken, verifyClientToken } from './auth.js';
import { ClientConnection, SUPPORTED_SUBPROTOCOLS } from './client-connection.js';
import { dropFrame, handleSubprotocolFrame } from './client-frames.js';
import { pathWithoutQuery } from './log.js';
import { isValidGroupName, isValidHubName } from './names.js';
import { MAX_MESSAGE_BYTES } from './payload.js';

const CLIENT_PATH_PATTERN = /^\/client\/hubs\/([^/]+)$/;

/**
 * @typedef {object} ClientEndpointOptions
 * @property {import('./hub-state.js').HubRegistry} registry
 * @property {readonly string[]} accessKeys
 * @property {import('./log.js').EventLogger} logger
 * @property {() => boolean} isClosing
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
  const webSocketServer = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: MAX_MESSAGE_BYTES,
    handleProtocols: chooseSubprotocol,
  });

  /** Upgrade sockets whose token is still being verified. */
  const pendingSockets = new Set();

  /** @type {UpgradeHandler} */
  function handleUpgrade(request, socket, head) {
    pendingSockets.add(socket);
    const onSocketError = (/** @type {Error} */ error) => {
      options.logger.error(error, { path: pathWithoutQuery(request.url) });
    };
    socket.on('error', onSocketError);

    authenticateUpgrade(options, request, socket)
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
        webSocketServer.handleUpgrade(request, socket, head, (webSocket) => {
          if (accepted.kind === 'recovery') {
            closeUnrecoverable(options, accepted.hubName, webSocket);
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
 * @typedef {{ kind: 'connect', hubName: string, claims: import('./auth.js').ClientClaims }
 *   | { kind: 'recovery', hubName: string }} AcceptedUpgrade
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
    // TODO: recover the connection when the reconnection token matches a connection that
    // dropped less than 30 seconds ago: reattach it and resend its unacknowledged messages.
    // Until then, every recovery attempt is closed with code 1008, which makes the client
    // start a new connection.
    return { kind: 'recovery', hubName };
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
    return { kind: 'connect', hubName, claims };
  } catch (error) {
    if (!(error instanceof AuthError)) {
      throw error;
    }
    rejectUpgrade(options, request, socket, 401, error.message, hubName);
    return null;
  }
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
 */
function rejectUpgrade(options, request, socket, status, reason, hubName) {
  options.logger.rejected('client.rejected', {
    ...(hubName ? { hub: hubName } : {}),
    path: pathWithoutQuery(request.url),
    status,
    reason,
  });

  if (socket.destroyed) {
    return;
  }

  const body = `${reason}\n`;
  const response = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
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
 * Accepts a recovery attempt at the WebSocket level and closes it with 1008, the code that
 * signals to a client that the connection cannot be recovered.
 *
 * @param {ClientEndpointOptions} options
 * @param {string} hubName
 * @param {import('ws').WebSocket} webSocket
 */
function closeUnrecoverable(options, hubName, webSocket) {
  options.logger.rejected('client.recovery-rejected', {
    hub: hubName,
    reason: 'Connection recovery is not supported yet.',
  });
  webSocket.on('error', (error) => options.logger.error(error, { hub: hubName }));
  webSocket.close(1008, 'The connection cannot be recovered');
}

/**
 * Registers an accepted connection, joins the groups from its token and starts reading frames.
 *
 * @param {ClientEndpointOptions} options
 * @param {{ hubName: string, claims: import('./auth.js').ClientClaims }} accepted
 * @param {import('ws').WebSocket} webSocket
 * @param {import('node:stream').Duplex} socket
 */
function openConnection(options, accepted, webSocket, socket) {
  const { registry, logger } = options;
  const connection = new ClientConnection({
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

  webSocket.on('message', (data, isBinary) => {
    const context = { connection, hub: registry.hub(connection.hubName), logger };

    if (connection.subprotocol === null) {
      // TODO: forward frames of simple clients upstream as `message` events. Until upstream
      // webhooks exist they have nowhere to go.
      dropFrame(context, 'Frames from clients without a subprotocol are not supported yet.');
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
    registry.removeConnection(connection);
    logger.info('client.closed', { ...ids, code, reason: reason.toString() });
  });

  if (connection.subprotocol !== null) {
    connection.sendConnected();
  }

  logger.info('client.connected', { ...ids, subprotocol: connection.subprotocol });
}
