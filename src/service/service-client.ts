/**
 * `WebPubSubServiceClient`: the server side of Azure Web PubSub for one hub. It mints client
 * access tokens and calls the data-plane REST API, with only `fetch` and WebCrypto.
 */

import { ConfigError } from '../errors.js';
import { encodePathSegment, type HttpPipeline } from '../internal/http.js';
import { KeySigner } from './authorization.js';
import {
  buildClientClaims,
  buildClientTokenResponse,
  checkClientTokenOptions,
  clientAudience,
  type ClientTokenResponse,
  type GenerateClientTokenOptions,
} from './client-access-token.js';
import { normalizeEndpoint, parseConnectionString } from './connection-string.js';
import { isKeyCredential, type KeyCredential } from './credentials.js';
import { GroupClient, type WebPubSubGroup } from './group-client.js';
import {
  DEFAULTS,
  type HubSendToAllOptions,
  type HubSendToConnectionOptions,
  type HubSendToUserOptions,
  type WebPubSubServiceClientOptions,
} from './options.js';
import { sendMessage } from './send.js';
import { assertHubName, assertNonEmpty } from './validation.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Client for one hub of an Azure Web PubSub resource, authenticated with an access key.
 * It works wherever `fetch` and `crypto.subtle` exist: Cloudflare Workers, Deno, Bun, Vercel Edge,
 * browsers and Node 20+.
 *
 * @example
 * ```ts
 * import { WebPubSubServiceClient } from 'webpubsub-edge';
 *
 * const client = new WebPubSubServiceClient(env.WEBPUBSUB_CONNECTION_STRING, 'chat');
 * const { url } = await client.getClientAccessToken({ userId: 'alice', roles: ['webpubsub.joinLeaveGroup'] });
 * await client.sendToAll({ text: 'hello' });
 * ```
 */
export class WebPubSubServiceClient {
  /** The hub this client works on. */
  readonly hubName: string;
  /** The service endpoint, ending with `/`. */
  readonly endpoint: string;
  /** The data-plane API version sent with every call. */
  readonly apiVersion: string = DEFAULTS.apiVersion;

  readonly #signer: KeySigner;
  readonly #pipeline: HttpPipeline;
  readonly #hubPath: string;

  /**
   * Creates a client from a connection string.
   *
   * @param connectionString - `Endpoint=https://<name>.webpubsub.azure.com;AccessKey=<key>;Version=1.0;`.
   * @param hubName - the hub, matching `^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$`.
   * @param options - `fetch` and `allowInsecureConnection`.
   * @throws {ConfigError} when the connection string, hub name or options are invalid.
   */
  constructor(connectionString: string, hubName: string, options?: WebPubSubServiceClientOptions);
  /**
   * Creates a client from an endpoint and an access key credential.
   *
   * @param endpoint - `https://<name>.webpubsub.azure.com`.
   * @param credential - `{ key }`, such as `AzureKeyCredential`.
   * @param hubName - the hub, matching `^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$`.
   * @param options - `fetch` and `allowInsecureConnection`.
   * @throws {ConfigError} when the endpoint, credential, hub name or options are invalid.
   */
  constructor(endpoint: string, credential: KeyCredential, hubName: string, options?: WebPubSubServiceClientOptions);
  constructor(
    endpointOrConnectionString: string,
    credentialOrHubName: KeyCredential | string,
    hubNameOrOptions?: string | WebPubSubServiceClientOptions,
    maybeOptions?: WebPubSubServiceClientOptions,
  ) {
    let endpoint: string;
    let credential: KeyCredential;
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
      if (!isKeyCredential(credentialOrHubName) || typeof credentialOrHubName.key !== 'string' || credentialOrHubName.key === '') {
        throw new ConfigError('credential', 'The credential must be an object with a non-empty "key", such as new AzureKeyCredential(accessKey).');
      }
      endpoint = normalizeEndpoint(endpointOrConnectionString);
      credential = credentialOrHubName;
      hubName = hubNameOrOptions;
      options = maybeOptions ?? {};
    }

    assertHubName(hubName);
    checkTransportSecurity(endpoint, options);
    const fetchFunction = options.fetch ?? globalThis.fetch;
    if (typeof fetchFunction !== 'function') {
      throw new ConfigError('fetch', 'No fetch function is available. Pass options.fetch.');
    }

