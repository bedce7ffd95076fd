/**
 * Connection lifecycle of the client: start, stop, recovery of a dropped reliable connection
 * (`recovery.ts`), and reconnects with a fresh URL. One supervisor loop per `start()` owns the
 * current connection, so `stop()` only has to abort one signal and close one socket.
 */

import { WebPubSubError } from '../errors.js';
import { ABNORMAL_CLOSURE, Connection, type CloseDetails } from './connection.js';
import { ClientStateError, ConnectionError } from './errors.js';
import type { ClientEventEmitter } from './events.js';
import type { WebPubSubMessage } from './messages.js';
import type { ResolvedClientOptions, WebPubSubClientCredential } from './options.js';
import { buildRecoveryUrl, canRecover, recoverConnection } from './recovery.js';
import { retryDelayInMs, sleep } from './retry.js';
import { SequenceAcks } from './sequence-acks.js';
import { readClientAccessUrl } from './validation.js';

/** States of the client, as in `@azure/web-pubsub-client`. */
export type ClientState = 'Stopped' | 'Connecting' | 'Connected' | 'Recovering' | 'Disconnected';

/** Close code of `stop()`. */
const NORMAL_CLOSURE = 1000;

/**
 * How long a connection must stay open, in milliseconds, before its loss counts as a new
 * failure. A connection lost sooner continues the reconnect backoff and the 30-second recovery
 * window of the loss before it. So when the application server or a listener closes every
 * connection right after `connected`, `reconnectRetryOptions` paces the reconnects.
 */
export const STABLE_CONNECTION_IN_MS = 5000;

/** Callbacks from the lifecycle into the client. */
export interface LifecycleHooks {
  /** Receives acks and the data messages that passed the sequence check. */
  onMessage(message: WebPubSubMessage): void;
  /** Runs when a connection is lost, before any recovery; pending acks reject here. */
  onConnectionLost(): void;
  /**
   * Runs on each new connection before `connected` is emitted, to rejoin groups. `isCurrent`
   * turns false once a newer connection or a stop replaced this one.
   */
  onNewConnection(isCurrent: () => boolean): Promise<void>;
  /** Runs when a connection became usable or the client stopped; waiting retries resume here. */
  onConnectionStateChange(): void;
}

/** Role of a socket: a new connection, or the recovery of the last one. */
type ConnectionRole = 'new' | 'recovery';

/** Owns the current connection and its replacement after a drop. */
export class Lifecycle {
  readonly #credential: WebPubSubClientCredential;
  readonly #options: ResolvedClientOptions;
  readonly #emitter: ClientEventEmitter;
  readonly #hooks: LifecycleHooks;
  readonly #sequence: SequenceAcks;
  #state: ClientState = 'Stopped';
  #stopController: AbortController | undefined;
  #connection: Connection | undefined;
  #generation = 0;
  #url: string | undefined;
  #connectionId: string | undefined;
  #userId = '';
  #reconnectionToken: string | undefined;
  /** Reconnect attempts since the last connection that stayed open {@link STABLE_CONNECTION_IN_MS}. */
  #reconnectAttempts = 0;
  /** Time the current connection became usable, in milliseconds since the epoch. */
  #adoptedAt = 0;
  /** Time of the drop that the running recovery window started at; unset after a stable connection. */
  #droppedAt: number | undefined;
  /** Whether `stop()` was called since the last `start()`. */
  #isStopRequested = false;

  constructor(
    credential: WebPubSubClientCredential,
    options: ResolvedClientOptions,
    emitter: ClientEventEmitter,
    hooks: LifecycleHooks,
  ) {
    this.#credential = credential;
    this.#options = options;
    this.#emitter = emitter;
    this.#hooks = hooks;
    this.#sequence = new SequenceAcks(options.protocol.name, (error) => emitter.emit('error', { error }));
  }

  get state(): ClientState {
    return this.#state;
  }

