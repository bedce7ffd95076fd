// @ts-check
/**
 * The OData filter subset of Azure Web PubSub, for the `filter` query of the send operations and
 * the `filter` field of `:addToGroups` and `:removeFromGroups`
 * (https://learn.microsoft.com/azure/azure-web-pubsub/reference-odata-filter).
 *
 * - Identifiers: `userId` and `connectionId` (strings, `userId` may be null) and `groups` (a
 *   collection). Identifier, keyword and function names are matched case-insensitively.
 * - Literals: `'text'` with `''` for a quote, integers, `true`, `false`, `null`.
 * - Operators: `eq ne gt ge lt le`, `in` with a parenthesized list or a collection, `and`, `or`,
 *   `not`, parentheses. Precedence: `not`, then comparisons, then `and`, then `or`.
 * - Functions: `tolower`, `toupper`, `trim`, `substring(s, start[, length])`, `endswith`,
 *   `startswith`, `contains`, `indexof`, `concat`, `length(string or collection)`.
 *
 * Types are checked when the filter is parsed, so a filter that cannot work is rejected with 400
 * even when no connection would be tested. Null follows OData's three-valued logic: a function
 * of null is null, and a connection matches only when the whole filter is true.
 * NOTE: string comparisons are exact (case-sensitive). The service documentation does not state
 * whether values compare case-insensitively.
 */

/** Maximum filter length in characters. The service advises staying under about 100 clauses. */
const MAX_FILTER_LENGTH = 8192;
/** Deepest nesting of parentheses and `not`, which bounds the parser's recursion. */
const MAX_DEPTH = 64;

/** A filter the emulator cannot parse or type-check; the message names the position. */
export class FilterError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'FilterError';
  }
}

/**
 * @typedef {{ userId: string | null, connectionId: string, groups: Iterable<string> }} FilterSubject
 * @typedef {string | number | boolean | null | string[]} Value
 * @typedef {'string' | 'number' | 'boolean' | 'null' | 'collection'} ValueType
 * @typedef {{ type: ValueType, evaluate: (subject: FilterSubject) => Value }} Node
 * @typedef {{ kind: 'string' | 'number' | 'word' | 'punct', text: string, value?: string | number, at: number }} Token
 */

/** @type {Record<string, { args: ValueType[][], result: ValueType, apply: (...args: any[]) => Value }>} */
const FUNCTIONS = {
  tolower: { args: [['string']], result: 'string', apply: (s) => s.toLowerCase() },
  toupper: { args: [['string']], result: 'string', apply: (s) => s.toUpperCase() },
  trim: { args: [['string']], result: 'string', apply: (s) => s.trim() },
  substring: {
    args: [['string'], ['number'], ['number']],
    result: 'string',
    apply: (s, start, length) => (length === undefined ? s.substring(start) : s.substring(start, start + length)),
  },
  endswith: { args: [['string'], ['string']], result: 'boolean', apply: (s, x) => s.endsWith(x) },
  startswith: { args: [['string'], ['string']], result: 'boolean', apply: (s, x) => s.startsWith(x) },
  contains: { args: [['string'], ['string']], result: 'boolean', apply: (s, x) => s.includes(x) },
  indexof: { args: [['string'], ['string']], result: 'number', apply: (s, x) => s.indexOf(x) },
  concat: { args: [['string'], ['string']], result: 'string', apply: (a, b) => a + b },
  length: { args: [['string', 'collection']], result: 'number', apply: (x) => x.length },
};

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

/**
 * Parses and type-checks a filter.
 *
 * @param {string} text
 * @returns {(subject: FilterSubject) => boolean} returns true for a connection that matches
 * @throws {FilterError}
 */
export function parseFilter(text) {
  if (text.length > MAX_FILTER_LENGTH) {
    throw new FilterError(`The filter is longer than ${MAX_FILTER_LENGTH} characters.`);
  }

  const parser = new Parser(tokenize(text));
  const node = parser.parseOr(0);
  parser.expectEnd();
  if (node.type !== 'boolean') {
    throw new FilterError(`The filter must be a boolean expression, not a ${node.type}.`);
  }
  return (subject) => node.evaluate(subject) === true;
}

/**
 * @param {string} text
 * @returns {Token[]}
 */
