/**
 * HS256 JSON Web Token signing (RFC 7519, RFC 7515 compact serialization) with WebCrypto.
 * This package only signs tokens; it never verifies them.
 */

import { encodeBase64Url } from './base64.js';
import { hmacSha256 } from './hmac.js';

// The header Azure's SDKs send: no `kid`.
const ENCODED_HEADER = encodeBase64Url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** Sign `payload` as a compact HS256 JWT with an HMAC key from `importHmacKey`. */
export async function signJwt(key: CryptoKey, payload: Record<string, unknown>): Promise<string> {
  const signingInput = `${ENCODED_HEADER}.${encodeBase64Url(JSON.stringify(payload))}`;
  const signature = await hmacSha256(key, signingInput);
  return `${signingInput}.${encodeBase64Url(signature)}`;
}

/** Current time in whole seconds since the epoch, as JWT `iat` and `exp` use. */
export function nowInSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
