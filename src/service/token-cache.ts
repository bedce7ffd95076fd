/**
 * Cache of the Microsoft Entra ID access token of one service client.
 *
 * Rule for concurrent callers: the cache stores token values only, never a pending promise. A
 * promise started while a Cloudflare Workers isolate serves one request must not be awaited by
 * another request, because the first request may end and leave it unresolved. So:
 * - a cached token that is not yet in its refresh window is returned at once;
 * - inside the refresh window (2 minutes before expiry, or after `refreshAfterTimestamp`), the
 *   first caller refreshes and callers that arrive meanwhile keep using the cached token, which
 *   is still valid, so one refresh serves them all;
 * - with no usable token (first call, or expired), each caller that finds none asks the
 *   credential itself. Credentials such as those of `@azure/identity` cache on their side.
 */

import { ConfigError } from '../errors.js';
import { type AccessToken, type TokenCredential, WEB_PUBSUB_SCOPE } from './token-credential.js';

// A token that expires sooner than this is not handed out, so it cannot expire in flight.
const MIN_REMAINING_VALIDITY_MS = 30_000;

// A refresh marked as running for longer than this is assumed lost, such as one started by a
// Workers request that ended, and the next caller refreshes again.
const STALE_REFRESH_MS = 30_000;

/** Returns bearer tokens for the Web PubSub scope, refreshing them before they expire. */
export class AccessTokenCache {
  readonly #credential: TokenCredential;
  readonly #refreshMarginInMs: number;
  #token: AccessToken | undefined;
  #refresh: { startedAt: number } | undefined;

  constructor(credential: TokenCredential, refreshMarginInMs: number) {
    this.#credential = credential;
    this.#refreshMarginInMs = refreshMarginInMs;
  }

  /** Return a bearer token, asking the credential only when the cached one needs refreshing. */
  async getToken(signal?: AbortSignal): Promise<string> {
    const now = Date.now();
    const cached = this.#token;
    const isUsable = cached !== undefined && cached.expiresOnTimestamp - now > MIN_REMAINING_VALIDITY_MS;
    if (isUsable && !this.#isInRefreshWindow(cached, now)) return cached.token;

    const isRefreshRunning = this.#refresh !== undefined && now - this.#refresh.startedAt < STALE_REFRESH_MS;
    if (isUsable && isRefreshRunning) return cached.token;

    const refresh = { startedAt: now };
    this.#refresh = refresh;
    try {
      const token = checkAccessToken(await this.#credential.getToken(WEB_PUBSUB_SCOPE, { abortSignal: signal }));
      if (this.#token === undefined || token.expiresOnTimestamp >= this.#token.expiresOnTimestamp) this.#token = token;
      return token.token;
    } catch (error) {
      // A failed early refresh is not fatal while the cached token is still valid.
      if (isUsable) return cached.token;
      throw error;
    } finally {
      if (this.#refresh === refresh) this.#refresh = undefined;
    }
  }

  #isInRefreshWindow(token: AccessToken, now: number): boolean {
    if (token.refreshAfterTimestamp !== undefined && now >= token.refreshAfterTimestamp) return true;
    return now >= token.expiresOnTimestamp - this.#refreshMarginInMs;
  }
}

function checkAccessToken(value: AccessToken | null): AccessToken {
  const isValid =
    value !== null &&
    typeof value === 'object' &&
    typeof value.token === 'string' &&
    value.token !== '' &&
    typeof value.expiresOnTimestamp === 'number' &&
    Number.isFinite(value.expiresOnTimestamp);
  if (!isValid) {
    throw new ConfigError(
      'credential',
      `The credential's getToken returned no usable token for the scope ${WEB_PUBSUB_SCOPE}. It must resolve to { token, expiresOnTimestamp }.`,
    );
  }
  return value;
}