function tokenize(text) {
  /** @type {Token[]} */
  const tokens = [];
  let i = 0;

  while (i < text.length) {
    const char = text[i];
    if (/\s/.test(char)) {
      i++;
    } else if ('(),'.includes(char)) {
      tokens.push({ kind: 'punct', text: char, at: i });
      i++;
    } else if (char === "'") {
      const start = i;
      let value = '';
      i++;
      while (true) {
        if (i >= text.length) throw new FilterError(`The string literal at position ${start} has no closing quote.`);
        if (text[i] === "'" && text[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (text[i] === "'") {
          i++;
          break;
        } else {
          value += text[i++];
        }
      }
      tokens.push({ kind: 'string', text: text.slice(start, i), value, at: start });
    } else if (/[-\d]/.test(char)) {
      const match = /^-?\d+/.exec(text.slice(i));
      if (!match) throw new FilterError(`Unexpected "${char}" at position ${i}.`);
      tokens.push({ kind: 'number', text: match[0], value: Number(match[0]), at: i });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
      const word = /** @type {RegExpExecArray} */ (match)[0];
      tokens.push({ kind: 'word', text: word.toLowerCase(), at: i });
      i += word.length;
    } else {
      throw new FilterError(`Unexpected "${char}" at position ${i}.`);
    }
  }
  return tokens;
}

class Parser {
  /** @param {Token[]} tokens */
  constructor(tokens) {
    this.tokens = tokens;
    this.index = 0;
  }

  /** @returns {Token | undefined} */
  peek() {
    return this.tokens[this.index];
  }

  /** @param {string} text */
  isWord(text) {
    const token = this.peek();
    return token?.kind === 'word' && token.text === text;
  }

  /** @param {string} text */
  isPunct(text) {
    const token = this.peek();
    return token?.kind === 'punct' && token.text === text;
  }

  /** @param {string} text */
  expectPunct(text) {
    if (!this.isPunct(text)) throw this.unexpected(`"${text}"`);
    this.index++;
  }

  expectEnd() {
    if (this.peek() !== undefined) throw this.unexpected('the end of the filter');
  }

  /** @param {string} expected */
  unexpected(expected) {
    const token = this.peek();
    return token === undefined
      ? new FilterError(`The filter ends where ${expected} is expected.`)
      : new FilterError(`Expected ${expected} at position ${token.at}, found "${token.text}".`);
  }

  /** @param {number} depth @returns {Node} */
  parseOr(depth) {
    let left = this.parseAnd(depth);
    while (this.isWord('or')) {
      this.index++;
      left = logical('or', left, this.parseAnd(depth));
    }
    return left;
  }

  /** @param {number} depth @returns {Node} */
  parseAnd(depth) {
    let left = this.parseNot(depth);
    while (this.isWord('and')) {
      this.index++;
      left = logical('and', left, this.parseNot(depth));
    }
    return left;
  }

  /** @param {number} depth @returns {Node} */
  parseNot(depth) {
    if (!this.isWord('not')) return this.parseComparison(depth);
    if (depth >= MAX_DEPTH) throw new FilterError(`The filter nests deeper than ${MAX_DEPTH} levels.`);
    this.index++;
    const operand = requireType(this.parseNot(depth + 1), ['boolean'], 'not');
    return { type: 'boolean', evaluate: (s) => negate(operand.evaluate(s)) };
  }

  /** @param {number} depth @returns {Node} */
  parseComparison(depth) {
    const left = this.parseOperand(depth);
    const token = this.peek();
    if (token?.kind === 'word' && COMPARISONS.has(token.text)) {
      this.index++;
      return compare(token.text, left, this.parseOperand(depth));
    }
    if (this.isWord('in')) {
      this.index++;
      return this.parseIn(left, depth);
    }
    return left;
  }

  /** @param {Node} left @param {number} depth @returns {Node} */
  parseIn(left, depth) {
    requireType(left, ['string', 'number', 'boolean', 'null'], 'in');

    /** @type {Node[]} */
    let items;
    if (this.isPunct('(')) {
      this.index++;
      items = [this.parseOperand(depth + 1)];
      while (this.isPunct(',')) {
        this.index++;
        items.push(this.parseOperand(depth + 1));
      }
      this.expectPunct(')');
    } else {
      items = [requireType(this.parseOperand(depth), ['collection'], 'in')];
    }

    const [first] = items;
    if (items.length === 1 && first.type === 'collection') {
      return { type: 'boolean', evaluate: (s) => /** @type {string[]} */ (first.evaluate(s)).includes(/** @type {string} */ (left.evaluate(s))) };
    }
    for (const item of items) requireType(item, ['string', 'number', 'boolean', 'null'], 'in');
    return { type: 'boolean', evaluate: (s) => items.some((item) => item.evaluate(s) === left.evaluate(s)) };
  }

  /** @param {number} depth @returns {Node} */
  parseOperand(depth) {
    const token = this.peek();
    if (token === undefined) throw this.unexpected('a value');

    if (token.kind === 'punct' && token.text === '(') {
      if (depth >= MAX_DEPTH) throw new FilterError(`The filter nests deeper than ${MAX_DEPTH} levels.`);
      this.index++;
      const inner = this.parseOr(depth + 1);
      this.expectPunct(')');
      return inner;
    }

    this.index++;
    if (token.kind === 'string') return constant('string', /** @type {string} */ (token.value));
    if (token.kind === 'number') return constant('number', /** @type {number} */ (token.value));
    if (token.kind !== 'word') throw new FilterError(`Unexpected "${token.text}" at position ${token.at}.`);

    switch (token.text) {
      case 'true':
        return constant('boolean', true);
      case 'false':
        return constant('boolean', false);
      case 'null':
        return constant('null', null);
      case 'userid':
        return { type: 'string', evaluate: (s) => s.userId };
      case 'connectionid':
        return { type: 'string', evaluate: (s) => s.connectionId };
      case 'groups':
        return { type: 'collection', evaluate: (s) => [...s.groups] };
    }

    const fn = FUNCTIONS[token.text];
    if (!fn || !this.isPunct('(')) {
      throw new FilterError(`Unknown identifier "${token.text}" at position ${token.at}. Use userId, connectionId or groups.`);
    }
    return this.parseCall(token.text, fn, depth);
  }

  /**
   * @param {string} name
   * @param {typeof FUNCTIONS[string]} fn
   * @param {number} depth
   * @returns {Node}
   */
  parseCall(name, fn, depth) {
    this.expectPunct('(');
    /** @type {Node[]} */
    const args = [this.parseOr(depth + 1)];
    while (this.isPunct(',')) {
      this.index++;
      args.push(this.parseOr(depth + 1));
    }
    this.expectPunct(')');

    const required = name === 'substring' ? 2 : fn.args.length;
    if (args.length < required || args.length > fn.args.length) {
      let expected = `${fn.args.length} arguments`;
      if (name === 'substring') expected = '2 or 3 arguments';
      if (fn.args.length === 1) expected = '1 argument';
      throw new FilterError(`The function ${name} takes ${expected}, not ${args.length}.`);
    }
    args.forEach((arg, index) => requireType(arg, fn.args[index], name));

    return {
      type: fn.result,
      evaluate: (s) => {
        const values = args.map((arg) => arg.evaluate(s));
        return values.some((value) => value === null) ? null : fn.apply(...values);
      },
    };
  }
}

/**
 * @param {ValueType} type
 * @param {Value} value
 * @returns {Node}
 */
function constant(type, value) {
  return { type, evaluate: () => value };
}

/**
 * @param {Node} node
 * @param {ValueType[]} allowed
 * @param {string} where
 */
function requireType(node, allowed, where) {
  // null fits wherever a string, number or boolean does.
  if (allowed.includes(node.type) || (node.type === 'null' && !allowed.every((type) => type === 'collection'))) return node;
  throw new FilterError(`${where} cannot take a ${node.type}; it takes ${allowed.join(' or ')}.`);
}

/**
 * @param {'and' | 'or'} operator
 * @param {Node} left
 * @param {Node} right
 * @returns {Node}
 */
function logical(operator, left, right) {
  requireType(left, ['boolean'], operator);
  requireType(right, ['boolean'], operator);

  if (operator === 'and') {
    return {
      type: 'boolean',
      evaluate: (s) => {
        const a = left.evaluate(s);
        const b = right.evaluate(s);
        if (a === false || b === false) return false;
        return a === null || b === null ? null : true;
      },
    };
  }
  return {
    type: 'boolean',
    evaluate: (s) => {
      const a = left.evaluate(s);
      const b = right.evaluate(s);
      if (a === true || b === true) return true;
      return a === null || b === null ? null : false;
    },
  };
}

/** @param {Value} value */
function negate(value) {
  return value === null ? null : !value;
}

/**
 * @param {string} operator
 * @param {Node} left
 * @param {Node} right
 * @returns {Node}
 */
function compare(operator, left, right) {
  requireType(left, ['string', 'number', 'boolean', 'null'], operator);
  requireType(right, ['string', 'number', 'boolean', 'null'], operator);
  const isMixed = left.type !== 'null' && right.type !== 'null' && left.type !== right.type;
  if (isMixed) throw new FilterError(`${operator} cannot compare a ${left.type} with a ${right.type}.`);

  if (operator === 'eq' || operator === 'ne') {
    const wantsEqual = operator === 'eq';
    return { type: 'boolean', evaluate: (s) => (left.evaluate(s) === right.evaluate(s)) === wantsEqual };
  }

  if (left.type === 'boolean' || right.type === 'boolean') {
    throw new FilterError(`${operator} cannot order booleans.`);
  }
  return {
    type: 'boolean',
    evaluate: (s) => {
      const a = left.evaluate(s);
      const b = right.evaluate(s);
      if (a === null || b === null) return null;
      if (operator === 'gt') return a > b;
      if (operator === 'ge') return a >= b;
      if (operator === 'lt') return a < b;
      return a <= b;
    },
  };
}

/**
 * Returns the connections that `filter` selects, or all of them when `filter` is null.
 *
 * @param {import('./client-connection.js').ClientConnection[]} connections
 * @param {string | null} filter
 * @returns {import('./client-connection.js').ClientConnection[]}
 * @throws {FilterError} when the filter cannot be parsed
 */
export function filterConnections(connections, filter) {
  if (filter === null) return connections;
  const matches = parseFilter(filter);
  return connections.filter((connection) =>
    matches({ userId: connection.userId, connectionId: connection.id, groups: connection.groups }),
  );
}