    this.hubName = hubName;
    this.endpoint = endpoint;
    this.#hubPath = `api/hubs/${encodePathSegment(hubName)}`;
    this.#signer = new KeySigner(credential);
    const signer = this.#signer;
    this.#pipeline = {
      endpoint,
      apiVersion: this.apiVersion,
      // Calling through the options object keeps `this` bound for fetch implementations that
      // need it, such as the Workers global.
      fetch: options.fetch ? (input, init) => options.fetch!(input, init) : (input, init) => globalThis.fetch(input, init),
      authorize: (url) => signer.authorize(url),
    };
  }

  /**
   * Generates a token and URL for a WebSocket client. Serve the result from a negotiate
   * endpoint; never ship the access key to clients.
   *
   * @param options - `userId`, `roles`, `groups`, `expirationTimeInMinutes` (default 60),
   * `clientProtocol` (`default`, `mqtt` or `socketio`).
   * @returns `{ token, baseUrl, url }`; connect clients to `url`.
   * @throws {ConfigError} when an option is invalid.
   *
   * @example
   * ```ts
   * const { url } = await client.getClientAccessToken({
   *   userId: 'alice',
   *   roles: ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup.room-1'],
   *   groups: ['room-1'],
   * });
   * ```
   */
  async getClientAccessToken(options: GenerateClientTokenOptions = {}): Promise<ClientTokenResponse> {
    checkClientTokenOptions(options);
    const protocol = options.clientProtocol ?? 'default';
    const claims = buildClientClaims(clientAudience(this.endpoint, this.hubName, protocol), options);
    const token = await this.#signer.sign(claims);
    return buildClientTokenResponse(this.endpoint, this.hubName, protocol, token);
  }

  /**
   * Sends a message to every connection in the hub.
   *
   * @param message - a string or object (sent as JSON), a string with
   * `contentType: 'text/plain'` (sent as text), or bytes (`ArrayBuffer`, typed array, `Blob`).
   * @param options - `excludedConnections`, `filter`, `messageTtlSeconds`, `contentType`,
   * `abortSignal`.
   * @throws {RestError} when the service rejects the call.
   * @throws {RequestError} when no response arrives.
   * @throws {ConfigError} when an option or the message is invalid.
   *
   * @example
   * ```ts
   * await client.sendToAll({ type: 'notice', text: 'maintenance at 18:00' });
   * await client.sendToAll('plain text', { contentType: 'text/plain' });
   * ```
   */
  async sendToAll(message: unknown, options: HubSendToAllOptions = {}): Promise<void> {
    await sendMessage(this.#pipeline, `${this.#hubPath}/:send`, message, options, { excluded: true, filter: true });
  }

  /**
   * Sends a message to every connection of a user.
   *
   * @param userId - the user id, the `sub` of the client's token.
   * @param message - see {@link WebPubSubServiceClient.sendToAll}.
   * @param options - `filter`, `messageTtlSeconds`, `contentType`, `abortSignal`.
   * @throws {RestError} when the service rejects the call.
   * @throws {RequestError} when no response arrives.
   * @throws {ConfigError} when the user id, an option or the message is invalid.
   *
   * @example
   * ```ts
   * await client.sendToUser('alice', { text: 'you have mail' });
   * ```
   */
  async sendToUser(userId: string, message: unknown, options: HubSendToUserOptions = {}): Promise<void> {
    assertNonEmpty('userId', userId);
    const path = `${this.#hubPath}/users/${encodePathSegment(userId)}/:send`;
    await sendMessage(this.#pipeline, path, message, options, { excluded: false, filter: true });
  }

  /**
   * Sends a message to one connection.
   *
   * @param connectionId - the connection id, from the client's `connected` message.
   * @param message - see {@link WebPubSubServiceClient.sendToAll}.
   * @param options - `messageTtlSeconds`, `contentType`, `abortSignal`.
   * @throws {RestError} when the service rejects the call.
   * @throws {RequestError} when no response arrives.
   * @throws {ConfigError} when the connection id, an option or the message is invalid.
   *
   * @example
   * ```ts
   * await client.sendToConnection(connectionId, new Uint8Array([1, 2, 3]));
   * ```
   */
  async sendToConnection(connectionId: string, message: unknown, options: HubSendToConnectionOptions = {}): Promise<void> {
    assertNonEmpty('connectionId', connectionId);
    const path = `${this.#hubPath}/connections/${encodePathSegment(connectionId)}/:send`;
    await sendMessage(this.#pipeline, path, message, options, { excluded: false, filter: false });
  }

  /**
   * Returns the operations on one group of this hub.
   *
   * @param groupName - 1 to 1024 characters, not only whitespace.
   * @returns a {@link WebPubSubGroup}.
   * @throws {ConfigError} when the group name is invalid.
   *
   * @example
   * ```ts
   * await client.group('room-1').sendToAll({ text: 'hello room' });
   * ```
   */
  group(groupName: string): WebPubSubGroup {
    return new GroupClient(this.#pipeline, this.hubName, groupName);
  }
}

function checkTransportSecurity(endpoint: string, options: WebPubSubServiceClientOptions): void {
  const url = new URL(endpoint);
  if (url.protocol !== 'http:' || options.allowInsecureConnection || LOOPBACK_HOSTS.has(url.hostname)) return;
  throw new ConfigError(
    'endpoint',
    `The endpoint ${url.origin} uses plain HTTP, which exposes bearer tokens. Use https, or pass { allowInsecureConnection: true } for a trusted network.`,
  );
}
