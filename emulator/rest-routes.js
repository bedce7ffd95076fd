// @ts-check
/**
 * The REST operations of the data-plane API as a route table, with path matching and the
 * validation of path and query parameters.
 *
 * The send operations are here; the other operations are in rest-management.js,
 * rest-list-connections.js and rest-generate-token.js. To add an operation, add a row to one of
 * their tables. Path parameters in braces are percent-decoded and checked by
 * {@link PATH_PARAMETER_RULES} before the operation runs.
 */
import { isValidGroupName, isValidHubName } from './names.js';
import { FilterError, filterConnections, parseFilter } from './odata-filter.js';
import { GENERATE_TOKEN_QUERY_RULES, GENERATE_TOKEN_ROUTE } from './rest-generate-token.js';
import { LIST_CONNECTIONS_QUERY_RULES, LIST_CONNECTIONS_ROUTE } from './rest-list-connections.js';
import { MANAGEMENT_ROUTES } from './rest-management.js';

/**
 * @typedef {import('./hub-state.js').HubRegistry} HubRegistry
 * @typedef {import('./payload.js').Payload} Payload
 * @typedef {{ status: number, code: string, message: string, target?: string }} RestError
 *
 * @typedef {object} OperationContext
 * @property {HubRegistry} registry
 * @property {Record<string, string>} params decoded path parameters
 * @property {URLSearchParams} query
 * @property {Payload | undefined} payload set when the route has a message body
 * @property {unknown} [jsonBody] the parsed body, when the route has a JSON body
 * @property {string} host the Host header, for absolute URLs in responses and token audiences
 * @property {string} apiVersion the request's api-version
 * @property {readonly string[]} accessKeys the emulator's keys; the first one signs tokens
 *
 * @typedef {{ status: number, body?: unknown } | { error: RestError }} RouteResult
 *   `body` is sent as JSON
 *
 * @typedef {object} RestRoute
 * @property {string} method
 * @property {string} path template such as `/api/hubs/{hub}/:send`
 * @property {string} operation operation name, for logs
 * @property {boolean} [hasMessageBody] whether the body is a message (JSON, text or binary)
 * @property {boolean} [hasJsonBody] whether the body is a JSON object for the operation
 * @property {string} [minApiVersion] the first api-version that has the operation
 * @property {readonly string[]} queryParameters optional query parameters besides api-version
 * @property {(context: OperationContext) => RouteResult | Promise<RouteResult>} run
 */

/** REST API versions the emulator accepts: the stable versions published so far. */
export const SUPPORTED_API_VERSIONS = new Set([
  '2021-10-01',
  '2022-11-01',
  '2023-07-01',
  '2024-01-01',
  '2024-12-01',
]);

/** Upper bound of `messageTtlSeconds`; 0 means that the message never expires. */
const MAX_MESSAGE_TTL_SECONDS = 300;

/** @type {import('./client-connection.js').MessageSource} */
const FROM_SERVER = { from: 'server' };

/** @type {readonly RestRoute[]} */
const SEND_ROUTES = [
  {
    method: 'POST',
    path: '/api/hubs/{hub}/:send',
    operation: 'sendToAll',
    hasMessageBody: true,
    queryParameters: ['excluded', 'filter', 'messageTtlSeconds'],
    run: ({ registry, params, query, payload }) => {
      const hub = registry.findHub(params.hub);
      deliverToAll(hub ? [...hub.connections.values()] : [], query, payload);
      return { status: 202 };
    },
  },
  {
    method: 'POST',
    path: '/api/hubs/{hub}/users/{userId}/:send',
    operation: 'sendToUser',
    hasMessageBody: true,
    queryParameters: ['filter', 'messageTtlSeconds'],
    run: ({ registry, params, query, payload }) => {
      const connections = registry.findHub(params.hub)?.userConnections(params.userId) ?? [];
      deliverToAll(connections, query, payload);
      return { status: 202 };
    },
  },
  {
    method: 'POST',
    path: '/api/hubs/{hub}/connections/{connectionId}/:send',
    operation: 'sendToConnection',
    hasMessageBody: true,
    queryParameters: ['messageTtlSeconds'],
    run: ({ registry, params, query, payload }) => {
      const connection = registry.findHub(params.hub)?.connections.get(params.connectionId);
      deliverToAll(connection ? [connection] : [], query, payload);
      return { status: 202 };
    },
  },
  {
    method: 'POST',
    path: '/api/hubs/{hub}/groups/{group}/:send',
    operation: 'sendToGroup',
    hasMessageBody: true,
    queryParameters: ['excluded', 'filter', 'messageTtlSeconds'],
    run: ({ registry, params, query, payload }) => {
      const members = registry.findHub(params.hub)?.groupMembers(params.group) ?? [];
      deliverToAll(members, query, payload);
      return { status: 202 };
    },
  },
];

