import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/index.js';
import { encodeMessage } from '../../src/service/content.js';

describe('encodeMessage', () => {
  it('never sends a string as octet-stream', () => {
    expect(encodeMessage('{"a":1}')).toEqual({ contentType: 'application/json', body: '"{\\"a\\":1}"' });
    expect(encodeMessage('hi', 'text/plain')).toEqual({ contentType: 'text/plain', body: 'hi' });
  });

  it('sends objects as JSON', () => {
    expect(encodeMessage({ a: 1 })).toEqual({ contentType: 'application/json', body: '{"a":1}' });
  });

  it('passes bytes through unchanged as octet-stream', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(encodeMessage(bytes)).toEqual({ contentType: 'application/octet-stream', body: bytes });
    expect(encodeMessage(bytes.buffer).contentType).toBe('application/octet-stream');
    expect(encodeMessage(new Blob([bytes])).contentType).toBe('application/octet-stream');
  });

  it.each([
    [42, 'text/plain'],
    [{ a: 1 }, 'application/octet-stream'],
    [new Uint8Array([1]), 'application/json'],
    ['x', 'application/xml'],
    [undefined, undefined],
    [() => 1, undefined],
    [BigInt(1), undefined],
  ])('rejects %o with content type %s', (message, contentType) => {
    expect(() => encodeMessage(message, contentType)).toThrow(ConfigError);
  });

  it('rejects a circular object with a typed error', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => encodeMessage(circular)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'message' }));
  });
});
