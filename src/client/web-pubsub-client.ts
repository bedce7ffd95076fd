/**
 * `WebPubSubClient`: the WebSocket client of Azure Web PubSub, with the API of
 * `@azure/web-pubsub-client` 1.1.0 on web-standard APIs only. Connection handling lives in
 * `lifecycle.ts`, and acks and retries in `operations.ts`. This class contains the public API and
 * the groups to rejoin.
 */

import { SendMessageError, type ConnectionError } from './errors.js';
import { ClientEventEmitter, type WebPubSubClientEventName, type WebPubSubClientListener } from './events.js';
import { Lifecycle } from './lifecycle.js';
import type { WebPubSubDataType, WebPubSubMessage } from './messages.js';
import {
  resolveClientOptions,
  type JoinGroupOptions,
  type LeaveGroupOptions,
  type ResolvedClientOptions,
  type SendEventOptions,
  type SendToGroupOptions,
  type StartOptions,
  type WebPubSubClientCredential,
  type WebPubSubClientOptions,
  type WebPubSubResult,
} from './options.js';
import { Operations } from './operations.js';
import { prepareContent, toCredential, validateAckId, validateName, type Content } from './validation.js';

/**
 * A client connection to an Azure Web PubSub hub: join and leave groups, publish to groups,
 * send events to the application server, and receive messages as events.
 *
 * With the default reliable subprotocol, a dropped connection is recovered within 30 seconds,
 * and the messages the service buffered meanwhile arrive once and in order. After that, or when
 * the service rejects the recovery, the client opens a new connection with a fresh URL from the
 * credential and joins its groups again.
 *
 * @example
 * ```ts
 * const client = new WebPubSubClient({
 *   getClientAccessUrl: async () => (await fetch('/negotiate')).text(),
 * });
 * client.on('group-message', ({ message }) => console.log(message.group, message.data));
 * await client.start();
 * await client.joinGroup('room');
 * await client.sendToGroup('room', { text: 'hello' }, 'json');
 * ```
 */
export class WebPubSubClient {
  readonly #options: ResolvedClientOptions;
  readonly #emitter = new ClientEventEmitter();
  readonly #groups = new Set<string>();
  readonly #lifecycle: Lifecycle;
  readonly #operations: Operations;

