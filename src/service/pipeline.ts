/**
 * Turns the arguments of the `WebPubSubServiceClient` constructor into the HTTP pipeline that
 * every operation uses: endpoint, credential, api-version, reverse proxy, retries and time limits.
 * Every problem is reported here, at construction, as a `ConfigError`.
 */

import { ConfigError } from '../errors.js';
import type { HttpPipeline } from '../internal/http.js';
import type { RetrySettings } from '../internal/retry.js';
import { USER_AGENT } from '../internal/version.js';
import { checkApiVersionFormat } from './api-versions.js';
import { KeySigner } from './authorization.js';
import { normalizeEndpoint, parseConnectionString } from './connection-string.js';
import { isKeyCredential, type KeyCredential } from './credentials.js';
import { DEFAULTS, type RetryOptions, type WebPubSubServiceClientOptions } from './options.js';
import { AccessTokenCache } from './token-cache.js';
import { isTokenCredential, type TokenCredential } from './token-credential.js';
import { assertHubName } from './validation.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The client's authentication: an access key that signs tokens, or a cache of Entra ID tokens. */
export type ClientAuthorization = { kind: 'key'; signer: KeySigner } | { kind: 'token'; tokens: AccessTokenCache };

/** Everything a service client needs, checked. */
export interface ClientSetup {
  endpoint: string;
  hubName: string;
  pipeline: HttpPipeline;
  authorization: ClientAuthorization;
}

/**
 * Check the constructor arguments, in either form: `(connectionString, hubName, options?)` or
 * `(endpoint, credential, hubName, options?)`.
 *
 * @throws {ConfigError} when an argument or option is invalid.
 */
export function setUpClient(
  endpointOrConnectionString: string,
  credentialOrHubName: KeyCredential | TokenCredential | string,
  hubNameOrOptions?: string | WebPubSubServiceClientOptions,
  maybeOptions?: WebPubSubServiceClientOptions,
): ClientSetup {
  let endpoint: string;
  let credential: KeyCredential | TokenCredential;
  let hubName: unknown;
  let options: WebPubSubServiceClientOptions;

  if (typeof credentialOrHubName === 'string') {
    const parts = parseConnectionString(endpointOrConnectionString);
    endpoint = parts.endpoint;
    credential = { key: parts.accessKey };
    hubName = credentialOrHubName;
    options = (hubNameOrOptions as WebPubSubServiceClientOptions | undefined) ?? {};
  } else {
    if (typeof endpointOrConnectionString !== 'string' || endpointOrConnectionString === '') {
      throw new ConfigError('endpoint', 'The endpoint is empty. Pass "https://<name>.webpubsub.azure.com".');
    }
    endpoint = normalizeEndpoint(endpointOrConnectionString);
    credential = checkCredential(credentialOrHubName);
    hubName = hubNameOrOptions;
    options = maybeOptions ?? {};
  }

  assertHubName(hubName);
  checkTransportSecurity('endpoint', endpoint, options);
  const authorization: ClientAuthorization = isTokenCredential(credential)
    ? { kind: 'token', tokens: new AccessTokenCache(credential, DEFAULTS.tokenRefreshMarginInMs) }
    : { kind: 'key', signer: new KeySigner(credential) };

  const pipeline: HttpPipeline = {
    endpoint,
    apiVersion: options.apiVersion === undefined ? DEFAULTS.apiVersion : checkApiVersionFormat(options.apiVersion),
    fetch: resolveFetch(options.fetch),
    authorize:
      authorization.kind === 'key'
        ? (url) => authorization.signer.authorize(url)
        : async (_url, signal) => `Bearer ${await authorization.tokens.getToken(signal)}`,
    proxyHost: proxyHostOf(options),
    userAgent: USER_AGENT,
    retry: resolveRetrySettings(options.retryOptions),
    timeoutInMs: checkDuration('timeoutInMs', options.timeoutInMs ?? DEFAULTS.timeoutInMs),
    totalTimeoutInMs: checkDuration('totalTimeoutInMs', options.totalTimeoutInMs ?? DEFAULTS.totalTimeoutInMs),
  };

  return { endpoint, hubName, pipeline, authorization };
}

