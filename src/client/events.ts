/**
 * Client events: their names and arguments, and a typed emitter on top of `EventTarget`.
 * Names and arguments match `@azure/web-pubsub-client` 1.1.0; the close `code` and `reason` on
 * `disconnected` and `stopped`, and the `error` event, are additions.
 */

import type { DisconnectedMessage, GroupDataMessage, ServerDataMessage } from './messages.js';

/** Arguments of the `connected` event. */
export interface OnConnectedArgs {
  /** Id of the new connection. */
  connectionId: string;
  /** User id of the connection; empty when the token has none. */
  userId: string;
}

/** Arguments of the `disconnected` event. */
export interface OnDisconnectedArgs {
  /** Id of the lost connection, when the service had confirmed it. */
  connectionId?: string;
  /** The service's `disconnected` message, when it sent one before closing. */
  message?: DisconnectedMessage;
  /** WebSocket close code; 1006 when the connection ended without a close frame. */
  code?: number;
  /** WebSocket close reason. */
  reason?: string;
}

/** Arguments of the `stopped` event: how the last connection closed. */
export interface OnStoppedArgs {
  /** WebSocket close code of the last connection. */
  code?: number;
  /** WebSocket close reason of the last connection. */
  reason?: string;
}

/** Arguments of the `server-message` event. */
export interface OnServerDataMessageArgs {
  /** The message from the application server. */
  message: ServerDataMessage;
}

/** Arguments of the `group-message` event. */
export interface OnGroupDataMessageArgs {
  /** The message published to a group. */
  message: GroupDataMessage;
}

/** Arguments of the `rejoin-group-failed` event. */
export interface OnRejoinGroupFailedArgs {
  /** Group that could not be joined again on a new connection. */
  group: string;
  /** The failure. */
  error: Error;
}

/** Arguments of the `error` event. */
export interface OnErrorArgs {
  /**
   * A failure with no call to reject: a frame the protocol could not parse, or a failed
   * reconnect attempt (a `ConnectionError` with `status` for a rejected upgrade, or the error of
   * `getClientAccessUrl`). Reconnect failures come once per attempt, so their number is bounded
   * by `reconnectRetryOptions`.
   */
  error: Error;
}

/** Every client event with its arguments. */
export interface WebPubSubClientEventMap {
  connected: OnConnectedArgs;
  disconnected: OnDisconnectedArgs;
  stopped: OnStoppedArgs;
  'server-message': OnServerDataMessageArgs;
  'group-message': OnGroupDataMessageArgs;
  'rejoin-group-failed': OnRejoinGroupFailedArgs;
  error: OnErrorArgs;
}

/** Name of a client event. */
export type WebPubSubClientEventName = keyof WebPubSubClientEventMap;

/** A listener of event `E`. */
export type WebPubSubClientListener<E extends WebPubSubClientEventName> = (args: WebPubSubClientEventMap[E]) => void;

/** An `Event` that carries the arguments of a client event. */
class ClientEvent<T> extends Event {
  readonly args: T;

  constructor(type: string, args: T) {
    super(type);
    this.args = args;
  }
}

/**
 * Typed `on`/`off`/`emit` over an `EventTarget`. Adding the same listener twice keeps one
 * registration, as `EventTarget` does, and `off` drops the bookkeeping of removed listeners.
 * A listener that throws is reported the way the runtime reports an error in any `EventTarget`
 * listener, and the other listeners of the event still run. Browsers log it. Node (checked on
 * 20) rethrows it as an uncaught exception in the next tick, which ends the process unless the
 * application handles `uncaughtException`, so listeners should catch their own errors.
 */
export class ClientEventEmitter {
  readonly #target = new EventTarget();
  readonly #wrappers = new Map<string, Map<Function, EventListener>>();

  on<E extends WebPubSubClientEventName>(event: E, listener: WebPubSubClientListener<E>): void {
    let wrappers = this.#wrappers.get(event);
    if (!wrappers) {
      wrappers = new Map();
      this.#wrappers.set(event, wrappers);
    }

    if (wrappers.has(listener)) {
      return;
    }

    const wrapper: EventListener = (event) => {
      listener((event as ClientEvent<WebPubSubClientEventMap[E]>).args);
    };
    wrappers.set(listener, wrapper);
    this.#target.addEventListener(event, wrapper);
  }

  off<E extends WebPubSubClientEventName>(event: E, listener: WebPubSubClientListener<E>): void {
    const wrappers = this.#wrappers.get(event);
    const wrapper = wrappers?.get(listener);
    if (!wrappers || !wrapper) {
      return;
    }

    this.#target.removeEventListener(event, wrapper);
    wrappers.delete(listener);
    if (wrappers.size === 0) {
      this.#wrappers.delete(event);
    }
  }

  emit<E extends WebPubSubClientEventName>(event: E, args: WebPubSubClientEventMap[E]): void {
    this.#target.dispatchEvent(new ClientEvent(event, args));
  }

  /** Number of listeners of `event`. */
  listenerCount(event: WebPubSubClientEventName): number {
    return this.#wrappers.get(event)?.size ?? 0;
  }
}