  /**
   * @param urlOrCredential - a client access URL (`wss://…/client/hubs/<hub>?access_token=…`), or
   *   a credential whose `getClientAccessUrl` returns a fresh URL for every new connection.
   * @param options - protocol, reconnect, retry, keepalive and socket options.
   * @throws {ConfigError} for an invalid URL or option, or when the runtime has no global
   *   `WebSocket` and no `webSocketFactory` is given.
   */
  constructor(urlOrCredential: string | WebPubSubClientCredential, options?: WebPubSubClientOptions) {
    const credential = toCredential(urlOrCredential);
    this.#options = resolveClientOptions(options);
    this.#lifecycle = new Lifecycle(credential, this.#options, this.#emitter, {
      onMessage: (message) => this.#dispatch(message),
      onConnectionLost: () => this.#operations.rejectPending(),
      onNewConnection: (isCurrent) => this.#rejoinGroups(isCurrent),
      onConnectionStateChange: () => this.#operations.wakeRetries(),
    });
    this.#operations = new Operations({
      protocol: this.#options.protocol,
      retryOptions: this.#options.messageRetryOptions,
      connection: () => this.#lifecycle.connection,
      state: () => this.#lifecycle.state,
      isStopping: () => this.#lifecycle.isStopping,
    });
  }

  /**
   * Connects to the service. Resolves once the service confirmed the connection and the
   * `connected` event was emitted.
   *
   * Note: `@azure/web-pubsub-client` resolves as soon as the socket opens. This client waits for
   * the service's `connected` message, so the connection id is known and operations can follow.
   * A failed first connection is not retried, because `reconnectRetryOptions` apply only after a
   * connection was lost.
   *
   * @param options - `abortSignal` cancels the attempt.
   * @throws {ClientStateError} when the client is not stopped.
   * @throws {ConnectionError} when the socket fails or closes before the service confirms it, or
   *   the attempt is aborted (`ABORTED`).
   *
   * @example
   * ```ts
   * await client.start({ abortSignal: AbortSignal.timeout(10_000) });
   * ```
   */
  start(options: StartOptions = {}): Promise<void> {
    return this.#lifecycle.start(options.abortSignal);
  }

  /**
   * Closes the connection with code 1000 and ends any recovery or reconnect. `disconnected` (if
   * not already emitted for the current loss) and then `stopped` follow once. Pending operations
   * reject with `CONNECTION_CLOSED`. Does nothing on a stopped client.
   *
   * @example
   * ```ts
   * client.on('stopped', () => console.log('offline'));
   * client.stop();
   * ```
   */
  stop(): void {
    this.#lifecycle.stop();
  }

  /**
   * Adds an event listener. Adding the same listener twice keeps one registration.
   *
   * @param event - `connected`, `disconnected`, `stopped`, `server-message`, `group-message`,
   *   `rejoin-group-failed` or `error`.
   * @param listener - called with the event's arguments.
   *
   * @example
   * ```ts
   * client.on('disconnected', ({ code, reason, message }) => console.warn(code, reason, message?.message));
   * ```
   */
  on<E extends WebPubSubClientEventName>(event: E, listener: WebPubSubClientListener<E>): void {
    this.#emitter.on(event, listener);
  }

  /**
   * Removes an event listener added with {@link WebPubSubClient.on}.
   *
   * @param event - the event name.
   * @param listener - the listener to remove.
   *
   * @example
   * ```ts
   * const onMessage = ({ message }) => console.log(message.data);
   * client.on('server-message', onMessage);
   * client.off('server-message', onMessage);
   * ```
   */
  off<E extends WebPubSubClientEventName>(event: E, listener: WebPubSubClientListener<E>): void {
    this.#emitter.off(event, listener);
  }

  /**
   * Joins a group. The token needs the role `webpubsub.joinLeaveGroup` or
   * `webpubsub.joinLeaveGroup.<group>`. With `autoRejoinGroups`, the group is joined again on
   * every new connection.
   *
   * @param groupName - the group.
   * @param options - `ackId` and `abortSignal`.
   * @returns the ack.
   * @throws {SendMessageError} `ACK_FAILED` when the service rejects it (such as `Forbidden`),
   *   `CONNECTION_CLOSED` when no connection confirmed it after the retries, `ABORTED`.
   *
   * @example
   * ```ts
   * await client.joinGroup('room');
   * ```
   */
  async joinGroup(groupName: string, options: JoinGroupOptions = {}): Promise<WebPubSubResult> {
    validateName('groupName', groupName);
    validateAckId(options.ackId);

    const result = await this.#operations.sendWithAck((ackId) => ({ kind: 'joinGroup', group: groupName, ackId }), options);
    this.#groups.add(groupName);
    return result;
  }

  /**
   * Leaves a group, which is then no longer rejoined.
   *
   * @param groupName - the group.
   * @param options - `ackId` and `abortSignal`.
   * @returns the ack.
   * @throws {SendMessageError} as {@link WebPubSubClient.joinGroup} does.
   *
   * @example
   * ```ts
   * await client.leaveGroup('room');
   * ```
   */
  async leaveGroup(groupName: string, options: LeaveGroupOptions = {}): Promise<WebPubSubResult> {
    validateName('groupName', groupName);
    validateAckId(options.ackId);

    const result = await this.#operations.sendWithAck((ackId) => ({ kind: 'leaveGroup', group: groupName, ackId }), options);
    this.#groups.delete(groupName);
    return result;
  }

  /**
   * Publishes content to a group. The token needs the role `webpubsub.sendToGroup` or
   * `webpubsub.sendToGroup.<group>`.
   *
   * Retries: when the connection is not open or drops before the ack, the frame is sent again
   * with the same ackId per `messageRetryOptions`. The service reports a repeat on the same
   * connection as `Duplicate` (the result's `isDuplicated`), so a recovered connection never
   * publishes twice. After a new connection the service cannot tell, and a frame it had received
   * just before the drop can be published twice.
   *
   * @param groupName - the group.
   * @param content - a JSON value, a string for `text`, bytes for `binary` and `protobuf`.
   * @param dataType - `json`, `text`, `binary` or `protobuf`.
   * @param options - `noEcho`, `fireAndForget`, `ackId` and `abortSignal`.
   * @returns the ack; `{ isDuplicated: false }` without an ackId for fire-and-forget.
   * @throws {SendMessageError} `ACK_FAILED`, `CONNECTION_CLOSED` (carrying the ackId to retry
   *   with) or `ABORTED`.
   *
   * @example
   * ```ts
   * await client.sendToGroup('room', new Uint8Array([1, 2, 3]), 'binary', { noEcho: true });
   * ```
   */
  async sendToGroup(
    groupName: string,
    content: Content,
    dataType: WebPubSubDataType,
    options: SendToGroupOptions = {},
  ): Promise<WebPubSubResult> {
    validateName('groupName', groupName);
    const data = prepareContent(content, dataType);
    validateAckId(options.ackId);

    const noEcho = options.noEcho ?? false;
    if (options.fireAndForget) {
      return this.#operations.sendWithoutAck({ kind: 'sendToGroup', group: groupName, dataType, data, noEcho }, options);
    }

    return this.#operations.sendWithAck((ackId) => ({ kind: 'sendToGroup', group: groupName, ackId, dataType, data, noEcho }), options);
  }

  /**
   * Sends an event to the application server's event handler, which receives it as the user
   * event `eventName`. Retries as {@link WebPubSubClient.sendToGroup} does.
   *
   * @param eventName - the event name.
   * @param content - a JSON value, a string for `text`, bytes for `binary` and `protobuf`.
   * @param dataType - `json`, `text`, `binary` or `protobuf`.
   * @param options - `fireAndForget`, `ackId` and `abortSignal`.
   * @returns the ack; `{ isDuplicated: false }` without an ackId for fire-and-forget.
   * @throws {SendMessageError} `ACK_FAILED`, `CONNECTION_CLOSED` or `ABORTED`.
   *
   * @example
   * ```ts
   * await client.sendEvent('chat', { text: 'hi' }, 'json');
   * ```
   */
  async sendEvent(
    eventName: string,
    content: Content,
    dataType: WebPubSubDataType,
    options: SendEventOptions = {},
  ): Promise<WebPubSubResult> {
    validateName('eventName', eventName);
    const data = prepareContent(content, dataType);
    validateAckId(options.ackId);

    if (options.fireAndForget) {
      return this.#operations.sendWithoutAck({ kind: 'sendEvent', event: eventName, dataType, data }, options);
    }

    return this.#operations.sendWithAck((ackId) => ({ kind: 'sendEvent', event: eventName, ackId, dataType, data }), options);
  }

  #dispatch(message: WebPubSubMessage): void {
    switch (message.kind) {
      case 'ack':
        this.#operations.settle(message);
        return;
      case 'groupData':
        this.#emitter.emit('group-message', { message });
        return;
      case 'serverData':
        this.#emitter.emit('server-message', { message });
        return;
    }
  }

  /** Joins the remembered groups on a new connection; failures go to `rejoin-group-failed`. */
  async #rejoinGroups(isCurrent: () => boolean): Promise<void> {
    if (!this.#options.autoRejoinGroups || this.#groups.size === 0) {
      return;
    }

    const rejoins = [...this.#groups].map(async (group) => {
      try {
        await this.#operations.sendWithAck((ackId) => ({ kind: 'joinGroup', group, ackId }), {}, isCurrent);
      } catch (error) {
        // A newer connection rejoins again, so a failure of a replaced one is not reported.
        if (!isCurrent()) return;
        if (error instanceof SendMessageError && error.code === 'ACK_FAILED') this.#groups.delete(group);
        this.#emitter.emit('rejoin-group-failed', { group, error: error as Error });
      }
    });
    await Promise.all(rejoins);
  }
}
