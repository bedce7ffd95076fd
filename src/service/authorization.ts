/**
 * Access-key authorization: a fresh HS256 JWT for each attempt of a REST call, whose `aud` is
 * the exact service URL of the request, and key-signed client access tokens.
 */

import { HmacKeyCache } from '../internal/hmac.js';
import { nowInSeconds, signJwt } from '../internal/jwt.js';
import type { KeyCredential } from './credentials.js';
import { DEFAULTS } from './options.js';

/** Signs JWTs with the current key of a credential, importing each key once. */
export class KeySigner {
  readonly #credential: KeyCredential;
  readonly #keys = new HmacKeyCache();

  constructor(credential: KeyCredential) {
    this.#credential = credential;
  }

  /** Sign `claims` with the credential's current key. */
  async sign(claims: Record<string, unknown>): Promise<string> {
    return signJwt(await this.#keys.get(this.#credential.key), claims);
  }

  /** Return the `Authorization` header value for a REST call to `url`. */
  async authorize(url: string): Promise<string> {
    const issuedAt = nowInSeconds();
    const token = await this.sign({ iat: issuedAt, exp: issuedAt + DEFAULTS.restTokenLifetimeInSeconds, aud: url });
    return `Bearer ${token}`;
  }
}
