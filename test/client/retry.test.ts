import { describe, expect, it, vi } from 'vitest';
import { DEFAULTS } from '../../src/client/index.js';
import { linkSignals, resolveRetryOptions, retryDelayInMs, sleep } from '../../src/client/retry.js';

const fixed = resolveRetryOptions('retry', { maxRetries: 3, retryDelayInMs: 1000, maxRetryDelayInMs: 30_000, mode: 'Fixed' }, DEFAULTS.messageRetryOptions);
const exponential = resolveRetryOptions('retry', { maxRetries: 10, mode: 'Exponential' }, DEFAULTS.messageRetryOptions);

describe('defaults', () => {
  it('match the official client', () => {
    expect(DEFAULTS.messageRetryOptions).toEqual({ maxRetries: 3, retryDelayInMs: 1000, maxRetryDelayInMs: 30_000, mode: 'Fixed' });
    expect(DEFAULTS.reconnectRetryOptions).toEqual({ maxRetries: Number.MAX_VALUE, retryDelayInMs: 1000, maxRetryDelayInMs: 30_000, mode: 'Fixed' });
    expect([DEFAULTS.keepAliveIntervalInMs, DEFAULTS.keepAliveTimeoutInMs]).toEqual([20_000, 120_000]);
    expect([DEFAULTS.autoReconnect, DEFAULTS.autoRejoinGroups]).toEqual([true, true]);
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
  });
});

describe('retryDelayInMs', () => {
  it('waits the fixed delay without jitter at the middle of the range', () => {
    expect([1, 2, 3].map((retry) => retryDelayInMs(retry, fixed, () => 0.5))).toEqual([1000, 1000, 1000]);
  });

  it('stops after maxRetries', () => {
    expect(retryDelayInMs(4, fixed, () => 0.5)).toBeUndefined();
  });

  it('doubles exponential delays up to the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((retry) => retryDelayInMs(retry, exponential, () => 0.5));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it('keeps jitter within 20 percent and under the cap', () => {
    expect(retryDelayInMs(1, fixed, () => 0)).toBe(800);
    expect(retryDelayInMs(1, fixed, () => 0.999_999)).toBe(1200);
    expect(retryDelayInMs(9, exponential, () => 0.999_999)).toBe(30_000);
  });

  it('handles a huge retry count without overflow', () => {
    const endless = resolveRetryOptions('retry', { mode: 'Exponential', maxRetries: Number.MAX_VALUE }, DEFAULTS.reconnectRetryOptions);
    expect(retryDelayInMs(1e9, endless, () => 0.5)).toBe(30_000);
  });
});

describe('resolveRetryOptions', () => {
  it('keeps defaults for missing fields', () => {
    expect(resolveRetryOptions('retry', { retryDelayInMs: 5 }, DEFAULTS.messageRetryOptions)).toMatchObject({ retryDelayInMs: 5, maxRetries: 3 });
  });

  it('rejects negative numbers and unknown modes with the field name', () => {
    expect(() => resolveRetryOptions('messageRetryOptions', { maxRetries: -1 }, DEFAULTS.messageRetryOptions)).toThrow(/messageRetryOptions\.maxRetries/);
    expect(() => resolveRetryOptions('messageRetryOptions', { mode: 'Linear' as 'Fixed' }, DEFAULTS.messageRetryOptions)).toThrow(/'Fixed' or 'Exponential'/);
  });
});

describe('sleep', () => {
  it('rejects with the reason when aborted', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const slept = sleep(10_000, controller.signal);

    controller.abort(new Error('stop'));

    await expect(slept).rejects.toThrow('stop');
    expect(vi.getTimerCount()).toBe(0);
    vi.useRealTimers();
  });
});

describe('linkSignals', () => {
  it('aborts when any input aborts and detaches on dispose', () => {
    const first = new AbortController();
    const second = new AbortController();
    const linked = linkSignals(first.signal, undefined, second.signal);

    second.abort('why');

    expect(linked.signal.aborted).toBe(true);
    expect(linked.signal.reason).toBe('why');
    linked.dispose();
  });
});
