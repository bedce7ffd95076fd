/**
 * Connection state carried in `ce-connectionState`: a JSON object encoded as base64 UTF-8, which
 * the service stores from a blocking event's response and sends with every later event of the
 * connection.
 */

import { decodeBase64, encodeBase64, utf8 } from '../internal/base64.js';
import { EventHandlerError } from './errors.js';

/** Name of the header in both directions. */
export const CONNECTION_STATE_HEADER = 'ce-connectionState';

/**
 * Decode a `ce-connectionState` value. A missing or empty header gives an empty object.
 *
 * @throws {EventHandlerError} with status 400 when the value is not a base64-encoded JSON object.
 */
export function decodeConnectionState(header: string | null): Record<string, unknown> {
  if (header === null || header.trim() === '') return {};

  let state: unknown;
  try {
    const json = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(decodeBase64(header.trim()));
    state = JSON.parse(json);
  } catch {
    throw invalidState();
  }

  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw invalidState();
  }

  return state as Record<string, unknown>;
}

/** Encode a whole state object for the `ce-connectionState` response header. */
export function encodeConnectionState(state: Record<string, unknown>): string {
  return encodeBase64(utf8(JSON.stringify(state)));
}

/**
 * Record of `setState` calls on one request. `setState` writes into `states`, the object that the
 * request's context exposes, so a callback reads its own changes back.
 */
export class ConnectionStateChanges {
  readonly #states: Record<string, unknown>;
  #isChanged = false;

  constructor(states: Record<string, unknown>) {
    this.#states = states;
  }

  /** Set one entry, or remove it when `value` is `undefined`. */
  readonly setState = (name: string, value: unknown): void => {
    if (value === undefined) {
      delete this.#states[name];
    } else {
      // Defining rather than assigning keeps a name such as `__proto__` an ordinary entry.
      Object.defineProperty(this.#states, name, {
        value,
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }

    this.#isChanged = true;
  };

  /** Return the header value of the whole merged state, or `undefined` when nothing was set. */
  toHeaderValue(): string | undefined {
    return this.#isChanged ? encodeConnectionState(this.#states) : undefined;
  }
}

function invalidState(): EventHandlerError {
  return new EventHandlerError(
    400,
    'Invalid ce-connectionState header: expected a base64-encoded JSON object.',
  );
}
