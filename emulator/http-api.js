// @ts-check
/**
 * The REST side of the emulator: runs each HTTP request through the checks of the real
 * service (bearer token, route, api-version, parameters, body) and then the operation.
 *
 * Every response carries a random `x-ms-request-id`. Errors have an ErrorDetail JSON body
 * `{ code, message, target? }` and the same code in the `x-ms-error-code` header.
 */
import { randomUUID } from 'node:crypto';
import { AuthError, readBearerToken, verifyRestRequest } from './auth.js';
import { createEntraVerifier } from './entra-auth.js';
import { pathWithoutQuery } from './log.js';
import { MAX_MESSAGE_BYTES, PayloadError, parseRestPayload } from './payload.js';
import { matchRoute, validateQuery } from './rest-routes.js';

/**
 * @typedef {import('node:http').IncomingMessage} IncomingMessage
 * @typedef {import('node:http').ServerResponse} ServerResponse
 * @typedef {import('./rest-routes.js').RestError} RestError
 *
 * @typedef {object} RestApiOptions
 * @property {import('./hub-state.js').HubRegistry} registry
 * @property {readonly string[]} accessKeys
 * @property {import('./log.js').EventLogger} logger
 * @property {import('./entra-auth.js').EntraIssuerOptions} [entraIssuer] also accept Microsoft
 *   Entra ID bearer tokens from this issuer
 */

/** Largest JSON body of an operation such as `:addToGroups`, in bytes. */
const MAX_JSON_BODY_BYTES = 1024 * 1024;

/**
 * Creates the handler for the HTTP server's `request` event.
 *
 * @param {RestApiOptions} options
 * @returns {(request: IncomingMessage, response: ServerResponse) => void}
 */
export function createRestHandler(options) {
  const verifyEntraToken = options.entraIssuer ? createEntraVerifier(options.entraIssuer) : undefined;

  return (request, response) => {
    response.setHeader('x-ms-request-id', randomUUID());

    handleRequest(options, verifyEntraToken, request, response).catch((error) => {
      options.logger.error(error, { method: request.method, path: pathWithoutQuery(request.url) });

      if (response.headersSent) {
        response.destroy();
        return;
      }
      sendError(response, {
        status: 500,
        code: 'InternalServerError',
        message: 'The emulator failed to process the request.',
      });
    });
  };
}

/**
 * @param {RestApiOptions} options
 * @param {((token: string) => Promise<unknown>) | undefined} verifyEntraToken
 * @param {IncomingMessage} request
 * @param {ServerResponse} response
 */