  /** Whether the client is stopped or stopping, so that operations should not be retried. */
  get isStopping(): boolean {
    return this.#state === 'Stopped' || this.#stopController?.signal.aborted === true;
  }

  /** The connection frames can be written to, when the client is connected. */
  get connection(): Connection | undefined {
    return this.#state === 'Connected' && this.#connection?.isOpen ? this.#connection : undefined;
  }

  /** Opens the first connection; resolves after the `connected` event. */
  async start(abortSignal?: AbortSignal): Promise<void> {
    if (this.#state !== 'Stopped') {
      throw new ClientStateError(this.#state, `start() needs a stopped client, but it is ${this.#state}. Call stop() and wait for the stopped event first.`);
    }

    const stopController = new AbortController();
    this.#stopController = stopController;
    this.#isStopRequested = false;
    this.#state = 'Connecting';
    this.#reconnectAttempts = 0;
    this.#droppedAt = undefined;
    const onAbort = () => stopController.abort(abortSignal?.reason);
    abortSignal?.addEventListener('abort', onAbort, { once: true });
    if (abortSignal?.aborted) onAbort();

    let connection: Connection;
    try {
      connection = await this.#connectNew(stopController.signal);
    } catch (error) {
      this.#state = 'Stopped';
      this.#stopController = undefined;
      // stop() promises a `stopped` event; no connection was confirmed, so there is no close
      // code and no `disconnected` event.
      if (this.#isStopRequested) this.#emitter.emit('stopped', {});
      throw error;
    } finally {
      abortSignal?.removeEventListener('abort', onAbort);
    }

    const announced = this.#announce(this.#generation);
    // The supervisor catches its own failures; this catch only keeps a bug from going unnoticed.
    this.#supervise(connection, stopController.signal).catch((error: unknown) => {
      this.#emitter.emit('error', { error: error instanceof Error ? error : new Error(String(error)) });
    });
    if (!(await announced) && stopController.signal.aborted) {
      throw new ConnectionError('ABORTED', 'The client was stopped before the connection was confirmed.');
    }
  }

  /** Closes the connection and ends any recovery or reconnect at its next step. */
  stop(): void {
    const controller = this.#stopController;
    if (this.#state === 'Stopped' || !controller || controller.signal.aborted) {
      return;
    }

    this.#isStopRequested = true;
    controller.abort(new ConnectionError('ABORTED', 'The client was stopped.'));
    this.#connection?.close({ code: NORMAL_CLOSURE, reason: '' }, NORMAL_CLOSURE);
  }

  async #supervise(first: Connection, stopSignal: AbortSignal): Promise<void> {
    let connection = first;
    let details: CloseDetails = {};
    let isDisconnectedEmitted = false;

    for (;;) {
      details = await connection.closed;
      this.#releaseConnection();
      isDisconnectedEmitted = false;
      if (stopSignal.aborted) break;

      if (Date.now() - this.#adoptedAt >= STABLE_CONNECTION_IN_MS) {
        this.#reconnectAttempts = 0;
        this.#droppedAt = undefined;
      }

      const recovered = await this.#recover(connection, details, stopSignal);
      if (recovered) {
        connection = recovered;
        continue;
      }
      if (stopSignal.aborted) break;

      this.#state = 'Disconnected';
      this.#emitDisconnected(details);
      isDisconnectedEmitted = true;
      if (!this.#options.autoReconnect) break;

      const fresh = await this.#reconnect(stopSignal);
      if (!fresh) break;
      connection = fresh;
      void this.#announce(this.#generation);
    }

    if (!isDisconnectedEmitted) {
      this.#emitDisconnected(details);
    }
    this.#state = 'Stopped';
    this.#stopController = undefined;
    this.#hooks.onConnectionStateChange();
    this.#emitter.emit('stopped', { code: details.code, reason: details.reason });
  }

