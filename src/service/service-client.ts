/**
 * `WebPubSubServiceClient`: the server side of Azure Web PubSub for one hub. It issues client
 * access tokens and calls every data-plane REST operation, with only `fetch` and WebCrypto.
 * Operations, paths and statuses follow the data-plane REST API 2024-12-01:
 * https://learn.microsoft.com/rest/api/webpubsub/dataplane/web-pub-sub
 */

import { encodePathSegment, type HttpPipeline } from '../internal/http.js';
import {
  buildClientClaims,
  buildClientTokenResponse,
  checkClientTokenOptions,
  clientAudience,
  type ClientTokenResponse,
  type GenerateClientTokenOptions,
} from './client-access-token.js';
import type { KeyCredential } from './credentials.js';
import { generateTokenFromService } from './generate-token.js';
import { GroupClient, type WebPubSubGroup } from './group-client.js';
import { closeQuery, groupsAndFilterBody, permissionRequest } from './management-requests.js';
import type {
  HubCloseAllConnectionsOptions,
  HubCloseConnectionOptions,
  HubCloseUserConnectionsOptions,
  HubGrantPermissionOptions,
  HubHasPermissionOptions,
  HubRevokePermissionOptions,
  Permission,
} from './operation-options.js';
import type {
  HubSendToAllOptions,
  HubSendToConnectionOptions,
  HubSendToUserOptions,
  OperationOptions,
  WebPubSubServiceClientOptions,
} from './options.js';
import { type ClientAuthorization, setUpClient } from './pipeline.js';
import { callOperation, checkExists } from './rest-operation.js';
import { sendMessage } from './send.js';
import type { TokenCredential } from './token-credential.js';
import { assertGroupName, assertNonEmpty } from './validation.js';

