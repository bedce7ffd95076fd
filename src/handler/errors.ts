/**
 * The error an event handler callback throws or returns to reject an event with an HTTP status.
 */

import { ConfigError, WebPubSubError } from '../errors.js';
import type { MqttConnectErrorResponseProperties } from './types.js';

// A registered symbol marks these errors across realms and duplicated bundles, where `instanceof`
// fails. A status alone is not enough: a `RestError` from a REST call made inside a callback
// also has one, and its status must not be forwarded to the service.
const EVENT_HANDLER_ERROR_BRAND = Symbol.for('webpubsub-edge.event-handler-error');

/** Options of an {@link EventHandlerError}. */
export interface EventHandlerErrorOptions extends ErrorOptions {
  /**
   * The CONNACK code and reason to send to an MQTT client when this error rejects its `connect`
   * event. Without it, the status is mapped to a code: 400 to bad user name or password, 401 and
   * 403 to not authorized, anything else to server unavailable (MQTT 3.1.1) or unspecified error
   * (MQTT 5).
   */
  mqtt?: MqttConnectErrorResponseProperties;
}

/**
 * Rejection of an event with an HTTP status and a text reason.
 *
 * Throw it (or return it) from `handleConnect` or `handleUserEvent`. The handler responds to the
 * service with `status` and `detail` as a `text/plain` body. A rejected `connect` fails the
 * client's WebSocket handshake with that status. A rejected user event makes the service close
 * the client's connection.
 *
 * Its `code` is `EVENT_REJECTED`; `status` is the HTTP status the service receives.
 *
 * @example
 * ```ts
 * const handler = new WebPubSubEventHandler('chat', {
 *   accessKeys: [env.WEB_PUBSUB_KEY],
 *   handleConnect(request) {
 *     if (!request.claims?.sub) throw new EventHandlerError(401, 'Sign in first.');
 *     return { userId: request.claims.sub[0] };
 *   },
 * });
 * ```
 */
export class EventHandlerError extends WebPubSubError {
  /** HTTP status sent to the service, from 400 to 599. */
  readonly status: number;
  /** Reason sent as the response body. The service may pass it on to the client. */
  readonly detail: string | undefined;
  /** CONNACK properties for MQTT clients, described in {@link EventHandlerErrorOptions.mqtt}. */
  readonly mqtt: MqttConnectErrorResponseProperties | undefined;

  /**
   * @param status - HTTP status from 400 to 599, usually 400, 401 or 500.
   * @param detail - reason for the service and the client. Never put secrets in it.
   * @param options - `cause`, and `mqtt` for MQTT clients.
   * @throws {ConfigError} with `field` `status` when `status` is not an integer from 400 to 599.
   */
  constructor(status: number, detail?: string, options?: EventHandlerErrorOptions) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new ConfigError(
        'status',
        `Invalid EventHandlerError status ${String(status)}: use an HTTP error status from 400 to 599.`,
        'INVALID_ARGUMENT',
      );
    }

    super('EVENT_REJECTED', detail ?? `Event rejected with status ${status}`, options);
    this.status = status;
    this.detail = detail;
    this.mqtt = options?.mqtt;
    Object.defineProperty(this, EVENT_HANDLER_ERROR_BRAND, { value: true });
  }
}

/**
 * Checks whether `value` is an {@link EventHandlerError}, also across realms.
 *
 * @param value - anything thrown or returned by a callback.
 * @returns `true` when `value` is an {@link EventHandlerError}.
 *
 * @example
 * ```ts
 * if (isEventHandlerError(error)) console.log(error.status);
 * ```
 */
export function isEventHandlerError(value: unknown): value is EventHandlerError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[EVENT_HANDLER_ERROR_BRAND] === true
  );
}