  /** Gets a fresh URL, opens a socket and waits for the service's `connected` message. */
  async #connectNew(signal: AbortSignal): Promise<Connection> {
    const url = await readClientAccessUrl(this.#credential, signal);
    const connection = await this.#open(url, 'new', signal);
    // NOTE: the wait for the `connected` message has no timeout of its own. The keepalive
    // timeout ends it, but with keepalive off an endpoint that never sends it keeps this waiting.
    await connection.waitHandshake(signal);

    this.#url = url;
    this.#adopt(connection);
    return connection;
  }

  /**
   * Tries to recover a dropped reliable connection; returns the confirmed connection or nothing.
   * A loss soon after an earlier recovery keeps that recovery's window, so the client gives up
   * 30 s after the original drop.
   *
   * NOTE: the first attempt after each loss runs at once, as in `@azure/web-pubsub-client`. A
   * service that confirms every recovery and then closes it gets one immediate attempt per loss
   * until the window ends; reconnects after that follow `reconnectRetryOptions`.
   */
  async #recover(lost: Connection, details: CloseDetails, stopSignal: AbortSignal): Promise<Connection | undefined> {
    const url = buildRecoveryUrl(this.#url, this.#connectionId, this.#reconnectionToken);
    if (!url || !canRecover({ lost, details, options: this.#options })) {
      return undefined;
    }

    this.#state = 'Recovering';
    const droppedAt = this.#droppedAt ?? Date.now();
    this.#droppedAt = droppedAt;
    const connection = await recoverConnection({
      url,
      lost,
      details,
      options: this.#options,
      droppedAt,
      stopSignal,
      open: (recoveryUrl, signal) => this.#open(recoveryUrl, 'recovery', signal),
    });
    if (connection) this.#adopt(connection);
    return connection;
  }

  /**
   * Opens new connections with a fresh URL until one succeeds, retries run out or the client
   * stops. Every attempt, the first one included, waits the delay of `reconnectRetryOptions`.
   * The attempt count carries over from earlier losses until a connection stays open for
   * {@link STABLE_CONNECTION_IN_MS}, so exponential delays and `maxRetries` also pace a service
   * that closes each new connection at once. Each failed attempt is emitted as an `error`.
   */
  async #reconnect(stopSignal: AbortSignal): Promise<Connection | undefined> {
    const retryOptions = this.#options.reconnectRetryOptions;
    while (!stopSignal.aborted) {
      // maxRetries counts the retries after the first attempt, as WebPubSubRetryOptions documents.
      this.#reconnectAttempts += 1;
      if (this.#reconnectAttempts > retryOptions.maxRetries + 1) return undefined;
      const delay = retryDelayInMs(this.#reconnectAttempts, { ...retryOptions, maxRetries: Number.MAX_VALUE }) ?? 0;
      try {
        await sleep(delay, stopSignal);
      } catch {
        return undefined;
      }

      this.#state = 'Connecting';
      try {
        return await this.#connectNew(stopSignal);
      } catch (error) {
        this.#state = 'Disconnected';
        if (stopSignal.aborted) return undefined;
        this.#emitter.emit('error', { error: toReconnectError(error, this.#reconnectAttempts) });
        if (this.#isRejectionFinal(error)) return undefined;
      }
    }

    return undefined;
  }

  /**
   * Returns whether a failed reconnect cannot succeed on a later attempt: the service rejected
   * the upgrade with 401 or 403 and the credential is a fixed URL, so every attempt would send
   * the same token.
   */
  #isRejectionFinal(error: unknown): boolean {
    const isAuthRejection = error instanceof ConnectionError && (error.status === 401 || error.status === 403);
    return isAuthRejection && typeof this.#credential.getClientAccessUrl === 'string';
  }

  async #open(url: string, role: ConnectionRole, signal: AbortSignal): Promise<Connection> {
    const { protocol, webSocketFactory, keepAliveIntervalInMs, keepAliveTimeoutInMs } = this.#options;
    let socket;
    try {
      socket = await webSocketFactory(url, protocol.name, { abortSignal: signal });
    } catch (error) {
      if (error instanceof WebPubSubError) throw error;
      throw new ConnectionError(signal.aborted ? 'ABORTED' : 'NETWORK_ERROR', 'The WebSocket factory failed to open a socket.', { cause: error });
    }

    let isConfirmed = false;
    const connection: Connection = new Connection(
      socket,
      protocol,
      { intervalInMs: keepAliveIntervalInMs, timeoutInMs: keepAliveTimeoutInMs },
      {
        onMessage: (message) => {
          // The first `connected` message of a new connection starts a new stream of sequence
          // ids. It is handled here, synchronously, because the messages after it may be read
          // in the same task, before any awaiting code resumes.
          if (message.kind === 'connected' && role === 'new' && !isConfirmed) {
            isConfirmed = true;
            this.#startIdentity(message.connectionId, message.userId, message.reconnectionToken);
          }
          this.#route(connection, message);
        },
        onProtocolError: (error) => this.#emitter.emit('error', { error }),
      },
    );

    await connection.waitOpen(signal);
    const chosen = socket.protocol;
    if (chosen && chosen !== protocol.name) {
      connection.close({ code: NORMAL_CLOSURE, reason: '' }, NORMAL_CLOSURE);
      throw new ConnectionError('CONNECTION_CLOSED', `The service chose the subprotocol ${chosen} instead of ${protocol.name}.`);
    }

    return connection;
  }

  #startIdentity(connectionId: string, userId: string, reconnectionToken: string | undefined): void {
    this.#generation += 1;
    this.#sequence.reset();
    this.#connectionId = connectionId;
    this.#userId = userId;
    this.#reconnectionToken = reconnectionToken;
    this.#droppedAt = undefined;
  }

  #route(connection: Connection, message: WebPubSubMessage): void {
    if (message.kind === 'connected') {
      if (message.reconnectionToken !== undefined && message.connectionId === this.#connectionId) {
        this.#reconnectionToken = message.reconnectionToken;
      }
      return;
    }

    const isData = message.kind === 'groupData' || message.kind === 'serverData';
    const hasSequenceId = isData && this.#options.protocol.isReliableSubProtocol && typeof message.sequenceId === 'number';
    if (hasSequenceId && !this.#sequence.accept(connection, message.sequenceId as number)) {
      return;
    }

    this.#hooks.onMessage(message);
  }

