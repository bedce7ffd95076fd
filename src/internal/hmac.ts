/**
 * HMAC-SHA256 with WebCrypto (RFC 2104).
 *
 * Azure Web PubSub uses the access key string's UTF-8 bytes as the HMAC key, for JWTs and for
 * `ce-signature` alike; the key is never base64-decoded.
 */

import { utf8 } from './base64.js';

/** Import an access key string as an HMAC-SHA256 signing key. */
export function importHmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', utf8(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/** Compute HMAC-SHA256 of UTF-8 `data`. */
export async function hmacSha256(key: CryptoKey, data: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8(data)));
}

/** Encode bytes as lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/**
 * Compare two strings in time that depends only on their lengths, so that a signature check does
 * not reveal how many leading characters matched.
 */
export function timingSafeEqual(left: string, right: string): boolean {
  const length = Math.max(left.length, right.length);
  let difference = left.length ^ right.length;
  for (let index = 0; index < length; index++) {
    difference |= (left.charCodeAt(index) | 0) ^ (right.charCodeAt(index) | 0);
  }
  return difference === 0;
}

/**
 * Cache of imported keys by secret, holding at most `maxKeys` and dropping the oldest first, so
 * a key source that changes on every request cannot grow it without bound. It stores resolved
 * `CryptoKey` values, never pending promises, because a promise created while serving one Workers
 * request must not be awaited by another.
 */
export class HmacKeyCache {
  readonly #maxKeys: number;
  readonly #keys = new Map<string, CryptoKey>();

  /** @param maxKeys - keys kept at once; 1 keeps only the most recent secret. */
  constructor(maxKeys = 1) {
    this.#maxKeys = maxKeys;
  }

  /** Return the key for `secret`, importing it only when it is not cached. */
  async get(secret: string): Promise<CryptoKey> {
    const cached = this.#keys.get(secret);
    if (cached !== undefined) return cached;

    const key = await importHmacKey(secret);
    while (this.#keys.size >= this.#maxKeys) {
      const oldest = this.#keys.keys().next().value;
      if (oldest === undefined) break;
      this.#keys.delete(oldest);
    }

    this.#keys.set(secret, key);
    return key;
  }
}
