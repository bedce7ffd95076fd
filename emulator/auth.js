// @ts-check
/**
 * Access-key JWT checks for the REST API and the client WebSocket endpoint.
 *
 * Both sides accept HS256 tokens signed with any configured access key. The HMAC secret is
 * the UTF-8 bytes of the key string as written in the connection string, not its
 * base64-decoded bytes, which is how the official SDKs sign. `exp` is required.
 */
import { errors, jwtVerify } from 'jose';

const textEncoder = new TextEncoder();

/** Schemes that a client token audience may use. The service ignores the scheme. */
const CLIENT_AUDIENCE_PATTERN = /^(?:https?|wss?):\/\/([^/?#]+)(\/[^?#]*)$/i;

/**
 * Rejection of a token or of a request that carries none. The message is safe to log and
 * to return, because it never contains the token.
 */
export class AuthError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'AuthError';
  }
}

/**
 * Claims of a verified client access token.
 *
 * @typedef {{ userId: string | null, roles: string[], groups: string[] }} ClientClaims
 */

/**
 * Extracts the token from an `Authorization: Bearer <token>` header value.
 *
 * @param {string | undefined} header
 * @returns {string | null} the token, or null when the header is missing or uses another scheme
 */
export function readBearerToken(header) {
  if (!header) {
    return null;
  }

  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

/**
 * Verifies the signature, algorithm and expiry of a token against each access key in turn.
 *
 * @param {string} token
 * @param {readonly string[]} accessKeys
 * @returns {Promise<import('jose').JWTPayload>}
 * @throws {AuthError} when no key verifies the token or a claim check fails
 */
async function verifyWithAnyKey(token, accessKeys) {
  for (const accessKey of accessKeys) {
    try {
      const { payload } = await jwtVerify(token, textEncoder.encode(accessKey), {
        algorithms: ['HS256'],
        requiredClaims: ['exp'],
      });
      return payload;
    } catch (error) {
      if (error instanceof errors.JWSSignatureVerificationFailed) {
        continue;
      }

      throw new AuthError(describeJoseError(error));
    }
  }

  throw new AuthError('The token signature does not match any access key.');
}

/**
 * @param {unknown} error
 * @returns {string}
 */
function describeJoseError(error) {
  if (error instanceof errors.JWTExpired) {
    return 'The token has expired.';
  }

  if (error instanceof errors.JOSEAlgNotAllowed) {
    return 'The token algorithm is not HS256.';
  }

  if (error instanceof errors.JWTClaimValidationFailed) {
    return `The token claim "${error.claim}" is invalid: ${error.message}.`;
  }

  if (error instanceof errors.JOSEError) {
    return 'The token is not a valid signed JWT.';
  }

  throw error;
}

/**
 * Returns whether the `aud` claim, a string or an array of strings as RFC 7519 allows,
 * contains a value accepted by `isAccepted`.
 *
 * @param {unknown} audience
 * @param {(value: string) => boolean} isAccepted
 */
function audienceMatches(audience, isAccepted) {
  const values = Array.isArray(audience) ? audience : [audience];
  return values.some((value) => typeof value === 'string' && isAccepted(value));
}

/**
 * Verifies the bearer token of a REST request. The `aud` claim must equal the request URL as
 * received, byte for byte: `http://` + Host header + request target, query string included.
 *
 * @param {import('node:http').IncomingMessage} request
 * @param {readonly string[]} accessKeys
 * @returns {Promise<import('jose').JWTPayload>}
 * @throws {AuthError}
 */
export async function verifyRestRequest(request, accessKeys) {
  const token = readBearerToken(request.headers.authorization);
  if (!token) {
    throw new AuthError('The Authorization header with a Bearer token is missing.');
  }

  const payload = await verifyWithAnyKey(token, accessKeys);

  const requestUrl = `http://${request.headers.host ?? ''}${request.url ?? ''}`;
  if (!audienceMatches(payload.aud, (value) => value === requestUrl)) {
    throw new AuthError(
      'The token audience does not match the request URL, query string included.',
    );
  }

  return payload;
}

/**
 * Verifies a client access token for a WebSocket upgrade.
 *
 * The `aud` claim may use any of the schemes http, https, ws and wss. Its host (with port)
 * must equal the Host header, ignoring ASCII case as DNS does. Its path must be exactly the
 * request path `/client/hubs/{hub}`, with one slash after the host and the hub spelled as in
 * the request.
 *
 * @param {string} token
 * @param {{ host: string | undefined, path: string }} request raw path without the query
 * @param {readonly string[]} accessKeys
 * @returns {Promise<ClientClaims>}
 * @throws {AuthError}
 */
export async function verifyClientToken(token, request, accessKeys) {
  const payload = await verifyWithAnyKey(token, accessKeys);

  const expectedHost = (request.host ?? '').toLowerCase();
  const isExpectedAudience = (/** @type {string} */ value) => {
    const match = CLIENT_AUDIENCE_PATTERN.exec(value);
    return match !== null && match[1].toLowerCase() === expectedHost && match[2] === request.path;
  };

  if (!expectedHost || !audienceMatches(payload.aud, isExpectedAudience)) {
    throw new AuthError('The token audience does not match the host and hub path of the request.');
  }

  return {
    userId: readUserId(payload.sub),
    roles: readStringList(payload.role, 'role'),
    groups: readStringList(payload['webpubsub.group'], 'webpubsub.group'),
  };
}

/**
 * @param {unknown} subject
 * @returns {string | null}
 */
function readUserId(subject) {
  if (subject === undefined || subject === '') {
    return null;
  }

  if (typeof subject !== 'string') {
    throw new AuthError('The token claim "sub" must be a string.');
  }

  return subject;
}

/**
 * Reads a claim that may repeat: an array of strings, or one string taken as a single value.
 * A string holding an escaped JSON array stays one value, so it grants nothing.
 *
 * @param {unknown} claim
 * @param {string} name
 * @returns {string[]}
 */
function readStringList(claim, name) {
  if (claim === undefined) {
    return [];
  }

  const values = Array.isArray(claim) ? claim : [claim];
  if (!values.every((value) => typeof value === 'string')) {
    throw new AuthError(`The token claim "${name}" must be a string or an array of strings.`);
  }

  return values;
}