  /** Makes `connection` the current one and starts acknowledging its sequence ids. */
  #adopt(connection: Connection): void {
    this.#connection = connection;
    this.#adoptedAt = Date.now();
    this.#state = 'Connected';
    if (this.#options.protocol.isReliableSubProtocol) {
      this.#sequence.start(connection);
    }
    this.#hooks.onConnectionStateChange();
  }

  #releaseConnection(): void {
    this.#sequence.stop();
    this.#connection = undefined;
    this.#hooks.onConnectionLost();
  }

  /** Rejoins groups, then emits `connected`; returns false when a stop or a newer connection came first. */
  async #announce(generation: number): Promise<boolean> {
    const isCurrent = () => this.#generation === generation && !this.isStopping;
    await this.#hooks.onNewConnection(isCurrent);
    if (!isCurrent() || this.#connectionId === undefined) {
      return false;
    }

    this.#emitter.emit('connected', { connectionId: this.#connectionId, userId: this.#userId });
    return true;
  }

  #emitDisconnected(details: CloseDetails): void {
    this.#emitter.emit('disconnected', {
      connectionId: this.#connectionId,
      message: details.message,
      code: details.code ?? ABNORMAL_CLOSURE,
      reason: details.reason,
    });
  }
}

/** Returns the error of a failed reconnect attempt as a `WebPubSubError` for the `error` event. */
function toReconnectError(error: unknown, attempt: number): Error {
  if (error instanceof WebPubSubError) {
    return error;
  }

  return new ConnectionError('NETWORK_ERROR', `Reconnect attempt ${attempt} failed.`, { cause: error });
}
