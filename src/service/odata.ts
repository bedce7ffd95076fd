/**
 * The `odata` template tag, which writes values into an OData filter as safe literals
 * (OData ABNF: a string literal is quoted with `'`, and a `'` inside it is doubled).
 */

import { ConfigError } from '../errors.js';

/**
 * Builds an OData filter for `filter` options, `addConnectionsToGroups` and
 * `removeConnectionsFromGroups`, quoting every interpolated value so that user input cannot
 * change the expression:
 *
 * - a string has each `'` doubled and is wrapped in `'…'`, unless the template's own text right
 *   before it ends with `'` (then only the doubling happens, as in `@azure/web-pubsub`). Only
 *   the literal parts of the template decide this, never an earlier value;
 * - `null` and `undefined` become `null`;
 * - finite numbers, bigints and booleans are written as they are.
 *
 * @param strings - the literal parts of the template.
 * @param values - the interpolated values.
 * @returns the filter text.
 * @throws {ConfigError} for an object, array, function, symbol or non-finite number, which have
 * no OData literal.
 *
 * @example
 * ```ts
 * const name = "o'brien";
 * await client.sendToAll('hi', { filter: odata`userId ne ${name} and ${'room 1'} in groups` });
 * // filter: userId ne 'o''brien' and 'room 1' in groups
 * ```
 */
export function odata(strings: TemplateStringsArray, ...values: unknown[]): string {
  let filter = strings[0] ?? '';
  values.forEach((value, index) => {
    filter += formatValue(value, strings[index] ?? '', index);
    filter += strings[index + 1] ?? '';
  });
  return filter;
}

// `literalBefore` is the template text between the previous value and this one. Looking at the
// text built so far instead would let a value ending in `'` decide that the next value is
// already inside quotes, and so leave that value unquoted.
function formatValue(value: unknown, literalBefore: string, index: number): string {
  if (value === null || value === undefined) return 'null';

  switch (typeof value) {
    case 'string': {
      const escaped = value.replace(/'/g, "''");
      return literalBefore.trimEnd().endsWith("'") ? escaped : `'${escaped}'`;
    }
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'number':
      if (Number.isFinite(value)) return String(value);
      break;
  }

  throw new ConfigError(
    'filter',
    `Value ${index + 1} of the odata template is ${describe(value)}, which has no OData literal. Interpolate strings, numbers, booleans or null.`,
    'INVALID_ARGUMENT',
  );
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}
