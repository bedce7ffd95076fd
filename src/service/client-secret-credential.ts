/**
 * A Microsoft Entra ID credential for an app registration with a client secret, built on `fetch`
 * alone so that it runs on edge runtimes. It performs the OAuth 2.0 client credentials grant
 * (RFC 6749 section 4.4) against the Microsoft identity platform v2.0 token endpoint:
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 */

import { ConfigError, RequestError, RestError } from '../errors.js';
import { encodePathSegment, parseJson } from '../internal/http.js';
import type { AccessToken, GetTokenOptions, TokenCredential } from './token-credential.js';

/** Options of {@link ClientSecretCredential}. */
export interface ClientSecretCredentialOptions {
  /**
   * The Microsoft Entra authority, such as `https://login.microsoftonline.us` for Azure
   * Government. `http:` is accepted only for a loopback host, for local tests.
   * @default 'https://login.microsoftonline.com'
   */
  authorityHost?: string;
  /**
   * The `fetch` to send token requests with.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
}

const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const TENANT_PATTERN = /^[A-Za-z0-9.-]+$/;
const MAX_DESCRIPTION_CHARS = 300;

/**
 * Gets tokens for an app registration with a client secret. Pass it to
 * `WebPubSubServiceClient` to authenticate with Microsoft Entra ID instead of an access key.
 * The service client caches the tokens, and this credential requests a new token on every call.
 *
 * @example
 * ```ts
 * const credential = new ClientSecretCredential(env.AZURE_TENANT_ID, env.AZURE_CLIENT_ID, env.AZURE_CLIENT_SECRET);
 * const client = new WebPubSubServiceClient('https://demo.webpubsub.azure.com', credential, 'chat');
 * ```
 */
export class ClientSecretCredential implements TokenCredential {
  readonly #tokenUrl: string;
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #fetch: typeof fetch;

  /**
   * @param tenantId - the directory (tenant) id or domain.
   * @param clientId - the application (client) id.
   * @param clientSecret - a client secret of the app registration.
   * @param options - `authorityHost` and `fetch`.
   * @throws {ConfigError} when an argument is empty or the authority host is not https.
   */
  constructor(tenantId: string, clientId: string, clientSecret: string, options: ClientSecretCredentialOptions = {}) {
    if (typeof tenantId !== 'string' || !TENANT_PATTERN.test(tenantId)) {
      throw new ConfigError('tenantId', 'The tenantId must be a directory id such as "72f988bf-…" or a domain such as "contoso.onmicrosoft.com".');
    }
    if (typeof clientId !== 'string' || clientId === '') {
      throw new ConfigError('clientId', 'The clientId is empty. Pass the application (client) id of the app registration.');
    }
    if (typeof clientSecret !== 'string' || clientSecret === '') {
      throw new ConfigError('clientSecret', 'The clientSecret is empty. Pass a client secret of the app registration.');
    }
    const fetchFunction = options.fetch;
    if (fetchFunction === undefined && typeof globalThis.fetch !== 'function') {
      throw new ConfigError('fetch', 'No fetch function is available. Pass options.fetch.');
    }

    this.#tokenUrl = `${checkAuthorityHost(options.authorityHost ?? DEFAULT_AUTHORITY_HOST)}/${encodePathSegment(tenantId, 'tenantId')}/oauth2/v2.0/token`;
    this.#clientId = clientId;
    this.#clientSecret = clientSecret;
    this.#fetch = fetchFunction ? (input, init) => fetchFunction(input, init) : (input, init) => globalThis.fetch(input, init);
  }

  /**
   * Requests a token for `scopes` with the client credentials grant.
   *
   * @param scopes - one scope or several, such as `https://webpubsub.azure.com/.default`.
   * @param options - `abortSignal`.
   * @returns the token and its expiry.
   * @throws {RestError} when the token endpoint rejects the request; `details.code` is its
   * `error`, such as `invalid_client`. The message never contains the secret.
   * @throws {RequestError} when the token endpoint cannot be reached or the call is aborted.
   *
   * @example
   * ```ts
   * const { token, expiresOnTimestamp } = await credential.getToken('https://webpubsub.azure.com/.default');
   * ```
   */
  async getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken> {
    const scope = (Array.isArray(scopes) ? scopes : [scopes]).join(' ');
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.#clientId,
      client_secret: this.#clientSecret,
      scope,
    });

    const requestedAt = Date.now();
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(this.#tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: options.abortSignal,
      });
      text = await response.text();
    } catch (error) {
      const code = options.abortSignal?.aborted ? 'ABORTED' : 'NETWORK_ERROR';
      throw new RequestError(code, { method: 'POST', url: this.#tokenUrl }, { cause: error });
    }

    const parsed = parseJson(text) as Record<string, unknown> | undefined;
    if (!response.ok) throw this.#tokenError(response, parsed);

    const token = parsed?.access_token;
    const expiresIn = Number(parsed?.expires_in);
    if (typeof token !== 'string' || token === '' || !Number.isFinite(expiresIn)) {
      throw new RestError({
        status: response.status,
        method: 'POST',
        url: this.#tokenUrl,
        details: { message: 'The token endpoint returned no access_token and expires_in.' },
      });
    }

    const refreshIn = Number(parsed?.refresh_in);
    return {
      token,
      expiresOnTimestamp: requestedAt + expiresIn * 1000,
      refreshAfterTimestamp: Number.isFinite(refreshIn) ? requestedAt + refreshIn * 1000 : undefined,
      // The client credentials grant issues bearer tokens only.
      tokenType: 'Bearer',
    };
  }

  /** Describe a rejected token request by its OAuth `error` and the first line of its description. */
  #tokenError(response: Response, body: Record<string, unknown> | undefined): RestError {
    const code = typeof body?.error === 'string' ? body.error : undefined;
    let message = typeof body?.error_description === 'string' ? body.error_description.split(/\r?\n/)[0]!.slice(0, MAX_DESCRIPTION_CHARS) : undefined;
    // Entra does not echo the secret, but a misbehaving endpoint could; it never reaches a message.
    if (message !== undefined) message = message.split(this.#clientSecret).join('<redacted>');
    return new RestError({
      status: response.status,
      method: 'POST',
      url: this.#tokenUrl,
      requestId: response.headers.get('x-ms-request-id') ?? undefined,
      details: code || message ? { code, message } : undefined,
    });
  }
}

function checkAuthorityHost(authorityHost: string): string {
  let url: URL;
  try {
    url = new URL(authorityHost);
  } catch {
    throw new ConfigError('authorityHost', `The authorityHost ${JSON.stringify(authorityHost)} is not a valid URL. Use "https://login.microsoftonline.com".`);
  }
  const isLoopbackHttp = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !isLoopbackHttp) {
    throw new ConfigError('authorityHost', `The authorityHost ${url.origin} must use https, because the client secret is sent to it.`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError('authorityHost', 'The authorityHost must not have user info, a query or a fragment.');
  }
  return url.href.replace(/\/+$/, '');
}