/** @type {readonly RestRoute[]} */
export const REST_ROUTES = [...SEND_ROUTES, ...MANAGEMENT_ROUTES, LIST_CONNECTIONS_ROUTE, GENERATE_TOKEN_ROUTE];

/**
 * First api-versions of query parameters that arrived after their operation. The emulator
 * rejects them for an older version, so that a client that sends them there is caught.
 */
const QUERY_PARAMETER_MIN_API_VERSIONS = /** @type {Record<string, string>} */ ({
  filter: '2022-11-01',
  group: '2022-11-01',
  messageTtlSeconds: '2024-01-01',
  clientType: '2024-01-01',
});

/**
 * Delivers a REST message to each connection that the `excluded` query does not name and the
 * `filter` query, if any, selects.
 *
 * @param {import('./client-connection.js').ClientConnection[]} connections
 * @param {URLSearchParams} query
 * @param {Payload | undefined} payload
 */
function deliverToAll(connections, query, payload) {
  if (!payload) {
    throw new Error('A send operation ran without a message payload.');
  }

  const excluded = new Set(query.getAll('excluded'));
  // Query validation already parsed the filter, so parsing it again here cannot fail.
  for (const connection of filterConnections(connections, query.get('filter'))) {
    if (!excluded.has(connection.id)) {
      connection.deliver(FROM_SERVER, payload);
    }
  }
}

/**
 * Rules for path parameters, by name. Each returns an error message or null.
 *
 * @type {Record<string, (value: string) => string | null>}
 */
const PATH_PARAMETER_RULES = {
  hub: (value) =>
    isValidHubName(value)
      ? null
      : 'The hub name must start with a letter, have at most 128 characters ' +
        'and contain only letters, digits and _`,.[].',
  group: (value) =>
    isValidGroupName(value)
      ? null
      : 'The group name must be 1 to 1024 characters and not only whitespace.',
  userId: (value) => (value.length > 0 ? null : 'The user id must not be empty.'),
  connectionId: (value) => (value.length > 0 ? null : 'The connection id must not be empty.'),
  permission: (value) =>
    value === 'joinLeaveGroup' || value === 'sendToGroup'
      ? null
      : `The permission "${value}" is invalid. Use joinLeaveGroup or sendToGroup.`,
};

/** Rules for optional query parameters, by name. Each returns an error message or null. */
/** @type {Record<string, (values: string[]) => string | null>} */
const QUERY_PARAMETER_RULES = {
  ...LIST_CONNECTIONS_QUERY_RULES,
  ...GENERATE_TOKEN_QUERY_RULES,
  excluded: () => null,
  reason: (values) => (values.length === 1 ? null : 'reason must appear at most once.'),
  targetName: (values) =>
    values.length === 1 && isValidGroupName(values[0])
      ? null
      : 'targetName must be one group name of 1 to 1024 characters, not only whitespace.',
  group: (values) =>
    values.every(isValidGroupName) ? null : 'Each group must be 1 to 1024 characters and not only whitespace.',
  filter: (values) => {
    if (values.length !== 1) {
      return 'filter must appear at most once.';
    }
    try {
      parseFilter(values[0]);
      return null;
    } catch (error) {
      if (error instanceof FilterError) {
        return `The filter is invalid: ${error.message}`;
      }
      throw error;
    }
  },
  messageTtlSeconds: (values) => {
    const [value] = values;
    if (values.length === 1 && /^\d+$/.test(value) && Number(value) <= MAX_MESSAGE_TTL_SECONDS) {
      return null;
    }
    return `messageTtlSeconds must be one integer from 0 to ${MAX_MESSAGE_TTL_SECONDS}.`;
  },
};

