/**
 * An abortable wait, for the pause between two attempts of a request.
 */

/**
 * Resolve after `ms` milliseconds, or reject with `signal.reason` as soon as `signal` aborts.
 * The timer is cleared on abort, so an aborted wait keeps nothing scheduled.
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }

    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
