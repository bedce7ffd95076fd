import { describe, expect, it } from 'vitest';
import { ConfigError, odata } from '../../src/index.js';

describe('odata', () => {
  it('quotes strings and doubles their quotes', () => {
    expect(odata`userId eq ${"o'brien"}`).toBe("userId eq 'o''brien'");
    expect(odata`${'room 1'} in groups`).toBe("'room 1' in groups");
  });

  it('only doubles quotes when the template already quotes the value', () => {
    expect(odata`userId eq '${"it's"}'`).toBe("userId eq 'it''s'");
  });

  it('keeps an injection attempt inside the literal', () => {
    const hostile = "x' or userId ne '";
    expect(odata`userId eq ${hostile}`).toBe("userId eq 'x'' or userId ne '''");
  });

  it('quotes a value that follows another value', () => {
    expect(odata`userId eq ${'a'}${" or userId ne 'z"}`).toBe("userId eq 'a'' or userId ne ''z'");
    // Two adjacent quoted values read as one string literal, so `or true` stays inside it.
    expect(odata`userId eq ${"a'"}${' or true'}`).toBe("userId eq 'a'''' or true'");
    expect(odata`userId eq ${'a'} ${' or true'}`).toBe("userId eq 'a' ' or true'");
  });

  it('writes null and undefined as null', () => {
    expect(odata`userId eq ${null}`).toBe('userId eq null');
    expect(odata`userId ne ${undefined}`).toBe('userId ne null');
  });

  it('writes numbers, bigints and booleans as they are', () => {
    expect(odata`length(userId) gt ${3} and ${true}`).toBe('length(userId) gt 3 and true');
    expect(odata`length(groups) le ${10n}`).toBe('length(groups) le 10');
  });

  it('rejects values without an OData literal', () => {
    for (const value of [{ a: 1 }, ['a'], () => 1, Symbol('s'), Number.NaN, Number.POSITIVE_INFINITY, new Date(0)]) {
      const attempt = () => odata`userId eq ${value}`;
      expect(attempt).toThrow(ConfigError);
    }
    expect(() => odata`x ${'a'} ${{}}`).toThrow(/Value 2 of the odata template is an object/);
  });

  it('returns the template unchanged without values', () => {
    expect(odata`userId eq 'a'`).toBe("userId eq 'a'");
  });
});
