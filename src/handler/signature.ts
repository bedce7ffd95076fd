/**
 * Verification of `ce-signature`, the HMAC the service adds to every event request.
 *
 * The header lists one `sha256=<hex>` entry per access key of the resource, separated by commas.
 * Each hex value is HMAC-SHA256 of the `ce-connectionId` value, keyed with the UTF-8 bytes of the
 * access key string (https://learn.microsoft.com/azure/azure-web-pubsub/reference-cloud-events).
 */

import { HmacKeyCache, hmacSha256, timingSafeEqual, toHex } from '../internal/hmac.js';
import type { AccessKeyReader } from './access-keys.js';

// Enough for the primary and secondary key of a few resources, while a key source that changes
// on every request cannot grow the cache without bound.
const MAX_CACHED_KEYS = 16;

/**
 * Split a `ce-signature` value into lower-cased entries. `Headers.get` joins repeated headers
 * with `, `, so this also reads a signature header sent once per key.
 */
export function parseSignatureHeader(header: string): string[] {
  return header
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '');
}

/** Checks `ce-signature` against the keys of an {@link AccessKeyReader}. */
export class SignatureVerifier {
  readonly #readKeys: AccessKeyReader;
  readonly #keys = new HmacKeyCache(MAX_CACHED_KEYS);

  constructor(readKeys: AccessKeyReader) {
    this.#readKeys = readKeys;
  }

  /**
   * Tell whether any entry of `signatureHeader` is the signature of `connectionId` under any
   * current key. Each comparison takes time that depends only on the lengths compared.
   *
   * @throws {ConfigError} when the key source returns an invalid list.
   */
  async verify(connectionId: string, signatureHeader: string | null): Promise<boolean> {
    // Keys are read first, so that a broken key source surfaces on every request, signed or not.
    const secrets = await this.#readKeys();
    const entries = parseSignatureHeader(signatureHeader ?? '');
    if (entries.length === 0) return false;

    let isValid = false;
    for (const secret of secrets) {
      const key = await this.#keys.get(secret);
      const expected = `sha256=${toHex(await hmacSha256(key, connectionId))}`;
      for (const entry of entries) {
        if (timingSafeEqual(entry, expected)) isValid = true;
      }
    }

    return isValid;
  }
}
