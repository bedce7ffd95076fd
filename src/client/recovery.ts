/**
 * Recovery of a dropped reliable connection, per the Azure doc "Create reliable WebSocket
 * clients with subprotocol": reconnect to the last URL with `awps_connection_id` and
 * `awps_reconnection_token` until it works, the service refuses with close code 1008, or the
 * 30-second window ends. The service keeps a dropped connection for at least that long.
 */

import type { CloseDetails, Connection } from './connection.js';
import { ConnectionError } from './errors.js';
import type { ResolvedClientOptions } from './options.js';
import { signalWithTimeout, sleep } from './retry.js';

/** How long recovery of a dropped reliable connection is tried. */
export const RECOVERY_WINDOW_IN_MS = 30_000;
/** Pause between recovery attempts. */
export const RECOVERY_RETRY_DELAY_IN_MS = 1000;
/** Close code with which the service refuses to recover a connection. */
export const UNRECOVERABLE_CLOSE_CODE = 1008;

/** Facts about the lost connection that a recovery needs. */
export interface RecoveryRequest {
  /** URL of the lost connection, with the recovery parameters added. */
  url: string;
  /** The lost connection, for the time of its last frame. */
  lost: Connection;
  /** Close details of the lost connection. */
  details: CloseDetails;
  options: ResolvedClientOptions;
  /** Aborts the recovery at its next step. */
  stopSignal: AbortSignal;
  /** Opens a socket to `url`; rejects when it cannot. */
  open(url: string, signal: AbortSignal): Promise<Connection>;
}

/**
 * Returns the URL of the last connection with the recovery parameters, or `undefined` when the
 * connection never received a reconnection token.
 */
export function buildRecoveryUrl(url: string | undefined, connectionId: string | undefined, token: string | undefined): string | undefined {
  if (!url || !connectionId || !token) {
    return undefined;
  }

  const recoveryUrl = new URL(url);
  recoveryUrl.searchParams.set('awps_connection_id', connectionId);
  recoveryUrl.searchParams.set('awps_reconnection_token', token);
  return recoveryUrl.href;
}

/** Returns whether a recovery is worth trying for a connection that closed with `details`. */
export function canRecover({ lost, details, options }: Pick<RecoveryRequest, 'lost' | 'details' | 'options'>): boolean {
  if (!options.protocol.isReliableSubProtocol || details.code === UNRECOVERABLE_CLOSE_CODE) {
    return false;
  }

  // A client suspended for longer than the service keeps a dropped connection (a phone that
  // slept, a frozen tab) cannot recover it. With keepalive on, a healthy connection hears from
  // the service at least every keepAliveTimeoutInMs, so longer silence proves such a suspension.
  const isKeepAliveOn = options.keepAliveIntervalInMs > 0 && options.keepAliveTimeoutInMs > 0;
  const silentForMs = Date.now() - lost.lastReceivedAt;
  return !(isKeepAliveOn && silentForMs > options.keepAliveTimeoutInMs + RECOVERY_WINDOW_IN_MS);
}

/**
 * Tries to reopen the lost connection until an attempt opens a socket, the window ends or the
 * client stops. Returns the new socket's connection, or `undefined`. A service that refuses
 * the recovery opens the socket and closes it with 1008, which the caller sees as a new close.
 */
export async function recoverConnection(request: RecoveryRequest): Promise<Connection | undefined> {
  const { url, stopSignal } = request;
  const deadline = Date.now() + RECOVERY_WINDOW_IN_MS;

  while (!stopSignal.aborted) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return undefined;

    const attempt = signalWithTimeout(stopSignal, remaining, () => new ConnectionError('ABORTED', 'The recovery window ended.'));
    try {
      return await request.open(url, attempt.signal);
    } catch {
      // Retried below until the window ends.
    } finally {
      attempt.dispose();
    }

    const pause = Math.min(RECOVERY_RETRY_DELAY_IN_MS, deadline - Date.now());
    if (stopSignal.aborted || pause <= 0) return undefined;
    try {
      await sleep(pause, stopSignal);
    } catch {
      return undefined;
    }
  }

  return undefined;
}