/**
 * Client for one hub of an Azure Web PubSub resource, authenticated with an access key or with
 * Microsoft Entra ID. It works wherever `fetch` and `crypto.subtle` exist: Cloudflare Workers,
 * Deno, Bun, Vercel Edge, browsers and Node 20+.
 *
 * Every operation throws `RestError` when the service returns an error status,
 * `RequestError` when no response arrives (network error, timeout, abort), and `ConfigError` when
 * an argument is invalid or the pinned api-version lacks the operation, before anything is sent.
 * Failed calls are retried as {@link RetryOptions} describes.
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
  readonly apiVersion: string;

  readonly #pipeline: HttpPipeline;
  readonly #authorization: ClientAuthorization;
  readonly #hubPath: string;

  /**
   * Creates a client from a connection string.
   *
   * @param connectionString - `Endpoint=https://<name>.webpubsub.azure.com;AccessKey=<key>;Version=1.0;`.
   * @param hubName - the hub, matching `^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$`.
   * @param options - see {@link WebPubSubServiceClientOptions}.
   * @throws {ConfigError} when the connection string, hub name or options are invalid.
   */
  constructor(connectionString: string, hubName: string, options?: WebPubSubServiceClientOptions);
  /**
   * Creates a client from an endpoint and a credential: an access key credential such as
   * `AzureKeyCredential`, or a Microsoft Entra ID `TokenCredential` such as
   * {@link ClientSecretCredential} or a credential of `@azure/identity`.
   *
   * @param endpoint - `https://<name>.webpubsub.azure.com`.
   * @param credential - `{ key }` or `{ getToken(scopes, options) }`.
   * @param hubName - the hub, matching `^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$`.
   * @param options - see {@link WebPubSubServiceClientOptions}.
   * @throws {ConfigError} when the endpoint, credential, hub name or options are invalid.
   */
  constructor(endpoint: string, credential: KeyCredential | TokenCredential, hubName: string, options?: WebPubSubServiceClientOptions);
  constructor(
    endpointOrConnectionString: string,
    credentialOrHubName: KeyCredential | TokenCredential | string,
    hubNameOrOptions?: string | WebPubSubServiceClientOptions,
    maybeOptions?: WebPubSubServiceClientOptions,
  ) {
    const setup = setUpClient(endpointOrConnectionString, credentialOrHubName, hubNameOrOptions, maybeOptions);
    this.hubName = setup.hubName;
    this.endpoint = setup.endpoint;
    this.apiVersion = setup.pipeline.apiVersion;
    this.#pipeline = setup.pipeline;
    this.#authorization = setup.authorization;
    this.#hubPath = `api/hubs/${encodePathSegment(setup.hubName, 'hub')}`;
  }

  /**
   * Generates a token and URL for a WebSocket client. Serve the result from a negotiate
   * endpoint, and never ship the access key to clients. With an access key the token is signed
   * locally. With a `TokenCredential` the service issues it through `POST .../:generateToken`,
   * which takes whole minutes and needs api-version 2024-01-01 for `mqtt` and `socketio`. The
   * URL always points at the service endpoint, also with a reverse proxy.
   *
   * @param options - `userId`, `roles`, `groups`, `expirationTimeInMinutes` (default 60),
   * `clientProtocol` (`default`, `mqtt` or `socketio`), `abortSignal`.
   * @returns `{ token, baseUrl, url }`; connect clients to `url`.
   * @throws {ConfigError} when an option is invalid.
   * @throws {RestError} when the service refuses to issue a token (Entra ID only).
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

    let token: string;
    if (this.#authorization.kind === 'token') {
      token = await generateTokenFromService(this.#pipeline, this.#hubPath, options);
    } else {
      const claims = buildClientClaims(clientAudience(this.endpoint, this.hubName, protocol), options);
      token = await this.#authorization.signer.sign(claims);
    }
    return buildClientTokenResponse(this.endpoint, this.hubName, protocol, token);
  }

  /**
   * Sends a message to every connection in the hub.
   *
   * Note: a send that fails with status 408, 429, 500, 502, 503 or 504 is retried, and the
   * service may already have delivered it, so a retried send can arrive twice. Pass
   * `retryOptions: { maxRetries: 0 }` to send each message at most once. Sends do not retry
   * after a network error unless `retryOptions.retrySendsOnNetworkError` is set.
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
   * await client.sendToAll('plain text', { contentType: 'text/plain', filter: odata`userId ne ${'bot'}` });
   * ```
   */
  async sendToAll(message: unknown, options: HubSendToAllOptions = {}): Promise<void> {
    await sendMessage(this.#pipeline, 'sendToAll', `${this.#hubPath}/:send`, message, options, { excluded: true, filter: true });
  }

  /**
   * Sends a message to every connection of a user. The retry note of
   * {@link WebPubSubServiceClient.sendToAll} applies: a retried send can arrive twice, and
   * `retryOptions: { maxRetries: 0 }` turns retries off.
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
    const path = `${this.#hubPath}/users/${encodePathSegment(userId, 'userId')}/:send`;
    await sendMessage(this.#pipeline, 'sendToUser', path, message, options, { excluded: false, filter: true });
  }

  /**
   * Sends a message to one connection. The retry note of
   * {@link WebPubSubServiceClient.sendToAll} applies: a retried send can arrive twice, and
   * `retryOptions: { maxRetries: 0 }` turns retries off.
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
    const path = `${this.#hubPath}/connections/${encodePathSegment(connectionId, 'connectionId')}/:send`;
    await sendMessage(this.#pipeline, 'sendToConnection', path, message, options, { excluded: false, filter: false });
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

  /**
   * Tells whether a connection is open (`HEAD .../connections/{connectionId}`).
   *
   * @returns `true` for 200, `false` for 404; other statuses throw `RestError`.
   *
   * @example
   * ```ts
   * if (!(await client.connectionExists(connectionId))) forget(connectionId);
   * ```
   */
  connectionExists(connectionId: string, options: OperationOptions = {}): Promise<boolean> {
    assertNonEmpty('connectionId', connectionId);
    return checkExists(this.#pipeline, 'connectionExists', `${this.#hubPath}/connections/${encodePathSegment(connectionId, 'connectionId')}`, options);
  }

  /**
   * Tells whether a group has at least one connection (`HEAD .../groups/{group}`).
   *
   * @returns `true` for 200, `false` for 404; other statuses throw `RestError`.
   *
   * @example
   * ```ts
   * const isActive = await client.groupExists('room-1');
   * ```
   */
  groupExists(groupName: string, options: OperationOptions = {}): Promise<boolean> {
    assertGroupName(groupName);
    return checkExists(this.#pipeline, 'groupExists', `${this.#hubPath}/groups/${encodePathSegment(groupName, 'group')}`, options);
  }

  /**
   * Tells whether a user has at least one connection (`HEAD .../users/{userId}`).
   *
   * @returns `true` for 200, `false` for 404; other statuses throw `RestError`.
   *
   * @example
   * ```ts
   * const isOnline = await client.userExists('alice');
   * ```
   */
  userExists(userId: string, options: OperationOptions = {}): Promise<boolean> {
    assertNonEmpty('userId', userId);
    return checkExists(this.#pipeline, 'userExists', `${this.#hubPath}/users/${encodePathSegment(userId, 'userId')}`, options);
  }

  /**
   * Closes one connection (`DELETE .../connections/{connectionId}`).
   *
   * @param options - `reason`, which the client receives.
   *
   * @example
   * ```ts
   * await client.closeConnection(connectionId, { reason: 'signed out' });
   * ```
   */
  async closeConnection(connectionId: string, options: HubCloseConnectionOptions = {}): Promise<void> {
    assertNonEmpty('connectionId', connectionId);
    const path = `${this.#hubPath}/connections/${encodePathSegment(connectionId, 'connectionId')}`;
    await callOperation(this.#pipeline, 'closeConnection', { method: 'DELETE', path, query: closeQuery(options, false) }, options);
  }

  /**
   * Closes every connection in the hub (`POST .../:closeConnections`).
   *
   * @param options - `reason`, and `excludedConnections`, which stay open.
   *
   * @example
   * ```ts
   * await client.closeAllConnections({ reason: 'deploying', excludedConnections: [adminConnectionId] });
   * ```
   */
  async closeAllConnections(options: HubCloseAllConnectionsOptions = {}): Promise<void> {
    const path = `${this.#hubPath}/:closeConnections`;
    await callOperation(this.#pipeline, 'closeAllConnections', { method: 'POST', path, query: closeQuery(options, true) }, options);
  }

  /**
   * Closes every connection of a user (`POST .../users/{userId}/:closeConnections`).
   *
   * @param options - `reason`, and `excludedConnections`, which stay open.
   *
   * @example
   * ```ts
   * await client.closeUserConnections('alice', { reason: 'account disabled' });
   * ```
   */
  async closeUserConnections(userId: string, options: HubCloseUserConnectionsOptions = {}): Promise<void> {
    assertNonEmpty('userId', userId);
    const path = `${this.#hubPath}/users/${encodePathSegment(userId, 'userId')}/:closeConnections`;
    await callOperation(this.#pipeline, 'closeUserConnections', { method: 'POST', path, query: closeQuery(options, true) }, options);
  }

  /**
   * Removes a user from every group (`DELETE .../users/{userId}/groups`).
   *
   * @example
   * ```ts
   * await client.removeUserFromAllGroups('alice');
   * ```
   */
  async removeUserFromAllGroups(userId: string, options: OperationOptions = {}): Promise<void> {
    assertNonEmpty('userId', userId);
    const path = `${this.#hubPath}/users/${encodePathSegment(userId, 'userId')}/groups`;
    await callOperation(this.#pipeline, 'removeUserFromAllGroups', { method: 'DELETE', path }, options);
  }

  /**
   * Removes a connection from every group (`DELETE .../connections/{connectionId}/groups`).
   * Needs api-version 2022-11-01.
   *
   * @example
   * ```ts
   * await client.removeConnectionFromAllGroups(connectionId);
   * ```
   */
  async removeConnectionFromAllGroups(connectionId: string, options: OperationOptions = {}): Promise<void> {
    assertNonEmpty('connectionId', connectionId);
    const path = `${this.#hubPath}/connections/${encodePathSegment(connectionId, 'connectionId')}/groups`;
    await callOperation(this.#pipeline, 'removeConnectionFromAllGroups', { method: 'DELETE', path }, options);
  }

  /**
   * Adds the connections that `filter` selects to every group in `groups`
   * (`POST .../:addToGroups`). Needs api-version 2023-07-01.
   *
   * @param groups - group names, at least one.
   * @param filter - OData filter over `userId`, `connectionId` and `groups`; see {@link odata}.
   *
   * @example
   * ```ts
   * await client.addConnectionsToGroups(['room-1', 'room-2'], odata`userId eq ${'alice'}`);
   * ```
   */
  async addConnectionsToGroups(groups: string[], filter: string, options: OperationOptions = {}): Promise<void> {
    const body = groupsAndFilterBody(groups, filter);
    await callOperation(this.#pipeline, 'addConnectionsToGroups', { method: 'POST', path: `${this.#hubPath}/:addToGroups`, body }, options);
  }

  /**
   * Removes the connections that `filter` selects from every group in `groups`
   * (`POST .../:removeFromGroups`). Needs api-version 2023-07-01.
   *
   * @param groups - group names, at least one.
   * @param filter - OData filter over `userId`, `connectionId` and `groups`; see {@link odata}.
   *
   * @example
   * ```ts
   * await client.removeConnectionsFromGroups(['room-1'], odata`${'room-1'} in groups and userId ne ${'host'}`);
   * ```
   */
  async removeConnectionsFromGroups(groups: string[], filter: string, options: OperationOptions = {}): Promise<void> {
    const body = groupsAndFilterBody(groups, filter);
    await callOperation(this.#pipeline, 'removeConnectionsFromGroups', { method: 'POST', path: `${this.#hubPath}/:removeFromGroups`, body }, options);
  }

  /**
   * Grants a connection a permission (`PUT .../permissions/{permission}/connections/{connectionId}`).
   *
   * @param permission - `joinLeaveGroup` or `sendToGroup`.
   * @param options - `targetName`: the group it applies to; without it, every group.
   *
   * @example
   * ```ts
   * await client.grantPermission(connectionId, 'sendToGroup', { targetName: 'room-1' });
   * ```
   */
  async grantPermission(connectionId: string, permission: Permission, options: HubGrantPermissionOptions = {}): Promise<void> {
    const { path, query } = permissionRequest(this.#hubPath, connectionId, permission, options);
    await callOperation(this.#pipeline, 'grantPermission', { method: 'PUT', path, query }, options);
  }

  /**
   * Revokes a permission of a connection (`DELETE .../permissions/{permission}/connections/{connectionId}`).
   *
   * @param permission - `joinLeaveGroup` or `sendToGroup`.
   * @param options - `targetName`: the group it applies to.
   *
   * @example
   * ```ts
   * await client.revokePermission(connectionId, 'sendToGroup', { targetName: 'room-1' });
   * ```
   */
  async revokePermission(connectionId: string, permission: Permission, options: HubRevokePermissionOptions = {}): Promise<void> {
    const { path, query } = permissionRequest(this.#hubPath, connectionId, permission, options);
    await callOperation(this.#pipeline, 'revokePermission', { method: 'DELETE', path, query }, options);
  }

  /**
   * Tells whether a connection has a permission (`HEAD .../permissions/{permission}/connections/{connectionId}`).
   *
   * @param permission - `joinLeaveGroup` or `sendToGroup`.
   * @param options - `targetName`: the group to check.
   * @returns `true` for 200, `false` for 404; other statuses throw `RestError`.
   *
   * @example
   * ```ts
   * const canSend = await client.hasPermission(connectionId, 'sendToGroup', { targetName: 'room-1' });
   * ```
   */
  hasPermission(connectionId: string, permission: Permission, options: HubHasPermissionOptions = {}): Promise<boolean> {
    const { path, query } = permissionRequest(this.#hubPath, connectionId, permission, options);
    return checkExists(this.#pipeline, 'hasPermission', path, options, query);
  }

  /**
   * Checks that the service is up (`HEAD /api/health`). The official JS client exposes this only
   * in its generated layer; the Python client calls it `get_service_status`.
   *
   * @returns `true` for 200 or 204.
   * @throws {RestError} for any other status, after retries; {@link RequestError} when the
   * service cannot be reached.
   *
   * @example
   * ```ts
   * const isHealthy = await client.getServiceStatus().catch(() => false);
   * ```
   */
  async getServiceStatus(options: OperationOptions = {}): Promise<boolean> {
    await callOperation(this.#pipeline, 'getServiceStatus', { method: 'HEAD', path: 'api/health' }, options);
    return true;
  }
}
