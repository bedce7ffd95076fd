// @ts-check
/**
 * In-memory state of the emulator: hubs, their connections, groups and users.
 *
 * Group names, user ids and connection ids are compared exactly.
 * NOTE: hub names are compared case-insensitively, so "Chat" and "chat" share connections and
 * groups. The event handler SDKs match hub names case-insensitively, but whether the service
 * shares state between hub names that differ only in case is not documented.
 */

/** @typedef {import('./client-connection.js').ClientConnection} ClientConnection */

/**
 * Connections, groups and users of one hub.
 */
export class HubState {
  /** @param {string} name the spelling of the first request that used the hub */
  constructor(name) {
    this.name = name;

    /** @type {Map<string, ClientConnection>} */
    this.connections = new Map();

    /** @type {Map<string, Set<ClientConnection>>} */
    this.groups = new Map();

    /** @type {Map<string, Set<ClientConnection>>} */
    this.users = new Map();
  }

  /** @param {ClientConnection} connection */
  addConnection(connection) {
    this.connections.set(connection.id, connection);

    if (connection.userId !== null) {
      addToIndex(this.users, connection.userId, connection);
    }
  }

  /**
   * Removes a connection from the hub, its groups and its user.
   *
   * @param {ClientConnection} connection
   */
  removeConnection(connection) {
    for (const group of [...connection.groups]) {
      this.leaveGroup(connection, group);
    }

    if (connection.userId !== null) {
      removeFromIndex(this.users, connection.userId, connection);
    }

    this.connections.delete(connection.id);
  }

  /**
   * @param {ClientConnection} connection
   * @param {string} group
   */
  joinGroup(connection, group) {
    connection.groups.add(group);
    addToIndex(this.groups, group, connection);
  }

  /**
   * @param {ClientConnection} connection
   * @param {string} group
   */
  leaveGroup(connection, group) {
    connection.groups.delete(group);
    removeFromIndex(this.groups, group, connection);
  }

  /**
   * @param {string} group
   * @returns {ClientConnection[]}
   */
  groupMembers(group) {
    return [...(this.groups.get(group) ?? [])];
  }

  /**
   * @param {string} userId
   * @returns {ClientConnection[]}
   */
  userConnections(userId) {
    return [...(this.users.get(userId) ?? [])];
  }
}

/**
 * All hubs of the emulator, plus an index of connections by id across hubs.
 */
export class HubRegistry {
  constructor() {
    /** @type {Map<string, HubState>} hubs by lower-cased name */
    this.hubs = new Map();

    /** @type {Map<string, ClientConnection>} */
    this.connectionsById = new Map();
  }

  /**
   * Returns the state of a hub, creating it on first use.
   *
   * @param {string} name
   * @returns {HubState}
   */
  hub(name) {
    const key = name.toLowerCase();
    let hub = this.hubs.get(key);

    if (!hub) {
      hub = new HubState(name);
      this.hubs.set(key, hub);
    }

    return hub;
  }

  /**
   * @param {string} name
   * @returns {HubState | undefined}
   */
  findHub(name) {
    return this.hubs.get(name.toLowerCase());
  }

  /**
   * @param {string} connectionId
   * @returns {ClientConnection | undefined}
   */
  findConnection(connectionId) {
    return this.connectionsById.get(connectionId);
  }

  /** @param {ClientConnection} connection */
  addConnection(connection) {
    this.connectionsById.set(connection.id, connection);
    this.hub(connection.hubName).addConnection(connection);
  }

  /** @param {ClientConnection} connection */
  removeConnection(connection) {
    this.connectionsById.delete(connection.id);
    this.findHub(connection.hubName)?.removeConnection(connection);
  }

  /** @returns {ClientConnection[]} */
  allConnections() {
    return [...this.connectionsById.values()];
  }
}

/**
 * @param {Map<string, Set<ClientConnection>>} index
 * @param {string} key
 * @param {ClientConnection} connection
 */
function addToIndex(index, key, connection) {
  let members = index.get(key);

  if (!members) {
    members = new Set();
    index.set(key, members);
  }

  members.add(connection);
}

/**
 * Removes a connection from an index and drops the key once it has no members.
 *
 * @param {Map<string, Set<ClientConnection>>} index
 * @param {string} key
 * @param {ClientConnection} connection
 */
function removeFromIndex(index, key, connection) {
  const members = index.get(key);
  if (!members) {
    return;
  }

  members.delete(connection);
  if (members.size === 0) {
    index.delete(key);
  }
}
