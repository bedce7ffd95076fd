/**
 * The abort signal of one request attempt. It aborts when the caller's signal aborts or when the
 * attempt's time runs out, and it records which of the two happened.
 */

/** The reason an attempt was cut short. */
export type AttemptStopCause = 'ABORTED' | 'TIMEOUT';

/** The signal of one attempt and the means to release it. */
export interface AttemptScope {
  /** Pass this to `fetch` and to every other step of the attempt. */
  readonly signal: AbortSignal;
  /** Returns why the signal aborted, or `undefined` while it has not. */
  stopCause(): AttemptStopCause | undefined;
  /** Clears the timer and stops listening to the caller's signal. Call it when the attempt ends. */
  dispose(): void;
}

/**
 * Start the scope of one attempt.
 *
 * @param callerSignal - the caller's `abortSignal`, if any.
 * @param timeoutInMs - time the attempt may take; `Infinity` for no limit.
 */
export function startAttemptScope(callerSignal: AbortSignal | undefined, timeoutInMs: number): AttemptScope {
  const controller = new AbortController();
  let cause: AttemptStopCause | undefined;

  const stop = (stopCause: AttemptStopCause, reason: unknown): void => {
    if (cause !== undefined) return;
    cause = stopCause;
    controller.abort(reason);
  };

  const onCallerAbort = (): void => stop('ABORTED', callerSignal!.reason);
  if (callerSignal?.aborted) {
    stop('ABORTED', callerSignal.reason);
  } else {
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  }

  // `AbortSignal.timeout` would do, but its timer cannot be cleared once the attempt is over.
  const timer = Number.isFinite(timeoutInMs)
    ? setTimeout(() => stop('TIMEOUT', new DOMException('The request attempt timed out.', 'TimeoutError')), timeoutInMs)
    : undefined;

  return {
    signal: controller.signal,
    stopCause: () => cause,
    dispose: () => {
      if (timer !== undefined) clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    },
  };
}