/**
 * Finds the route for a request and decodes and validates its path parameters.
 *
 * @param {string} method
 * @param {string} rawPath request path without the query, as received
 * @returns {{ route: RestRoute, params: Record<string, string> } | { error: RestError } | null}
 *   null when no route matches
 */
export function matchRoute(method, rawPath) {
  const segments = rawPath.split('/');

  for (const route of REST_ROUTES) {
    if (route.method !== method) {
      continue;
    }

    const params = matchSegments(route.path.split('/'), segments);
    if (params === null) {
      continue;
    }

    if (params instanceof URIError) {
      const message = 'The request path contains invalid percent-encoding.';
      return { error: { status: 400, code: 'InvalidPath', message } };
    }

    for (const [name, value] of Object.entries(params)) {
      const message = PATH_PARAMETER_RULES[name]?.(value);
      if (message) {
        return { error: { status: 400, code: 'InvalidParameter', message, target: name } };
      }
    }

    return { route, params };
  }

  return null;
}

/**
 * @param {string[]} templateSegments
 * @param {string[]} rawSegments
 * @returns {Record<string, string> | URIError | null} null when the path does not match
 */
function matchSegments(templateSegments, rawSegments) {
  if (templateSegments.length !== rawSegments.length) {
    return null;
  }

  /** @type {Record<string, string>} */
  const params = {};

  for (let i = 0; i < templateSegments.length; i++) {
    let decoded;
    try {
      decoded = decodeURIComponent(rawSegments[i]);
    } catch (error) {
      return /** @type {URIError} */ (error);
    }

    const template = templateSegments[i];
    if (template.startsWith('{') && template.endsWith('}')) {
      params[template.slice(1, -1)] = decoded;
    } else if (template !== decoded) {
      return null;
    }
  }

  return params;
}

/**
 * Validates `api-version` and the optional query parameters of a route.
 *
 * @param {RestRoute} route
 * @param {URLSearchParams} query
 * @returns {RestError | null}
 */
export function validateQuery(route, query) {
  const apiVersion = query.get('api-version');
  if (apiVersion === null) {
    return {
      status: 400,
      code: 'MissingApiVersion',
      message: 'The api-version query parameter is required.',
      target: 'api-version',
    };
  }

  if (!SUPPORTED_API_VERSIONS.has(apiVersion)) {
    return {
      status: 400,
      code: 'UnsupportedApiVersion',
      message:
        `api-version ${apiVersion} is not supported. ` +
        `Use one of ${[...SUPPORTED_API_VERSIONS].join(', ')}.`,
      target: 'api-version',
    };
  }

  if (route.minApiVersion !== undefined && apiVersion < route.minApiVersion) {
    return {
      status: 400,
      code: 'UnsupportedApiVersion',
      message:
        `The ${route.method} ${route.path} route does not support api-version ${apiVersion}. ` +
        `Use ${route.minApiVersion} or later.`,
      target: 'api-version',
    };
  }

  for (const name of route.queryParameters) {
    const values = query.getAll(name);
    if (values.length === 0) {
      continue;
    }

    const minApiVersion = QUERY_PARAMETER_MIN_API_VERSIONS[name];
    if (minApiVersion !== undefined && apiVersion < minApiVersion) {
      const message = `The ${name} parameter needs api-version ${minApiVersion} or later.`;
      return { status: 400, code: 'UnsupportedApiVersion', message, target: name };
    }

    const message = QUERY_PARAMETER_RULES[name]?.(values);
    if (message) {
      return { status: 400, code: 'InvalidParameter', message, target: name };
    }
  }

  return null;
}
