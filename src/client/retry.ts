/**
 * Retry timing shared by message retries and reconnects: fixed or exponential delays with
 * jitter, and an abortable sleep.
 */

import { ConfigError } from '../errors.js';

/** Growth of the delay between attempts. */
export type RetryMode = 'Fixed' | 'Exponential';

/** Retry options, named as in `@azure/web-pubsub-client`. */
export interface WebPubSubRetryOptions {
  /** Retries after the first attempt. */
  maxRetries?: number;
  /** Delay before the first retry, and the base of exponential delays, in milliseconds. */
  retryDelayInMs?: number;
  /** Cap of every delay, in milliseconds. */
  maxRetryDelayInMs?: number;
  /**
   * `Fixed` waits `retryDelayInMs` each time. `Exponential` waits `retryDelayInMs * 2^(n-1)`
   * before retry n, capped at `maxRetryDelayInMs`.
   */
  mode?: RetryMode;
}

/** Retry options with every field set. */
export type ResolvedRetryOptions = Readonly<Required<WebPubSubRetryOptions>>;

/**
 * Share of the delay that jitter may add or remove: each delay is drawn uniformly from
 * 80 % to 120 % of the computed value, so that clients dropped together do not retry together.
 */
const JITTER_RATIO = 0.2;

/**
 * Merges `options` over `defaults` and validates the result.
 *
 * @throws {ConfigError} when a value is negative, not a number or an unknown mode.
 */
export function resolveRetryOptions(
  field: string,
  options: WebPubSubRetryOptions | undefined,
  defaults: ResolvedRetryOptions,
): ResolvedRetryOptions {
  const resolved = { ...defaults, ...stripUndefined(options ?? {}) };

  for (const key of ['maxRetries', 'retryDelayInMs', 'maxRetryDelayInMs'] as const) {
    const value = resolved[key];
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw new ConfigError(`${field}.${key}`, `${field}.${key} must be a number of at least 0, got ${String(value)}.`);
    }
  }

  if (resolved.mode !== 'Fixed' && resolved.mode !== 'Exponential') {
    throw new ConfigError(`${field}.mode`, `${field}.mode must be 'Fixed' or 'Exponential', got ${String(resolved.mode)}.`);
  }

  return Object.freeze(resolved);
}

function stripUndefined(options: WebPubSubRetryOptions): WebPubSubRetryOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

/**
 * Returns the delay before retry number `retry` (1 for the first retry), or `undefined` once
 * `maxRetries` retries were made.
 *
 * @param random - source of jitter in [0, 1).
 */
export function retryDelayInMs(
  retry: number,
  options: ResolvedRetryOptions,
  random: () => number = Math.random,
): number | undefined {
  if (retry > options.maxRetries) {
    return undefined;
  }

  const base =
    options.mode === 'Fixed'
      ? options.retryDelayInMs
      : options.retryDelayInMs * 2 ** Math.min(retry - 1, 52);
  const capped = Math.min(base, options.maxRetryDelayInMs);
  const jittered = capped * (1 - JITTER_RATIO + 2 * JITTER_RATIO * random());

  return Math.min(Math.round(jittered), options.maxRetryDelayInMs);
}

/**
 * Resolves after `ms` milliseconds, or rejects with the signal's reason as soon as `signal`
 * aborts.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }

    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Returns a signal that aborts when any of `signals` aborts, and a function that detaches it.
 * Call `dispose` when done so that long-lived signals do not collect listeners.
 */
export function linkSignals(...signals: Array<AbortSignal | undefined>): {
  signal: AbortSignal;
  dispose: () => void;
} {
  const controller = new AbortController();
  const cleanups: Array<() => void> = [];

  for (const signal of signals) {
    if (!signal) {
      continue;
    }

    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }

    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => signal.removeEventListener('abort', onAbort));
  }

  return { signal: controller.signal, dispose: () => cleanups.forEach((cleanup) => cleanup()) };
}

/**
 * Returns a signal that aborts when `signal` aborts or after `timeoutInMs` milliseconds, and a
 * function that clears the timer and detaches the listener.
 */
export function signalWithTimeout(
  signal: AbortSignal,
  timeoutInMs: number,
  createReason: () => Error,
): { signal: AbortSignal; dispose: () => void } {
  const timeoutController = new AbortController();
  const timer = setTimeout(() => timeoutController.abort(createReason()), timeoutInMs);
  const linked = linkSignals(signal, timeoutController.signal);

  return {
    signal: linked.signal,
    dispose: () => {
      clearTimeout(timer);
      linked.dispose();
    },
  };
}
