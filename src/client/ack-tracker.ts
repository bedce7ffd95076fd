/**
 * Pending acks: each frame sent with an ackId waits here until the service's ack frame, a
 * dropped connection or the caller's abort settles it. Settled and aborted entries are removed
 * at once, so the map holds only frames still in flight.
 */

import { SendMessageError } from './errors.js';
import type { AckMessage } from './messages.js';
import type { WebPubSubResult } from './options.js';

interface PendingAck {
  readonly promise: Promise<WebPubSubResult>;
  readonly resolve: (result: WebPubSubResult) => void;
  readonly reject: (error: Error) => void;
  waiters: number;
}

/** The service's error name for an ackId that already succeeded on the connection. */
const DUPLICATE_ERROR_NAME = 'Duplicate';

/** Generates ackIds and matches ack frames to the calls waiting for them. */
export class AckTracker {
  #lastGeneratedId = 0;
  readonly #pending = new Map<number, PendingAck>();

  /** Number of acks still awaited. */
  get size(): number {
    return this.#pending.size;
  }

  /** Returns a new ackId: 1, 2, 3 and so on, skipping ids that are still pending. */
  nextAckId(): number {
    do {
      this.#lastGeneratedId += 1;
    } while (this.#pending.has(this.#lastGeneratedId));

    return this.#lastGeneratedId;
  }

  /**
   * Waits for the ack of `ackId`. Two calls with the same ackId share one ack. Aborting `signal`
   * rejects this call with an `ABORTED` error, and the entry is removed once no call waits for it.
   */
  wait(ackId: number, signal?: AbortSignal): Promise<WebPubSubResult> {
    const entry = this.#pending.get(ackId) ?? this.#register(ackId);
    entry.waiters += 1;

    if (!signal) {
      return entry.promise;
    }

    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#release(ackId, entry);
        reject(new SendMessageError('ABORTED', `The wait for ack ${ackId} was aborted.`, { ackId, cause: signal.reason }));
      };

      if (signal.aborted) {
        onAbort();
        return;
      }

      signal.addEventListener('abort', onAbort, { once: true });
      entry.promise.then(
        (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  /**
   * Settles the wait for an ack frame. `Duplicate` counts as success with `isDuplicated: true`;
   * any other error rejects with `ACK_FAILED`. Returns false for an ackId that no call waits for.
   */
  settle(ack: AckMessage): boolean {
    const entry = this.#pending.get(ack.ackId);
    if (!entry) {
      return false;
    }

    this.#pending.delete(ack.ackId);
    if (ack.success) {
      entry.resolve({ ackId: ack.ackId, isDuplicated: false });
      return true;
    }

    if (ack.error?.name === DUPLICATE_ERROR_NAME) {
      entry.resolve({ ackId: ack.ackId, isDuplicated: true });
      return true;
    }

    const name = ack.error?.name || 'an unnamed error';
    const detail = ack.error?.message ? `: ${ack.error.message}` : '';
    const message = `The service rejected the frame with ackId ${ack.ackId} (${name})${detail}`;
    entry.reject(new SendMessageError('ACK_FAILED', message, { ackId: ack.ackId, errorDetail: ack.error }));
    return true;
  }

  /** Rejects the wait for one ackId, such as after the frame could not be written. */
  reject(ackId: number, error: Error): void {
    const entry = this.#pending.get(ackId);
    if (!entry) {
      return;
    }

    this.#pending.delete(ackId);
    entry.reject(error);
  }

  /** Rejects every pending wait, for a connection that dropped. */
  rejectAll(createError: (ackId: number) => Error): void {
    const entries = [...this.#pending];
    this.#pending.clear();

    for (const [ackId, entry] of entries) {
      entry.reject(createError(ackId));
    }
  }

  #register(ackId: number): PendingAck {
    let resolve!: (result: WebPubSubResult) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<WebPubSubResult>((resolvePromise, rejectPromise) => {
      resolve = resolvePromise;
      reject = rejectPromise;
    });
    // A rejection with no waiter left (all aborted) must not surface as unhandled.
    promise.catch(() => {});

    const entry: PendingAck = { promise, resolve, reject, waiters: 0 };
    this.#pending.set(ackId, entry);
    return entry;
  }

  #release(ackId: number, entry: PendingAck): void {
    entry.waiters -= 1;
    if (entry.waiters === 0 && this.#pending.get(ackId) === entry) {
      this.#pending.delete(ackId);
    }
  }
}
