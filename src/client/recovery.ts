/**
 * Recovery of a dropped reliable connection, per the Azure doc "Create reliable WebSocket
 * clients with subprotocol". The client reconnects to the last URL with `awps_connection_id`
 * and `awps_reconnection_token`. It stops when the service confirms the connection, rejects it
 * with close code 1008, or the 30-second window that started at the original drop ends. The
 * service keeps a dropped connection for at least that long.
 */

import type { CloseDetails, Connection } from './connection.js';
import { ConnectionError } from './errors.js';
import type { ResolvedClientOptions } from './options.js';
import { signalWithTimeout, sleep } from './retry.js';

/** How long recovery of a dropped reliable connection is tried, counted from the original drop. */
export const RECOVERY_WINDOW_IN_MS = 30_000;
/** Pause between recovery attempts, as in `@azure/web-pubsub-client`. */
export const RECOVERY_RETRY_DELAY_IN_MS = 1000;
/**
 * How long a recovery socket may stay silent after the client's ping before the attempt counts
 * as failed. The service documents the `connected` frame for new connections only, and the
 * emulator sends none on a recovered one, so the pong (or any earlier frame) is the confirmation.
 */
export const RECOVERY_CONFIRM_TIMEOUT_IN_MS = 5000;
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
  /** Time of the original drop, in milliseconds since the epoch; the window ends 30 s later. */
  droppedAt: number;
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

/**
 * Returns whether a recovery is worth trying for a connection that closed with `details`. A
 * close code 1008 or a `disconnected` frame from the service means that the service ended the
 * connection on purpose, so the client opens a new connection instead.
 *
 * NOTE: `@azure/web-pubsub-client` 1.1.0 skips recovery only on 1008. The emulator rejects the
 * recovery of any connection it closed itself. Whether the service ever recovers a connection
 * after sending `disconnected` is not documented.
 */
export function canRecover({ lost, details, options }: Pick<RecoveryRequest, 'lost' | 'details' | 'options'>): boolean {
  if (!options.protocol.isReliableSubProtocol || details.code === UNRECOVERABLE_CLOSE_CODE || details.message) {
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
 * Tries to reopen the lost connection until the service confirms an attempt, rejects it with
 * close code 1008, the window ends or the client stops. An attempt counts as confirmed at the
 * first frame from the service on the new socket. The client pings at once, so a live service
 * sends a pong within {@link RECOVERY_CONFIRM_TIMEOUT_IN_MS}. Attempts are
 * {@link RECOVERY_RETRY_DELAY_IN_MS} apart. Returns the confirmed connection, or `undefined`.
 */
export async function recoverConnection(request: RecoveryRequest): Promise<Connection | undefined> {
  const { url, stopSignal } = request;
  const deadline = request.droppedAt + RECOVERY_WINDOW_IN_MS;

  while (!stopSignal.aborted) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return undefined;

    const attempt = signalWithTimeout(stopSignal, remaining, () => new ConnectionError('ABORTED', 'The recovery window ended.'));
    try {
      return await openConfirmed(request, attempt.signal);
    } catch (error) {
      if (error instanceof ConnectionError && error.closeCode === UNRECOVERABLE_CLOSE_CODE) return undefined;
      // Other failures are retried below until the window ends.
    } finally {
      attempt.dispose();
    }

    if (!(await pauseUntil(RECOVERY_RETRY_DELAY_IN_MS, deadline, stopSignal))) return undefined;
  }

  return undefined;
}

/** Opens a recovery socket and waits for the service's first frame on it. */
async function openConfirmed(request: RecoveryRequest, signal: AbortSignal): Promise<Connection> {
  const connection = await request.open(request.url, signal);
  try {
    connection.ping();
  } catch {
    // A protocol without ping, or a socket that closed already: the wait below settles it.
  }

  const confirmation = signalWithTimeout(
    signal,
    RECOVERY_CONFIRM_TIMEOUT_IN_MS,
    () => new ConnectionError('ABORTED', `The service sent nothing on the recovered connection for ${RECOVERY_CONFIRM_TIMEOUT_IN_MS} ms.`),
  );
  try {
    await connection.waitFirstFrame(confirmation.signal);
  } finally {
    confirmation.dispose();
  }
  return connection;
}

/** Sleeps `delayInMs`, cut to the deadline; returns false when the deadline passed or the client stopped. */
async function pauseUntil(delayInMs: number, deadline: number, stopSignal: AbortSignal): Promise<boolean> {
  const pause = Math.min(delayInMs, deadline - Date.now());
  if (stopSignal.aborted || pause <= 0) return false;
  try {
    await sleep(pause, stopSignal);
  } catch {
    return false;
  }
  return !stopSignal.aborted && Date.now() < deadline;
}
