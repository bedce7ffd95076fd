// @ts-check
/**
 * Structured logging for the emulator: one JSON object per event, written as one line.
 *
 * Callers pass ids (hub, connectionId, userId, method, path, status, reason) and never a
 * token, key or signature. Repeats of an identical rejection are counted instead of logged.
 */

/**
 * @typedef {'debug' | 'info' | 'warn' | 'error'} LogLevel
 * @typedef {Record<string, unknown> & { time: string, level: LogLevel, event: string }} LogEntry
 * @typedef {(entry: LogEntry) => void} LogSink
 */

// A compact JWS: three base64url parts, the first starting with the encoded `{"`.
const JWT_PATTERN = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;

/**
 * Replaces anything shaped like a JWT in a logged value, so that a token a caller put where an id
 * belongs (a path segment, a user id) never reaches the log.
 *
 * @param {unknown} value
 * @returns {unknown}
 */
function redactTokens(value) {
  return typeof value === 'string' ? value.replace(JWT_PATTERN, '<redacted-jwt>') : value;
}

/** Time window in which identical rejections after the first one are only counted. */
const REPEAT_WINDOW_MS = 10_000;

/** Maximum number of distinct rejection kinds tracked for repeat counting. */
const MAX_TRACKED_REPEATS = 1_000;

/**
 * Writes a log entry to stdout as one line of JSON.
 *
 * @type {LogSink}
 */
export function defaultLogger(entry) {
  process.stdout.write(`${JSON.stringify(entry)}\n`);
}

/**
 * Event logger bound to a sink. Every entry gets `time`, `level` and `event` first.
 */
export class EventLogger {
  /** @param {LogSink} sink */
  constructor(sink) {
    this.sink = sink;

    /**
     * Rejections seen recently, by event and fields.
     * @type {Map<string, {
     *   lastLoggedAt: number,
     *   repeated: number,
     *   level: LogLevel,
     *   event: string,
     *   fields: Record<string, unknown>,
     * }>}
     */
    this.repeats = new Map();
  }

  /**
   * @param {LogLevel} level
   * @param {string} event
   * @param {Record<string, unknown>} [fields]
   */
  write(level, event, fields = {}) {
    /** @type {Record<string, unknown>} */
    const redacted = {};
    for (const [name, value] of Object.entries(fields)) redacted[name] = redactTokens(value);
    const entry = { time: new Date().toISOString(), level, event, ...redacted };

    try {
      this.sink(entry);
    } catch (error) {
      // A failing sink must not take the emulator down with it.
      process.stderr.write(`emulator log sink failed: ${String(error)}\n`);
    }
  }

  /** @param {string} event @param {Record<string, unknown>} [fields] */
  info(event, fields) {
    this.write('info', event, fields);
  }

  /** @param {string} event @param {Record<string, unknown>} [fields] */
  warn(event, fields) {
    this.write('warn', event, fields);
  }

  /**
   * Logs an error that was caught and not re-raised, with its message and the ids involved.
   *
   * @param {unknown} error
   * @param {Record<string, unknown>} [fields]
   */
  error(error, fields) {
    const message = error instanceof Error ? error.message : String(error);
    this.write('error', 'error', { ...fields, message });
  }

  /**
   * Logs a rejected request or frame. The first of a run of identical rejections is logged
   * at once. Identical ones in the next {@link REPEAT_WINDOW_MS} are counted, and the next
   * line for the same rejection carries that count as `repeated`.
   *
   * @param {string} event
   * @param {Record<string, unknown>} fields
   */
  rejected(event, fields) {
    const key = `${event}\u0000${JSON.stringify(fields)}`;
    const now = Date.now();
    const tracked = this.repeats.get(key);

    if (tracked && now - tracked.lastLoggedAt < REPEAT_WINDOW_MS) {
      tracked.repeated += 1;
      return;
    }

    const repeated = tracked?.repeated ?? 0;
    this.repeats.delete(key);
    this.pruneRepeats(now);
    this.repeats.set(key, { lastLoggedAt: now, repeated: 0, level: 'warn', event, fields });
    this.write('warn', event, repeated > 0 ? { ...fields, repeated } : fields);
  }

  /** @param {number} now */
  pruneRepeats(now) {
    if (this.repeats.size < MAX_TRACKED_REPEATS) {
      return;
    }

    for (const [key, tracked] of this.repeats) {
      const isExpired = now - tracked.lastLoggedAt >= REPEAT_WINDOW_MS;
      if (isExpired || this.repeats.size >= MAX_TRACKED_REPEATS) {
        this.flushRepeat(key);
      }
    }
  }

  /** @param {string} key */
  flushRepeat(key) {
    const tracked = this.repeats.get(key);
    this.repeats.delete(key);

    if (tracked && tracked.repeated > 0) {
      this.write(tracked.level, tracked.event, { ...tracked.fields, repeated: tracked.repeated });
    }
  }

  /** Writes the pending repeat counts, so none is lost when the emulator stops. */
  flush() {
    for (const key of [...this.repeats.keys()]) {
      this.flushRepeat(key);
    }
  }
}

/**
 * Removes the query string and fragment from a request target, because client upgrade URLs
 * carry the access token in `access_token`.
 *
 * @param {string | undefined} target
 * @returns {string}
 */
export function pathWithoutQuery(target) {
  if (!target) {
    return '';
  }

  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}
