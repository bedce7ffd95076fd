/**
 * Keepalive of one connection: a ping every `keepAliveIntervalInMs`, and a liveness check that
 * reports a connection from which nothing arrived for `keepAliveTimeoutInMs`. A socket whose
 * peer vanished (half-open TCP after a sleep or a network change) raises no event by itself.
 * The pings make the service reply, so silence then proves the socket dead.
 */

/** Timing of a {@link KeepAlive}, in milliseconds; 0 turns a part off. */
export interface KeepAliveTiming {
  intervalInMs: number;
  timeoutInMs: number;
}

/** Callbacks of a {@link KeepAlive}. */
export interface KeepAliveCallbacks {
  /** Writes a ping frame. Throwing stops the keepalive and calls `pingFailed`. */
  sendPing(): void;
  /** Reports that the protocol could not write the ping. */
  pingFailed(error: unknown): void;
  /** Reports that nothing arrived for `silentForMs` milliseconds. */
  timedOut(silentForMs: number): void;
}

/**
 * Pings and liveness check of one connection. The liveness check runs only while pings do:
 * without pings an idle but healthy connection would stay silent and be closed for nothing.
 */
export class KeepAlive {
  readonly #timing: KeepAliveTiming;
  readonly #callbacks: KeepAliveCallbacks;
  #lastReceivedAt = Date.now();
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #livenessTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(timing: KeepAliveTiming, callbacks: KeepAliveCallbacks) {
    this.#timing = timing;
    this.#callbacks = callbacks;
  }

  /** Time of the last frame received, in milliseconds since the epoch. */
  get lastReceivedAt(): number {
    return this.#lastReceivedAt;
  }

  /** Starts pinging and checking; the silence is counted from now. */
  start(): void {
    this.stop();
    this.#lastReceivedAt = Date.now();
    if (this.#timing.intervalInMs <= 0) {
      return;
    }

    this.#pingTimer = setInterval(() => this.#ping(), this.#timing.intervalInMs);
    if (this.#timing.timeoutInMs > 0) {
      this.#scheduleLivenessCheck(this.#timing.timeoutInMs);
    }
  }

  /** Records that a frame arrived. Any frame counts, not only pongs. */
  received(): void {
    this.#lastReceivedAt = Date.now();
  }

  /** Stops both timers. */
  stop(): void {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#livenessTimer);
    this.#pingTimer = undefined;
    this.#livenessTimer = undefined;
  }

  #ping(): void {
    try {
      this.#callbacks.sendPing();
    } catch (error) {
      this.stop();
      this.#callbacks.pingFailed(error);
    }
  }

  // One timer per timeout period instead of one per frame: when it fires early because frames
  // arrived meanwhile, it is set again for the time that is left.
  #scheduleLivenessCheck(delayInMs: number): void {
    this.#livenessTimer = setTimeout(() => {
      const silentForMs = Date.now() - this.#lastReceivedAt;
      if (silentForMs >= this.#timing.timeoutInMs) {
        this.stop();
        this.#callbacks.timedOut(silentForMs);
        return;
      }

      this.#scheduleLivenessCheck(this.#timing.timeoutInMs - silentForMs);
    }, delayInMs);
  }
}
