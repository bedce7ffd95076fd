/**
 * Operations on one group of a hub, returned by `WebPubSubServiceClient.group(name)`.
 */

import { encodePathSegment, type HttpPipeline } from '../internal/http.js';
import { listGroupConnections } from './list-connections.js';
import { closeQuery } from './management-requests.js';
import type {
  GroupCloseAllConnectionsOptions,
  GroupListConnectionsOptions,
  PagedAsyncIterableIterator,
  WebPubSubGroupMember,
} from './operation-options.js';
import type { GroupSendToAllOptions, OperationOptions } from './options.js';
import { callOperation } from './rest-operation.js';
import { sendMessage } from './send.js';
import { assertGroupName, assertNonEmpty } from './validation.js';

/**
 * A group of a hub. A failed operation throws `RestError` when the service returns an error
 * status, and `RequestError` when no response arrives (network error, timeout or abort). An
 * invalid argument, or an operation that the pinned api-version lacks, throws `ConfigError`
 * before anything is sent.
 *
 * @example
 * ```ts
 * const room = client.group('room-1');
 * await room.addConnection(connectionId);
 * await room.sendToAll({ from: 'server', text: 'hello room' });
 * ```
 */
export interface WebPubSubGroup {
  /** The hub's name. */
  readonly hubName: string;
  /** The group's name. */
  readonly groupName: string;
  /** The data-plane API version sent with every call. */
  readonly apiVersion: string;
  /** The service endpoint, ending with `/`. */
  readonly endpoint: string;

  /**
   * Sends a message to every connection in the group.
   *
   * Note: a send that fails with status 408, 429, 500, 502, 503 or 504 is retried, and the
   * service may already have delivered it, so a retried send can arrive twice. Pass
   * `retryOptions: { maxRetries: 0 }` to the client to send each message at most once.
   *
   * @param message - a string or object (sent as JSON), a string with
   * `contentType: 'text/plain'` (sent as text), or bytes (`ArrayBuffer`, typed array, `Blob`).
   * @param options - `excludedConnections`, `filter`, `messageTtlSeconds`, `contentType`,
   * `abortSignal`.
   * @throws {RestError} when the service rejects the call.
   * @throws {ConfigError} when an option or the message is invalid.
   *
   * @example
   * ```ts
   * await client.group('room-1').sendToAll('hi', { contentType: 'text/plain' });
   * ```
   */
  sendToAll(message: unknown, options?: GroupSendToAllOptions): Promise<void>;

  /**
   * Adds a connection to the group (`PUT .../groups/{group}/connections/{connectionId}`).
   *
   * @param connectionId - the connection id.
   * @throws {RestError} with status 404 when the connection does not exist; it is not retried.
   *
   * @example
   * ```ts
   * await client.group('room-1').addConnection(connectionId);
   * ```
   */
  addConnection(connectionId: string, options?: OperationOptions): Promise<void>;

  /**
   * Removes a connection from the group. Removing a connection that is not in it succeeds.
   *
   * @param connectionId - the connection id.
   * @throws {RestError} when the service rejects the call.
   *
   * @example
   * ```ts
   * await client.group('room-1').removeConnection(connectionId);
   * ```
   */
  removeConnection(connectionId: string, options?: OperationOptions): Promise<void>;

  /**
   * Adds every connection of a user to the group (`PUT .../users/{userId}/groups/{group}`).
   *
   * Note: the service returns 404 when the user has no connection yet, which happens when this
   * is called too early, such as from a `connect` handler. Put the group in the token
   * (`getClientAccessToken({ groups })`) or in the connect response instead.
   *
   * @param userId - the user id.
   * @throws {RestError} with status 404 when the user has no connection; it is not retried.
   *
   * @example
   * ```ts
   * await client.group('room-1').addUser('alice');
   * ```
   */
  addUser(userId: string, options?: OperationOptions): Promise<void>;

  /**
   * Removes every connection of a user from the group.
   *
   * @param userId - the user id.
   * @throws {RestError} when the service rejects the call.
   *
   * @example
   * ```ts
   * await client.group('room-1').removeUser('alice');
   * ```
   */
  removeUser(userId: string, options?: OperationOptions): Promise<void>;

