/**
 * Options of `WebPubSubEventHandler`, with their defaults in one place and their validation.
 */

import { ConfigError } from '../errors.js';
import { assertHubName } from '../internal/hub-name.js';
import type {
  ConnectedRequest,
  ConnectionContext,
  ConnectRequest,
  ConnectResult,
  DisconnectedRequest,
  UserEventRequest,
  UserEventResult,
} from './types.js';

/** Defaults of {@link WebPubSubEventHandlerOptions}. `{hub}` in `path` is the hub name. */
export const DEFAULTS: Readonly<{ path: string; verifySignature: boolean; maxBodyBytes: number }> =
  Object.freeze({
    path: '/api/webpubsub/hubs/{hub}/',
    verifySignature: true,
    // The service limits a client message to 1 MB, so 1 MiB fits every user event it delivers.
    maxBodyBytes: 1024 * 1024,
  });

/**
 * Access keys that sign `ce-signature`: a list, or a function that the handler calls on every
 * request, so that a rotated key takes effect without a restart.
 */
export type AccessKeysSource =
  | readonly string[]
  | (() => readonly string[] | Promise<readonly string[]>);

/**
 * Options of the `WebPubSubEventHandler` constructor. The names of `path`, the callbacks and
 * `allowedEndpoints` are those of `@azure/web-pubsub-express` 1.1.0.
 *
 * @example
 * ```ts
 * const options: WebPubSubEventHandlerOptions = {
 *   // Read on every request, so a rotated key needs no restart.
 *   accessKeys: async () => [await secrets.get('primary'), await secrets.get('secondary')],
 *   allowedEndpoints: ['https://demo.webpubsub.azure.com'],
 *   onConnected: ({ context }) => presence.add(context.userId),
 *   onError: (error, context) => console.error('event failed', context?.connectionId, error),
 * };
 * ```
 */
export interface WebPubSubEventHandlerOptions {
  /**
   * URL path of the event handler, as configured in the hub settings. `{hub}` in it is replaced
   * by the hub name. The path is matched case-insensitively, with or without a trailing slash,
   * and also matches longer paths below it, such as `/api/webpubsub/hubs/chat/connect` for an
   * upstream URL template ending in `{event}`.
   * @default '/api/webpubsub/hubs/{hub}/' with `{hub}` replaced by the hub name
   */
  path?: string;

  /**
   * Handles the blocking `connect` event. Return nothing to accept the connection as the token
   * describes it (204), a `ConnectResponse` to change its identity (200), or throw or
   * return an `EventHandlerError` to reject it with that status.
   *
   * Without it, every connection is accepted with an empty 204.
   */
  handleConnect?: (request: ConnectRequest) => ConnectResult | Promise<ConnectResult>;

  /**
   * Handles user events, the messages clients send to the server. Return nothing (204), a
   * `UserEventResponse` to reply to the sender (200), or throw or return an
   * `EventHandlerError`. Any error response makes the service close the client's connection.
   *
   * Without it, every user event gets an empty 204.
   */
  handleUserEvent?: (request: UserEventRequest) => UserEventResult | Promise<UserEventResult>;

  /** Called for the `connected` notification. The handler responds 204 once it resolves. */
  onConnected?: (request: ConnectedRequest) => void | Promise<void>;

  /** Called for the `disconnected` notification. The handler responds 204 once it resolves. */
  onDisconnected?: (request: DisconnectedRequest) => void | Promise<void>;

  /**
   * Called with each error that a callback throws (other than an `EventHandlerError`) and with
   * failures of the `accessKeys` function, so that you can log them. The handler responds to such
   * events with 500 and a generic text. Errors thrown by `onError` itself are ignored.
   */
  onError?: (error: unknown, context: ConnectionContext | undefined) => void | Promise<void>;

  /**
   * Service endpoints allowed to deliver events, such as
   * `https://<name>.webpubsub.azure.com`. Only the abuse-protection `OPTIONS` request checks
   * them: each host in `WebHook-Request-Origin` must equal the host of one of these URLs
   * exactly, compared case-insensitively. A bare host name is also accepted here.
   * @default undefined, which allows every origin (`WebHook-Allowed-Origin: *`)
   */
  allowedEndpoints?: string[];

  /**
   * Connection string of the Web PubSub resource. Its `AccessKey` verifies `ce-signature`.
   * Used together with `accessKeys` when both are given.
   */
  connectionString?: string;

  /**
   * Access keys that verify `ce-signature`. Configure both the primary and the secondary key,
   * or pass a function to rotate keys at runtime. A request passes when any signature in its
   * header matches any key.
   */
  accessKeys?: AccessKeysSource;

  /**
   * Verifies `ce-signature` on every event before any callback runs. Set it to `false` only when
   * the upstream is authenticated another way, such as Microsoft Entra ID tokens, because without
   * it anyone who has the URL can forge events and user ids.
   * @default true
   */
  verifySignature?: boolean;

  /**
   * Maximum request body size, in bytes. Larger requests get 413.
   * @default 1048576 (1 MiB)
   */
  maxBodyBytes?: number;
}

/**
 * Return `hub` when it is a valid hub name.
 *
 * @throws {ConfigError} with `field` `hub` otherwise.
 */
export function validateHubName(hub: string): string {
  assertHubName(hub);
  return hub;
}

/**
 * Return `maxBodyBytes` when it is a positive whole number.
 *
 * @throws {ConfigError} with `field` `maxBodyBytes` otherwise.
 */
export function validateMaxBodyBytes(value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(
      'maxBodyBytes',
      `Invalid maxBodyBytes ${String(value)}: use a positive whole number of bytes.`,
    );
  }

  return value;
}