async function handleRequest(options, verifyEntraToken, request, response) {
  const method = request.method ?? '';
  const target = request.url ?? '';
  const path = pathWithoutQuery(target);
  const reject = (/** @type {RestError} */ error) =>
    rejectRequest(options, request, response, error);

  if (method === 'HEAD' && path === '/api/health') {
    response.writeHead(200).end();
    return;
  }

  const authError = await authenticate(options, verifyEntraToken, request);
  if (authError) {
    response.setHeader('www-authenticate', 'Bearer');
    reject({ status: 401, code: 'Unauthorized', message: authError.message });
    return;
  }

  const match = matchRoute(method, path);
  if (match === null) {
    reject({ status: 404, code: 'NotFound', message: `No operation matches ${method} ${path}.` });
    return;
  }

  if ('error' in match) {
    reject(match.error);
    return;
  }

  const { route, params } = match;
  const query = new URLSearchParams(target.slice(path.length));
  const queryError = validateQuery(route, query);
  if (queryError) {
    reject(queryError);
    return;
  }

  let payload;
  if (route.hasMessageBody) {
    const body = await readBody(request, MAX_MESSAGE_BYTES);
    if (body === null) {
      response.setHeader('connection', 'close');
      reject({
        status: 413,
        code: 'PayloadTooLarge',
        message: `The message is larger than ${MAX_MESSAGE_BYTES} bytes.`,
      });
      return;
    }

    try {
      payload = parseRestPayload(request.headers['content-type'], body);
    } catch (error) {
      if (!(error instanceof PayloadError)) {
        throw error;
      }
      reject({ status: 400, code: error.code, message: error.message, target: 'Content-Type' });
      return;
    }
  }

  let jsonBody;
  if (route.hasJsonBody) {
    const parsed = await readJsonBody(request);
    if ('error' in parsed) {
      reject(parsed.error);
      return;
    }
    jsonBody = parsed.value;
  }

  const result = await route.run({
    registry: options.registry,
    params,
    query,
    payload,
    jsonBody,
    host: request.headers.host ?? '',
    apiVersion: /** @type {string} */ (query.get('api-version')),
    accessKeys: options.accessKeys,
  });
  if ('error' in result) {
    reject(result.error);
    return;
  }

  if (result.body === undefined) {
    response.writeHead(result.status).end();
  } else {
    const body = JSON.stringify(result.body);
    response.writeHead(result.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  }

  options.logger.info('rest.request', {
    method,
    path,
    status: result.status,
    operation: route.operation,
    hub: params.hub,
  });
}

/**
 * Verifies the bearer token: an access-key token for the exact URL, or, when an Entra ID issuer
 * is configured, a Microsoft Entra ID token of that issuer.
 *
 * @param {RestApiOptions} options
 * @param {((token: string) => Promise<unknown>) | undefined} verifyEntraToken
 * @param {IncomingMessage} request
 * @returns {Promise<AuthError | null>} the reason of a rejection, or null
 */
async function authenticate(options, verifyEntraToken, request) {
  try {
    await verifyRestRequest(request, options.accessKeys);
    return null;
  } catch (error) {
    if (!(error instanceof AuthError)) {
      throw error;
    }

    const token = readBearerToken(request.headers.authorization);
    if (!verifyEntraToken || !token) {
      return error;
    }

    try {
      await verifyEntraToken(token);
      return null;
    } catch (entraError) {
      if (!(entraError instanceof AuthError)) {
        throw entraError;
      }
      return new AuthError(`${error.message} ${entraError.message}`);
    }
  }
}

/**
 * Reads and parses a JSON request body of at most 1 MiB with an `application/json` content type.
 *
 * @param {IncomingMessage} request
 * @returns {Promise<{ value: unknown } | { error: RestError }>}
 */
async function readJsonBody(request) {
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json') {
    request.resume();
    const message = 'The request body must be JSON with the content type application/json.';
    return { error: { status: 400, code: 'UnsupportedMediaType', message, target: 'Content-Type' } };
  }

  const body = await readBody(request, MAX_JSON_BODY_BYTES);
  if (body === null) {
    const message = `The request body is larger than ${MAX_JSON_BODY_BYTES} bytes.`;
    return { error: { status: 413, code: 'PayloadTooLarge', message } };
  }

  try {
    return { value: JSON.parse(body.toString('utf8')) };
  } catch {
    const message = 'The request body is not valid JSON.';
    return { error: { status: 400, code: 'InvalidRequestBody', message } };
  }
}

/**
 * Reads the request body, or returns null as soon as it exceeds `maxBytes`. The rest of an
 * oversized body is discarded rather than destroyed, so that the error response still
 * reaches the client.
 *
 * @param {IncomingMessage} request
 * @param {number} maxBytes
 * @returns {Promise<Buffer | null>}
 */
function readBody(request, maxBytes) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;

    const onData = (/** @type {Buffer} */ chunk) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }

      request.off('data', onData);
      request.off('end', onEnd);
      request.resume();
      resolve(null);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));

    request.on('data', onData);
    request.on('end', onEnd);
    request.once('error', reject);
  });
}

/**
 * Logs a rejected request and sends its error response.
 *
 * @param {RestApiOptions} options
 * @param {IncomingMessage} request
 * @param {ServerResponse} response
 * @param {RestError} error
 */
function rejectRequest(options, request, response, error) {
  options.logger.rejected('rest.rejected', {
    method: request.method,
    path: pathWithoutQuery(request.url),
    status: error.status,
    code: error.code,
    reason: error.message,
  });
  sendError(response, error);
}

/**
 * Sends an ErrorDetail body with the `x-ms-error-code` header.
 *
 * @param {ServerResponse} response
 * @param {RestError} error
 */
function sendError(response, { status, code, message, target }) {
  const body = JSON.stringify(target === undefined ? { code, message } : { code, message, target });

  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-ms-error-code': code,
  });
  response.end(body);
}
