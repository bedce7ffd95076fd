// @ts-check
/**
 * Microsoft Entra ID bearer tokens for the REST API, from a local test issuer. The real service
 * accepts Entra ID tokens for the audience `https://webpubsub.azure.com` on every data-plane
 * operation. The emulator accepts tokens of the issuer given as its `entraIssuer` option, so
 * tests can run the Entra ID code path with a token endpoint on loopback.
 */
import { createLocalJWKSet, errors, jwtVerify } from 'jose';
import { AuthError } from './auth.js';

/** The audience of Azure Web PubSub data-plane tokens. */
export const WEB_PUBSUB_AUDIENCE = 'https://webpubsub.azure.com';

/**
 * @typedef {object} EntraIssuerOptions
 * @property {string | Uint8Array | import('jose').JSONWebKeySet} jwksOrSecret an HS256 secret
 *   (a string is taken as UTF-8), or a JSON Web Key Set whose keys sign RS256, PS256 or ES256
 *   tokens.
 * @property {string} [audience] required `aud`. Default `https://webpubsub.azure.com`.
 * @property {string} [issuer] required `iss`, when given.
 */

/**
 * Creates the verifier of Entra ID tokens for `options`.
 *
 * @param {EntraIssuerOptions} options
 * @returns {(token: string) => Promise<import('jose').JWTPayload>} rejects with AuthError
 * @throws {TypeError} when `jwksOrSecret` is missing or of another type
 */
export function createEntraVerifier(options) {
  const { jwksOrSecret, audience = WEB_PUBSUB_AUDIENCE, issuer } = options ?? {};
  const isSecret = typeof jwksOrSecret === 'string' || jwksOrSecret instanceof Uint8Array;
  const isKeySet = !isSecret && typeof jwksOrSecret === 'object' && jwksOrSecret !== null && Array.isArray(jwksOrSecret.keys);
  if (!isSecret && !isKeySet) {
    throw new TypeError('entraIssuer.jwksOrSecret must be an HS256 secret (string or Uint8Array) or a JSON Web Key Set.');
  }

  const verifyOptions = {
    audience,
    ...(issuer === undefined ? {} : { issuer }),
    requiredClaims: ['exp'],
    algorithms: isSecret ? ['HS256'] : ['RS256', 'PS256', 'ES256'],
  };
  const key = typeof jwksOrSecret === 'string' ? new TextEncoder().encode(jwksOrSecret) : jwksOrSecret;

  return async (token) => {
    try {
      const { payload } = isKeySet
        ? await jwtVerify(token, createLocalJWKSet(/** @type {import('jose').JSONWebKeySet} */ (key)), verifyOptions)
        : await jwtVerify(token, /** @type {Uint8Array} */ (key), verifyOptions);
      return payload;
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new AuthError('The Microsoft Entra ID token has expired.');
      if (error instanceof errors.JWTClaimValidationFailed) {
        throw new AuthError(`The Microsoft Entra ID token claim "${error.claim}" is invalid.`);
      }
      if (error instanceof errors.JOSEError) {
        throw new AuthError('The token is neither signed with an access key nor by the configured Microsoft Entra ID issuer.');
      }
      throw error;
    }
  };
}
