import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../../src/service/content.js';

describe('encodeMessage across realms', () => {
  it('sends an ArrayBuffer from another realm as bytes', () => {
    const foreign = runInNewContext('new Uint8Array([1, 2, 3]).buffer') as ArrayBuffer;
    expect(foreign instanceof ArrayBuffer).toBe(false);

    const encoded = encodeMessage(foreign);
    expect(encoded.contentType).toBe('application/octet-stream');
    expect(encoded.body).toBe(foreign);
  });

  it('sends a typed array from another realm as bytes', () => {
    const foreign = runInNewContext('new Uint8Array([4, 5])') as Uint8Array;
    expect(encodeMessage(foreign).contentType).toBe('application/octet-stream');
  });
});
