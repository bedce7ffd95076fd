/**
 * Collects unhandled promise rejections in Node (`process`) and in workerd (`unhandledrejection`
 * events), so that a test can assert that none happened.
 */

interface NodeProcessLike {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): void;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): void;
}

export interface RejectionTracker {
  /** Reasons of the rejections seen so far. */
  readonly reasons: unknown[];
  /** Stops collecting. */
  stop(): void;
}

export function trackUnhandledRejections(): RejectionTracker {
  const reasons: unknown[] = [];
  const nodeProcess = (globalThis as { process?: Partial<NodeProcessLike> }).process;

  if (typeof nodeProcess?.on === 'function' && typeof nodeProcess.off === 'function') {
    const listener = (reason: unknown): void => {
      reasons.push(reason);
    };
    nodeProcess.on('unhandledRejection', listener);
    return { reasons, stop: () => nodeProcess.off!('unhandledRejection', listener) };
  }

  const listener = (event: Event): void => {
    reasons.push((event as PromiseRejectionEvent).reason);
  };
  globalThis.addEventListener('unhandledrejection', listener);
  return { reasons, stop: () => globalThis.removeEventListener('unhandledrejection', listener) };
}