  /**
   * Closes every connection in the group (`POST .../groups/{group}/:closeConnections`).
   *
   * @param options - `reason`, which clients receive, and `excludedConnections`, which stay open.
   * @throws {RestError} when the service rejects the call.
   *
   * @example
   * ```ts
   * await client.group('room-1').closeAllConnections({ reason: 'room closed' });
   * ```
   */
  closeAllConnections(options?: GroupCloseAllConnectionsOptions): Promise<void>;

  /**
   * Lists the connections in the group, page by page as needed. Nothing is sent until the first
   * item is read. Needs api-version 2024-12-01.
   *
   * Note: `@azure/web-pubsub` returns a promise of the iterator; this returns the iterator, which
   * `await` passes through, so `for await (const m of await group.listConnections())` works with both.
   *
   * @param options - `maxPageSize` (1 to 200), `top` (most items in total), `continuationToken`.
   * @returns an async iterator of `{ connectionId, userId }` with `byPage()`.
   * @throws {ConfigError} at once when an option is invalid or the pinned api-version is older.
   *
   * @example
   * ```ts
   * for await (const { connectionId, userId } of client.group('room-1').listConnections()) {
   *   console.log(connectionId, userId);
   * }
   * for await (const page of client.group('room-1').listConnections().byPage({ maxPageSize: 50 })) {
   *   saveCursor(page.continuationToken);
   * }
   * ```
   */
  listConnections(options?: GroupListConnectionsOptions): PagedAsyncIterableIterator<WebPubSubGroupMember>;
}

/** The implementation behind {@link WebPubSubGroup}. */
export class GroupClient implements WebPubSubGroup {
  readonly hubName: string;
  readonly groupName: string;
  readonly apiVersion: string;
  readonly endpoint: string;
  readonly #pipeline: HttpPipeline;
  readonly #hubPath: string;
  readonly #path: string;

  constructor(pipeline: HttpPipeline, hubName: string, groupName: string) {
    assertGroupName(groupName);
    this.hubName = hubName;
    this.groupName = groupName;
    this.apiVersion = pipeline.apiVersion;
    this.endpoint = pipeline.endpoint;
    this.#pipeline = pipeline;
    this.#hubPath = `api/hubs/${encodePathSegment(hubName, 'hub')}`;
    this.#path = `${this.#hubPath}/groups/${encodePathSegment(groupName, 'group')}`;
  }

  async sendToAll(message: unknown, options: GroupSendToAllOptions = {}): Promise<void> {
    await sendMessage(this.#pipeline, 'group.sendToAll', `${this.#path}/:send`, message, options, { excluded: true, filter: true });
  }

  async addConnection(connectionId: string, options: OperationOptions = {}): Promise<void> {
    assertNonEmpty('connectionId', connectionId);
    const path = `${this.#path}/connections/${encodePathSegment(connectionId, 'connectionId')}`;
    await callOperation(this.#pipeline, 'group.addConnection', { method: 'PUT', path }, options);
  }

  async removeConnection(connectionId: string, options: OperationOptions = {}): Promise<void> {
    assertNonEmpty('connectionId', connectionId);
    const path = `${this.#path}/connections/${encodePathSegment(connectionId, 'connectionId')}`;
    await callOperation(this.#pipeline, 'group.removeConnection', { method: 'DELETE', path }, options);
  }

  async addUser(userId: string, options: OperationOptions = {}): Promise<void> {
    await callOperation(this.#pipeline, 'group.addUser', { method: 'PUT', path: this.#userPath(userId) }, options);
  }

  async removeUser(userId: string, options: OperationOptions = {}): Promise<void> {
    await callOperation(this.#pipeline, 'group.removeUser', { method: 'DELETE', path: this.#userPath(userId) }, options);
  }

  async closeAllConnections(options: GroupCloseAllConnectionsOptions = {}): Promise<void> {
    const query = closeQuery(options, true);
    await callOperation(this.#pipeline, 'group.closeAllConnections', { method: 'POST', path: `${this.#path}/:closeConnections`, query }, options);
  }

  listConnections(options: GroupListConnectionsOptions = {}): PagedAsyncIterableIterator<WebPubSubGroupMember> {
    return listGroupConnections(this.#pipeline, `${this.#path}/connections`, options);
  }

  #userPath(userId: string): string {
    assertNonEmpty('userId', userId);
    return `${this.#hubPath}/users/${encodePathSegment(userId, 'userId')}/groups/${encodePathSegment(this.groupName, 'group')}`;
  }
}
