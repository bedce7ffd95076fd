// @ts-check
/**
 * Test hooks for fault tests: inspect connections and break them on purpose. They are only
 * reachable from the object that `startEmulator` returns, never over HTTP.
 */

/**
 * Snapshot of one client connection.
 *
 * @typedef {object} ConnectionInfo
 * @property {string} connectionId
 * @property {string | null} userId
 * @property {string[]} roles
 * @property {string[]} groups
 * @property {string | null} subprotocol null for a client without a subprotocol
 * @property {boolean} isStalled
 */

/**
 * @typedef {object} EmulatorHooks
 * @property {(hub: string) => ConnectionInfo[]} connections
 *   Lists the open connections of a hub. The hub name is compared case-insensitively.
 * @property {(connectionId: string) => boolean} dropConnection
 *   Destroys the TCP socket without a close frame. Returns false for an unknown connection.
 * @property {(connectionId: string, code?: number, reason?: string) => boolean} closeConnection
 *   Closes the connection with a close frame, after a `disconnected` system frame for
 *   subprotocol clients. `code` defaults to 1000. Throws for a code that WebSocket forbids
 *   or a reason longer than 123 bytes. Returns false for an unknown connection.
 * @property {(connectionId: string) => boolean} stallConnection
 *   Stops reading from and writing to the connection while its TCP socket stays open, like
 *   a half-open connection. Returns false for an unknown connection.
 * @property {(connectionId: string) => boolean} dropBeforeNextAck
 *   Runs the next frame that requests an ack, then destroys the TCP socket instead of sending
 *   the ack, like an ack lost with the connection. Returns false for an unknown connection.
 * @property {(hub: string) => string[]} recoverableConnections
 *   Lists the ids of the reliable connections of a hub whose socket dropped and that wait for
 *   recovery. `connections` leaves them out.
 */

/**
 * @param {import('./hub-state.js').HubRegistry} registry
 * @returns {EmulatorHooks}
 */
export function createHooks(registry) {
  /**
   * @param {string} connectionId
   * @param {(connection: import('./client-connection.js').ClientConnection) => void} action
   */
  const withConnection = (connectionId, action) => {
    const connection = registry.findConnection(connectionId);
    if (!connection) {
      return false;
    }

    action(connection);
    return true;
  };

  const hubConnections = (/** @type {string} */ hub) => [
    ...(registry.findHub(hub)?.connections.values() ?? []),
  ];

  return {
    connections: (hub) =>
      hubConnections(hub)
        .filter((connection) => !connection.isDetached)
        .map((connection) => ({
          connectionId: connection.id,
          userId: connection.userId,
          roles: [...connection.roles],
          groups: [...connection.groups],
          subprotocol: connection.subprotocol,
          isStalled: connection.isStalled,
        })),
    dropConnection: (connectionId) =>
      withConnection(connectionId, (connection) => connection.drop()),
    closeConnection: (connectionId, code = 1000, reason = '') =>
      withConnection(connectionId, (connection) => connection.close(code, reason)),
    stallConnection: (connectionId) =>
      withConnection(connectionId, (connection) => connection.stall()),
    dropBeforeNextAck: (connectionId) =>
      withConnection(connectionId, (connection) => {
        connection.isNextAckDropped = true;
      }),
    recoverableConnections: (hub) =>
      hubConnections(hub)
        .filter((connection) => connection.isDetached)
        .map((connection) => connection.id),
  };
}
