/**
 * When a failed REST call is tried again, and after how long.
 *
 * A response with status 408, 429, 500, 502, 503 or 504 is retried. The wait is the server's hint
 * when it sent one (`retry-after-ms`, `x-ms-retry-after-ms`, or `Retry-After` in seconds or as an
 * HTTP date, RFC 9110 section 10.2.3), capped by the maximum delay. Without a hint, the wait grows
 * exponentially with "equal jitter": half of the capped delay is fixed and half is random.
 */

/** Retry settings after defaults are applied; see `RetryOptions` in the service options. */
export interface RetrySettings {
  /** Retries after the first attempt; 0 turns retries off. */
  maxRetries: number;
  /** Base of the exponential backoff, in milliseconds. */
  retryDelayInMs: number;
  /** Cap of every wait, server hints included, in milliseconds. */
  maxRetryDelayInMs: number;
  /** Whether non-idempotent requests (the send operations) retry after a network error or timeout. */
  retrySendsOnNetworkError: boolean;
}

const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Tells whether a response with `status` may succeed when sent again. */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * Read the server's retry hint in milliseconds: `retry-after-ms`, then `x-ms-retry-after-ms`,
 * then `Retry-After` as seconds or an HTTP date. Returns `undefined` when none is valid.
 * A date in the past gives 0.
 */
export function readRetryAfterInMs(headers: Headers, now: number = Date.now()): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const milliseconds = parseNonNegativeNumber(headers.get(name));
    if (milliseconds !== undefined) return milliseconds;
  }

  const retryAfter = headers.get('retry-after');
  if (retryAfter === null) return undefined;

  // RFC 9110 §10.2.3: `Retry-After` is whole seconds or an HTTP-date. Anything else is ignored
  // rather than handed to Date.parse, which reads values such as "-1" or "5, 6" as dates.
  const trimmed = retryAfter.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!HTTP_DATE.some((pattern) => pattern.test(trimmed))) return undefined;

  // asctime dates carry no zone but are GMT; Date.parse would read them as local time.
  const date = Date.parse(trimmed.endsWith('GMT') ? trimmed : `${trimmed} GMT`);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

// The three HTTP-date forms of RFC 9110 §5.6.7: IMF-fixdate, RFC 850 and asctime.
const HTTP_DATE = [
  /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
  /^[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/,
  /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/,
];

/**
 * Compute the wait before retry number `retryCount + 1`: the server's hint capped by
 * `maxRetryDelayInMs`, or exponential backoff with jitter when there is no hint.
 *
 * @param retryCount - retries done so far, starting at 0.
 * @param headers - headers of the failed response; `undefined` after a network error.
 */
export function computeRetryDelayInMs(
  retryCount: number,
  headers: Headers | undefined,
  settings: RetrySettings,
  random: () => number = Math.random,
): number {
  const hint = headers === undefined ? undefined : readRetryAfterInMs(headers);
  if (hint !== undefined) return Math.min(hint, settings.maxRetryDelayInMs);

  const capped = Math.min(settings.maxRetryDelayInMs, settings.retryDelayInMs * 2 ** retryCount);
  return Math.round(capped / 2 + random() * (capped / 2));
}

function parseNonNegativeNumber(value: string | null): number | undefined {
  if (value === null || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Number(value);
}
