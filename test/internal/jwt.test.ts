import { decodeProtectedHeader } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { importHmacKey } from '../../src/internal/hmac.js';
import { signJwt } from '../../src/internal/jwt.js';
import { GOLDEN_PAYLOADS, TEST_ACCESS_KEY } from '../fixtures/constants.js';

describe('signJwt', () => {
  it('produces the same compact token as jsonwebtoken, byte for byte', async () => {
    const vectors = inject('jsonwebtokenVectors');
    expect(vectors).toHaveLength(GOLDEN_PAYLOADS.length);
    const key = await importHmacKey(TEST_ACCESS_KEY);
    for (const [index, payload] of GOLDEN_PAYLOADS.entries()) {
      expect(await signJwt(key, payload)).toBe(vectors[index]);
    }
  });

  it('writes the header Azure expects, with no kid', async () => {
    const token = await signJwt(await importHmacKey(TEST_ACCESS_KEY), { a: 1 });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(token).not.toMatch(/[=+/]/);
  });

  it('uses the key text, not its base64-decoded bytes', async () => {
    const decodedKeyBytes = Uint8Array.from(atob(TEST_ACCESS_KEY), (char) => char.charCodeAt(0));
    const decodedKey = await crypto.subtle.importKey('raw', decodedKeyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const ours = await signJwt(await importHmacKey(TEST_ACCESS_KEY), GOLDEN_PAYLOADS[0]!);
    expect(await signJwt(decodedKey, GOLDEN_PAYLOADS[0]!)).not.toBe(ours);
    expect(ours).toBe(inject('jsonwebtokenVectors')[0]);
  });
});
