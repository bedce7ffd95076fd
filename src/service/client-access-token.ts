/**
 * Client access tokens and URLs: what a WebSocket client needs to connect to a hub.
 * Claims follow the Azure Web PubSub client protocol: `sub` (user id), `role` (array),
 * `webpubsub.group` (array, joined at connect), `iat`, `exp`, and `aud` set to the http(s) URL of
 * the client endpoint.
 */

import { ConfigError } from '../errors.js';
import { nowInSeconds } from '../internal/jwt.js';

/** The endpoint family a client connects to. */
export type WebPubSubClientProtocol = 'default' | 'mqtt' | 'socketio';

/** Options of `getClientAccessToken`. */
export interface GenerateClientTokenOptions {
  /** User id of the client, the `sub` claim. */
  userId?: string;
  /** Roles, such as `webpubsub.joinLeaveGroup` or `webpubsub.sendToGroup.<group>`. */
  roles?: string[];
  /** Groups the client joins as soon as it connects. */
  groups?: string[];
  /**
   * Minutes until the token expires. The service checks it only when the client connects.
   * @default 60
   */
  expirationTimeInMinutes?: number;
  /**
   * Endpoint family: `default` (`client/hubs/{hub}`), `mqtt` or `socketio`
   * (`clients/mqtt/hubs/{hub}`, `clients/socketio/hubs/{hub}`).
   * @default 'default'
   */
  clientProtocol?: WebPubSubClientProtocol;
  /** Cancels a token request that goes to the service (Entra ID credentials only). */
  abortSignal?: AbortSignal;
}

/** A client access token and the URLs built from it. */
export interface ClientTokenResponse {
  /** The JWT. */
  token: string;
  /** WebSocket URL of the client endpoint, without the token. */
  baseUrl: string;
  /** `baseUrl` with `?access_token=<token>`: what a client connects to. */
  url: string;
}

const DEFAULT_EXPIRATION_IN_MINUTES = 60;

const CLIENT_PATHS: Record<WebPubSubClientProtocol, string> = {
  default: 'client/hubs/',
  mqtt: 'clients/mqtt/hubs/',
  socketio: 'clients/socketio/hubs/',
};

/** Build the http(s) URL of the client endpoint, which is the token's `aud`. */
export function clientAudience(endpoint: string, hub: string, protocol: WebPubSubClientProtocol = 'default'): string {
  return `${endpoint}${clientPath(protocol)}${hub}`;
}

/** Build `{ token, baseUrl, url }` for a token issued for `clientAudience(...)`. */
export function buildClientTokenResponse(
  endpoint: string,
  hub: string,
  protocol: WebPubSubClientProtocol,
  token: string,
): ClientTokenResponse {
  const baseUrl = clientAudience(endpoint, hub, protocol).replace(/^http/i, 'ws');
  return { token, baseUrl, url: `${baseUrl}?access_token=${token}` };
}

/** Build the claims of a key-signed client token, in the order the official SDK writes them. */
export function buildClientClaims(
  audience: string,
  options: GenerateClientTokenOptions,
): Record<string, unknown> {
  const issuedAt = nowInSeconds();
  const claims: Record<string, unknown> = {};
  if (options.roles !== undefined) claims.role = [...options.roles];
  if (options.groups !== undefined) claims['webpubsub.group'] = [...options.groups];
  claims.iat = issuedAt;
  claims.exp = issuedAt + Math.floor(expirationInMinutes(options) * 60);
  claims.aud = audience;
  if (options.userId) claims.sub = options.userId;
  return claims;
}

/** Validate the options of `getClientAccessToken` before any work is done. */
export function checkClientTokenOptions(options: GenerateClientTokenOptions): void {
  if (options.userId !== undefined && typeof options.userId !== 'string') {
    throw new ConfigError('userId', `The userId must be a string, not ${typeof options.userId}.`, 'INVALID_ARGUMENT');
  }
  for (const field of ['roles', 'groups'] as const) {
    const value = options[field];
    if (value !== undefined && (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === ''))) {
      throw new ConfigError(field, `The ${field} option must be an array of non-empty strings, such as ["webpubsub.joinLeaveGroup"].`, 'INVALID_ARGUMENT');
    }
  }
  expirationInMinutes(options);
  clientPath(options.clientProtocol ?? 'default');
}

function expirationInMinutes(options: GenerateClientTokenOptions): number {
  const minutes = options.expirationTimeInMinutes ?? DEFAULT_EXPIRATION_IN_MINUTES;
  // Below one second, `exp` would equal `iat` and the token would be expired when issued.
  if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes * 60 < 1) {
    throw new ConfigError(
      'expirationTimeInMinutes',
      `The expirationTimeInMinutes ${JSON.stringify(minutes)} is invalid. Pass a number of minutes of at least 1/60 (one second); the default is ${DEFAULT_EXPIRATION_IN_MINUTES}.`,
      'INVALID_ARGUMENT',
    );
  }
  return minutes;
}

function clientPath(protocol: WebPubSubClientProtocol): string {
  const path = Object.hasOwn(CLIENT_PATHS, protocol) ? CLIENT_PATHS[protocol] : undefined;
  if (path === undefined) {
    throw new ConfigError('clientProtocol', `The clientProtocol ${JSON.stringify(protocol)} is invalid. Use "default", "mqtt" or "socketio".`, 'INVALID_ARGUMENT');
  }
  return path;
}
