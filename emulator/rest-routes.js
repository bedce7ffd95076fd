// @ts-check
/**
 * The REST operations of the data-plane API as a route table, with path matching and the
 * validation of path and query parameters.
 *
 * To add an operation, add a row to {@link REST_ROUTES}. Path parameters in braces are
 * percent-decoded and checked by {@link PATH_PARAMETER_RULES} before the operation runs.
 */
import { isValidGroupName, isValidHubName } from './names.js';

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
 *
 * @typedef {object} RestRoute
 * @property {string} method
 * @property {string} path template such as `/api/hubs/{hub}/:send`
 * @property {string} operation operation name, for logs
 * @property {boolean} hasMessageBody whether the body is a message (JSON, text or binary)
 * @property {readonly string[]} queryParameters optional query parameters besides api-version
 * @property {(context: OperationContext) => { status: number }} run
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
export const REST_ROUTES = [
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

/**
 * Delivers a REST message to each connection that the `excluded` query does not name.
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
  for (const connection of connections) {
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
};

/** Rules for optional query parameters, by name. Each returns an error message or null. */
/** @type {Record<string, (values: string[]) => string | null>} */
const QUERY_PARAMETER_RULES = {
  excluded: () => null,
  // TODO: evaluate OData filters. Rejecting them is safer than delivering to the wrong clients.
  filter: () => 'The emulator does not support the filter parameter yet.',
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

  for (const name of route.queryParameters) {
    const values = query.getAll(name);
    const message = values.length > 0 ? QUERY_PARAMETER_RULES[name]?.(values) : null;
    if (message) {
      return { status: 400, code: 'InvalidParameter', message, target: name };
    }
  }

  return null;
}
