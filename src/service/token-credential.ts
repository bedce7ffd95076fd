/**
 * The Microsoft Entra ID credential shape that the service client accepts: `TokenCredential` of
 * `@azure/core-auth`, so credentials of `@azure/identity` work where that package runs, and
 * {@link ClientSecretCredential} works everywhere `fetch` does.
 */

/** The scope of Azure Web PubSub data-plane tokens. */
export const WEB_PUBSUB_SCOPE = 'https://webpubsub.azure.com/.default';

/** An access token, with the shape of `AccessToken` of `@azure/core-auth`. */
export interface AccessToken {
  /** The bearer token. */
  token: string;
  /** When the token expires, in milliseconds since the epoch. */
  expiresOnTimestamp: number;
  /** When the issuer suggests refreshing the token, in milliseconds since the epoch. */
  refreshAfterTimestamp?: number;
  /** The token type, as `@azure/core-auth` types it. */
  tokenType?: 'Bearer' | 'pop';
}

/** Options that the service client passes to `getToken`. */
export interface GetTokenOptions {
  /** Aborts the token request when the REST call is aborted or times out. */
  abortSignal?: AbortSignal;
}

/**
 * Anything that issues Microsoft Entra ID access tokens, such as `DefaultAzureCredential` of
 * `@azure/identity` on Node or {@link ClientSecretCredential} on any runtime.
 *
 * Note: the service client caches the token it gets and requests a new one 2 minutes before it
 * expires (or after `refreshAfterTimestamp`). While the cached token is still valid, one caller
 * refreshes and the others keep using it. The cache stores token values only, never a pending
 * `getToken` promise, because on Cloudflare Workers a promise started for one request must not
 * be awaited by another. So callers that find no valid token at all each call `getToken`.
 *
 * @example
 * ```ts
 * const credential: TokenCredential = {
 *   async getToken(scopes) {
 *     const { access_token, expires_in } = await myTokenService(scopes);
 *     return { token: access_token, expiresOnTimestamp: Date.now() + expires_in * 1000 };
 *   },
 * };
 * ```
 */
export interface TokenCredential {
  /**
   * Gets an access token for `scopes`. The service client asks for
   * `https://webpubsub.azure.com/.default`.
   */
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null>;
}

/**
 * Tells whether `value` has the shape of a {@link TokenCredential}.
 *
 * @param value - a credential passed to the service client.
 * @returns `true` when `value` has a `getToken` method.
 *
 * @example
 * ```ts
 * isTokenCredential(new ClientSecretCredential(tenantId, clientId, secret)); // true
 * isTokenCredential(new AzureKeyCredential(key)); // false
 * ```
 */
export function isTokenCredential(value: unknown): value is TokenCredential {
  return typeof value === 'object' && value !== null && typeof (value as { getToken?: unknown }).getToken === 'function';
}