/**
 * Throws `ConfigError` unless `value` is a finite number of milliseconds, 0 or more.
 *
 * @returns `value`.
 */
export function checkDuration(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(field, `The ${field} ${JSON.stringify(value)} is invalid. Pass milliseconds as a finite number, 0 or more.`);
  }
  return value;
}

function checkCredential(credential: unknown): KeyCredential | TokenCredential {
  if (isTokenCredential(credential)) return credential;
  if (isKeyCredential(credential) && typeof credential.key === 'string' && credential.key !== '') return credential;
  throw new ConfigError(
    'credential',
    'The credential must be an object with a non-empty "key", such as new AzureKeyCredential(accessKey), or a TokenCredential with getToken(), such as new ClientSecretCredential(...).',
  );
}

function resolveFetch(fetchOption: typeof fetch | undefined): typeof fetch {
  if (fetchOption !== undefined) {
    if (typeof fetchOption !== 'function') throw new ConfigError('fetch', 'The fetch option must be a function.');
    // Calling through a wrapper keeps `this` bound for fetch implementations that need it.
    return (input, init) => fetchOption(input, init);
  }
  if (typeof globalThis.fetch !== 'function') {
    throw new ConfigError('fetch', 'No fetch function is available. Pass options.fetch.');
  }
  return (input, init) => globalThis.fetch(input, init);
}

function proxyHostOf(options: WebPubSubServiceClientOptions): string | undefined {
  const proxy = options.reverseProxyEndpoint;
  if (proxy === undefined) return undefined;

  let url: URL;
  try {
    url = new URL(proxy);
  } catch {
    throw new ConfigError('reverseProxyEndpoint', `The reverseProxyEndpoint ${JSON.stringify(proxy)} is not a valid URL. Use "https://<proxy host>".`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError('reverseProxyEndpoint', `The reverseProxyEndpoint ${url.origin} must be an http(s) URL.`);
  }
  checkTransportSecurity('reverseProxyEndpoint', url.href, options);
  return url.host;
}

function checkTransportSecurity(field: string, endpoint: string, options: WebPubSubServiceClientOptions): void {
  const url = new URL(endpoint);
  if (url.protocol !== 'http:' || options.allowInsecureConnection || LOOPBACK_HOSTS.has(url.hostname)) return;
  throw new ConfigError(
    field,
    `The ${field} ${url.origin} uses plain HTTP, which exposes bearer tokens. Use https, or pass { allowInsecureConnection: true } for a trusted network.`,
  );
}

function resolveRetrySettings(options: RetryOptions = {}): RetrySettings {
  const maxRetries = options.maxRetries ?? DEFAULTS.maxRetries;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new ConfigError('retryOptions.maxRetries', `The retryOptions.maxRetries ${JSON.stringify(maxRetries)} is invalid. Pass a whole number, 0 or more; 0 turns retries off.`);
  }
  const retrySendsOnNetworkError = options.retrySendsOnNetworkError ?? DEFAULTS.retrySendsOnNetworkError;
  if (typeof retrySendsOnNetworkError !== 'boolean') {
    throw new ConfigError('retryOptions.retrySendsOnNetworkError', 'The retryOptions.retrySendsOnNetworkError option must be true or false.');
  }
  return {
    maxRetries,
    retryDelayInMs: checkDuration('retryOptions.retryDelayInMs', options.retryDelayInMs ?? DEFAULTS.retryDelayInMs),
    maxRetryDelayInMs: checkDuration('retryOptions.maxRetryDelayInMs', options.maxRetryDelayInMs ?? DEFAULTS.maxRetryDelayInMs),
    retrySendsOnNetworkError,
  };
}
