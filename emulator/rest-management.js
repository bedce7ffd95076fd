// @ts-check
/**
 * REST operations that inspect and change connections: existence checks, closing, group and
 * user membership, bulk group changes by filter, and permissions. Statuses follow the
 * data-plane REST API 2024-12-01. HEAD returns 200 or 404, adds and grants return 200, and
 * removals and closes return 204. Adding an unknown connection, or a user with no connection, to
 * a group returns 404 with an ErrorDetail.
 */
import { isValidGroupName } from './names.js';
import { FilterError, filterConnections } from './odata-filter.js';

/**
 * @typedef {import('./rest-routes.js').RestRoute} RestRoute
 * @typedef {import('./rest-routes.js').OperationContext} OperationContext
 * @typedef {import('./client-connection.js').ClientConnection} ClientConnection
 */

/** Maximum close reason in bytes: what a WebSocket close frame can carry (RFC 6455 section 5.5). */
const MAX_CLOSE_REASON_BYTES = 123;

/**
 * NOTE: the close code the service uses for a connection closed through the REST API is not
 * documented; 1000 (normal closure) is assumed.
 */
const REST_CLOSE_CODE = 1000;

/** @type {readonly RestRoute[]} */
export const MANAGEMENT_ROUTES = [
  {
    method: 'HEAD',
    path: '/api/hubs/{hub}/connections/{connectionId}',
    operation: 'connectionExists',
    queryParameters: [],
    run: ({ registry, params }) => ({ status: registry.findHub(params.hub)?.connections.has(params.connectionId) ? 200 : 404 }),
  },
  {
    method: 'HEAD',
    path: '/api/hubs/{hub}/groups/{group}',
    operation: 'groupExists',
    queryParameters: [],
    run: ({ registry, params }) => ({ status: (registry.findHub(params.hub)?.groupMembers(params.group).length ?? 0) > 0 ? 200 : 404 }),
  },
  {
    method: 'HEAD',
    path: '/api/hubs/{hub}/users/{userId}',
    operation: 'userExists',
    queryParameters: [],
    run: ({ registry, params }) => ({ status: (registry.findHub(params.hub)?.userConnections(params.userId).length ?? 0) > 0 ? 200 : 404 }),
  },
  {
    method: 'DELETE',
    path: '/api/hubs/{hub}/connections/{connectionId}',
    operation: 'closeConnection',
    queryParameters: ['reason'],
    run: (context) => {
      const connection = context.registry.findHub(context.params.hub)?.connections.get(context.params.connectionId);
      closeAll(context, connection ? [connection] : []);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    path: '/api/hubs/{hub}/:closeConnections',
    operation: 'closeAllConnections',
    queryParameters: ['excluded', 'reason'],
    run: (context) => {
      closeAll(context, [...(context.registry.findHub(context.params.hub)?.connections.values() ?? [])]);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    path: '/api/hubs/{hub}/users/{userId}/:closeConnections',
    operation: 'closeUserConnections',
    queryParameters: ['excluded', 'reason'],
    run: (context) => {
      closeAll(context, context.registry.findHub(context.params.hub)?.userConnections(context.params.userId) ?? []);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    path: '/api/hubs/{hub}/groups/{group}/:closeConnections',
    operation: 'closeGroupConnections',
    queryParameters: ['excluded', 'reason'],
    run: (context) => {
      closeAll(context, context.registry.findHub(context.params.hub)?.groupMembers(context.params.group) ?? []);
      return { status: 204 };
    },
  },
  {
    method: 'PUT',
    path: '/api/hubs/{hub}/groups/{group}/connections/{connectionId}',
    operation: 'addConnectionToGroup',
    queryParameters: [],
    run: ({ registry, params }) => {
      const hub = registry.findHub(params.hub);
      const connection = hub?.connections.get(params.connectionId);
      if (!hub || !connection) {
        return notFound(`Connection \`${params.connectionId}\` is not found.`, 'connectionId');
      }
      hub.joinGroup(connection, params.group);
      return { status: 200 };
    },
  },
  {
    method: 'DELETE',
    path: '/api/hubs/{hub}/groups/{group}/connections/{connectionId}',
    operation: 'removeConnectionFromGroup',
    queryParameters: [],
    run: ({ registry, params }) => {
      const hub = registry.findHub(params.hub);
      const connection = hub?.connections.get(params.connectionId);
      if (hub && connection) hub.leaveGroup(connection, params.group);
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    path: '/api/hubs/{hub}/connections/{connectionId}/groups',
    operation: 'removeConnectionFromAllGroups',
    minApiVersion: '2022-11-01',
    queryParameters: [],
    run: ({ registry, params }) => {
      const hub = registry.findHub(params.hub);
      const connection = hub?.connections.get(params.connectionId);
      if (hub && connection) leaveAllGroups(hub, [connection]);
      return { status: 204 };
    },
  },
  {
    method: 'PUT',
    path: '/api/hubs/{hub}/users/{userId}/groups/{group}',
    operation: 'addUserToGroup',
    queryParameters: [],
    run: ({ registry, params }) => {
      const hub = registry.findHub(params.hub);
      const connections = hub?.userConnections(params.userId) ?? [];
      if (!hub || connections.length === 0) {
        return notFound(`User \`${params.userId}\` is not found.`, 'userId');
      }
      for (const connection of connections) hub.joinGroup(connection, params.group);
      return { status: 200 };
    },
  },
  {
    method: 'DELETE',
    path: '/api/hubs/{hub}/users/{userId}/groups/{group}',
    operation: 'removeUserFromGroup',
    queryParameters: [],
    run: ({ registry, params }) => {
      const hub = registry.findHub(params.hub);
      for (const connection of hub?.userConnections(params.userId) ?? []) hub?.leaveGroup(connection, params.group);
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    path: '/api/hubs/{hub}/users/{userId}/groups',
    operation: 'removeUserFromAllGroups',
    queryParameters: [],
    run: ({ registry, params }) => {
      const hub = registry.findHub(params.hub);
      if (hub) leaveAllGroups(hub, hub.userConnections(params.userId));
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    path: '/api/hubs/{hub}/:addToGroups',
    operation: 'addConnectionsToGroups',
    minApiVersion: '2023-07-01',
    hasJsonBody: true,
    queryParameters: [],
    run: (context) => changeGroupsByFilter(context, 'join'),
  },
  {
    method: 'POST',
    path: '/api/hubs/{hub}/:removeFromGroups',
    operation: 'removeConnectionsFromGroups',
    minApiVersion: '2023-07-01',
    hasJsonBody: true,
    queryParameters: [],
    run: (context) => changeGroupsByFilter(context, 'leave'),
  },
  {
    method: 'PUT',
    path: '/api/hubs/{hub}/permissions/{permission}/connections/{connectionId}',
    operation: 'grantPermission',
    queryParameters: ['targetName'],
    run: ({ registry, params, query }) => {
      const connection = registry.findHub(params.hub)?.connections.get(params.connectionId);
      // NOTE: whether the service returns 404 or 200 for an unknown connection is not documented.
      if (!connection) return notFound(`Connection \`${params.connectionId}\` is not found.`, 'connectionId');
      connection.roles.add(permissionRole(params.permission, query.get('targetName')));
      return { status: 200 };
    },
  },
  {
    method: 'DELETE',
    path: '/api/hubs/{hub}/permissions/{permission}/connections/{connectionId}',
    operation: 'revokePermission',
    queryParameters: ['targetName'],
    run: ({ registry, params, query }) => {
      const connection = registry.findHub(params.hub)?.connections.get(params.connectionId);
      const targetName = query.get('targetName');
      if (connection && targetName !== null) {
        connection.roles.delete(permissionRole(params.permission, targetName));
      } else if (connection) {
        // Without a target, the permission goes for every group, scoped roles included.
        const role = permissionRole(params.permission, null);
        for (const granted of [...connection.roles]) {
          if (granted === role || granted.startsWith(`${role}.`)) connection.roles.delete(granted);
        }
      }
      return { status: 204 };
    },
  },
  {
    method: 'HEAD',
    path: '/api/hubs/{hub}/permissions/{permission}/connections/{connectionId}',
    operation: 'checkPermission',
    queryParameters: ['targetName'],
    run: ({ registry, params, query }) => {
      const connection = registry.findHub(params.hub)?.connections.get(params.connectionId);
      const targetName = query.get('targetName');
      const permission = /** @type {'joinLeaveGroup' | 'sendToGroup'} */ (params.permission);
      const hasPermission =
        connection !== undefined &&
        (targetName === null ? connection.roles.has(permissionRole(permission, null)) : connection.hasPermission(permission, targetName));
      return { status: hasPermission ? 200 : 404 };
    },
  },
];

/**
 * Returns the role that a granted permission adds to a connection, in the form a client token
 * carries: `webpubsub.<permission>` or `webpubsub.<permission>.<group>`.
 *
 * @param {string} permission
 * @param {string | null} targetName
 */
function permissionRole(permission, targetName) {
  return targetName === null ? `webpubsub.${permission}` : `webpubsub.${permission}.${targetName}`;
}

/**
 * Closes `connections` except those the `excluded` query names, with the `reason` query as
 * the reason, and removes them from the hub at once.
 *
 * @param {OperationContext} context
 * @param {ClientConnection[]} connections
 */
function closeAll({ registry, query }, connections) {
  const excluded = new Set(query.getAll('excluded'));
  const reason = truncateUtf8(query.get('reason') ?? '', MAX_CLOSE_REASON_BYTES);

  for (const connection of connections) {
    if (excluded.has(connection.id)) continue;
    connection.close(REST_CLOSE_CODE, reason);
    // A closed connection leaves REST results now, not when the client acknowledges the close.
    registry.removeConnection(connection);
  }
}

/**
 * @param {import('./hub-state.js').HubState} hub
 * @param {ClientConnection[]} connections
 */
function leaveAllGroups(hub, connections) {
  for (const connection of connections) {
    for (const group of [...connection.groups]) hub.leaveGroup(connection, group);
  }
}

/**
 * Runs `:addToGroups` or `:removeFromGroups`: body `{ groups: string[], filter?: string }`.
 *
 * @param {OperationContext} context
 * @param {'join' | 'leave'} change
 */
function changeGroupsByFilter({ registry, params, jsonBody }, change) {
  const body = /** @type {{ groups?: unknown, filter?: unknown } | null} */ (jsonBody);
  const groups = body?.groups;
  if (!Array.isArray(groups) || groups.length === 0 || !groups.every(isValidGroupName)) {
    return badRequest('The body must have "groups", a non-empty array of group names of 1 to 1024 characters, not only whitespace.', 'groups');
  }
  const filter = body?.filter;
  if (filter !== undefined && filter !== null && typeof filter !== 'string') {
    return badRequest('The "filter" of the body must be a string.', 'filter');
  }

  const hub = registry.findHub(params.hub);
  let selected;
  try {
    selected = filterConnections([...(hub?.connections.values() ?? [])], filter ?? null);
  } catch (error) {
    if (error instanceof FilterError) return badRequest(`The filter is invalid: ${error.message}`, 'filter');
    throw error;
  }

  for (const connection of selected) {
    for (const group of groups) {
      if (change === 'join') hub?.joinGroup(connection, group);
      else hub?.leaveGroup(connection, group);
    }
  }
  return { status: 200 };
}

/**
 * @param {string} message
 * @param {string} target
 */
function notFound(message, target) {
  return { error: { status: 404, code: 'NotFound', message, target } };
}

/**
 * @param {string} message
 * @param {string} target
 */
function badRequest(message, target) {
  return { error: { status: 400, code: 'InvalidRequestBody', message, target } };
}

/**
 * Cuts `text` to at most `maxBytes` bytes of UTF-8 without splitting a character.
 *
 * @param {string} text
 * @param {number} maxBytes
 */
function truncateUtf8(text, maxBytes) {
  let result = '';
  let bytes = 0;
  for (const char of text) {
    bytes += Buffer.byteLength(char);
    if (bytes > maxBytes) break;
    result += char;
  }
  return result;
}
