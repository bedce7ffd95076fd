/**
 * Operations waiting to be retried once the client is connected again. They resume in the order
 * the operations were first called, so that frames resent after a drop keep their original order
 * instead of the order in which their retry timers happen to fire.
 */

import { SendMessageError } from './errors.js';

interface Waiter {
  readonly order: number;
  readonly resolve: () => void;
}

/** A queue of retries that a new or recovered connection wakes in call order. */
export class ConnectionWaiters {
  readonly #waiters: Waiter[] = [];

  /** Number of operations waiting. */
  get size(): number {
    return this.#waiters.length;
  }

  /**
   * Resolves when {@link wakeAll} runs or after `timeoutInMs`, whichever comes first; rejects
   * with `ABORTED` when `signal` aborts.
   *
   * @param order - position of the operation; lower values resume first.
   */
  wait(order: number, timeoutInMs: number, ackId: number | undefined, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
      };
      const onAbort = () => {
        finish();
        reject(new SendMessageError('ABORTED', 'The operation was aborted while waiting to retry.', { ackId, cause: signal?.reason }));
      };
      const waiter: Waiter = {
        order,
        resolve: () => {
          finish();
          resolve();
        },
      };
      const timer = setTimeout(waiter.resolve, timeoutInMs);

      if (signal?.aborted) {
        onAbort();
        return;
      }

      signal?.addEventListener('abort', onAbort, { once: true });
      const position = this.#waiters.findIndex((other) => other.order > order);
      this.#waiters.splice(position < 0 ? this.#waiters.length : position, 0, waiter);
    });
  }

  /** Resumes every waiting operation, in order. */
  wakeAll(): void {
    for (const waiter of [...this.#waiters]) {
      waiter.resolve();
    }
  }
}
