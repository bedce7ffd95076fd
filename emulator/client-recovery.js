// @ts-check
/**
 * Recovery of reliable connections (Azure doc "Create reliable WebSocket clients with
 * subprotocol"): a client whose socket dropped reconnects with `awps_connection_id` and
 * `awps_reconnection_token`, gets its connection back with its groups, and receives again every
 * message it has not acknowledged. A request that cannot be recovered is closed with 1008.
 */
import { WebSocket } from 'ws';

/**
 * @typedef {import('./client-connection.js').ClientConnection} ClientConnection
 * @typedef {import('./hub-state.js').HubRegistry} HubRegistry
 */

/**
 * Returns the connection a recovery request may take over, or null.
 *
 * @param {HubRegistry} registry
 * @param {{ hubName: string, connectionId: string, reconnectionToken: string, subprotocol: string }} request
 * @returns {ClientConnection | null}
 */
export function findRecoverableConnection(registry, request) {
  const connection = registry.findConnection(request.connectionId);
  if (!connection || !connection.isReliable || connection.isClosedByService) {
    return null;
  }

  const isSameHub = registry.findHub(request.hubName) === registry.findHub(connection.hubName);
  if (!isSameHub || request.subprotocol !== connection.subprotocol) {
    return null;
  }

  if (!connection.matchesReconnectionToken(request.reconnectionToken)) {
    return null;
  }

  // NOTE: a connection whose socket is still open and read belongs to a live client, so the
  // emulator does not hand it to a second socket. A stalled (half-open) one is taken over, as
  // when the client gave up on a socket the service still thinks is open. Whether the service
  // takes over a live connection is not documented.
  if (!connection.isDetached && !connection.isStalled) {
    return null;
  }

  return connection;
}

/**
 * Moves a connection to the socket of a recovery request. A still-open previous socket (a
 * stalled one) is destroyed first; its close event is then ignored because it is no longer the
 * connection's socket.
 *
 * NOTE: the emulator sends no new `connected` frame after a recovery. The service documents
 * that frame for new connections only.
 *
 * @param {ClientConnection} connection
 * @param {WebSocket} webSocket
 * @param {import('node:stream').Duplex} socket
 */
export function reattachConnection(connection, webSocket, socket) {
  const previous = connection.webSocket;
  if (previous.readyState !== WebSocket.CLOSED) {
    previous.terminate();
  }

  connection.attach(webSocket, socket);
}
