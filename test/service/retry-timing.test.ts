import { describe, expect, it } from 'vitest';
import { computeRetryDelayInMs, isRetryableStatus, readRetryAfterInMs, type RetrySettings } from '../../src/internal/retry.js';

const settings: RetrySettings = { maxRetries: 3, retryDelayInMs: 1000, maxRetryDelayInMs: 64_000, retrySendsOnNetworkError: false };
const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('readRetryAfterInMs', () => {
  it('reads Retry-After in seconds', () => {
    expect(readRetryAfterInMs(new Headers({ 'retry-after': '2' }), NOW)).toBe(2000);
    expect(readRetryAfterInMs(new Headers({ 'retry-after': '0' }), NOW)).toBe(0);
  });

  it('ignores Retry-After values that are neither whole seconds nor HTTP dates', () => {
    for (const value of ['1.5', '-1', '5, 6', '2026-01-01T00:00:03Z', '3 seconds']) {
      expect(readRetryAfterInMs(new Headers({ 'retry-after': value }), NOW)).toBeUndefined();
    }
  });

  it('reads the RFC 850 and asctime date forms', () => {
    expect(readRetryAfterInMs(new Headers({ 'retry-after': 'Thursday, 01-Jan-26 00:00:04 GMT' }), NOW)).toBe(4000);
    expect(readRetryAfterInMs(new Headers({ 'retry-after': 'Thu Jan  1 00:00:05 2026' }), NOW)).toBe(5000);
  });

  it('reads Retry-After as an HTTP date', () => {
    expect(readRetryAfterInMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), NOW)).toBe(3000);
  });

  it('turns a past HTTP date into no wait', () => {
    expect(readRetryAfterInMs(new Headers({ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }), NOW)).toBe(0);
  });

  it('reads retry-after-ms before x-ms-retry-after-ms before Retry-After', () => {
    const all = new Headers({ 'retry-after-ms': '10', 'x-ms-retry-after-ms': '20', 'retry-after': '30' });
    expect(readRetryAfterInMs(all, NOW)).toBe(10);
    expect(readRetryAfterInMs(new Headers({ 'x-ms-retry-after-ms': '20', 'retry-after': '30' }), NOW)).toBe(20);
  });

  it('ignores values that are not numbers or dates', () => {
    expect(readRetryAfterInMs(new Headers({ 'retry-after': 'soon' }), NOW)).toBeUndefined();
    expect(readRetryAfterInMs(new Headers({ 'retry-after-ms': '-5' }), NOW)).toBeUndefined();
    expect(readRetryAfterInMs(new Headers(), NOW)).toBeUndefined();
  });
});

describe('computeRetryDelayInMs', () => {
  it('uses the server hint without jitter', () => {
    const headers = new Headers({ 'retry-after-ms': '1234' });
    expect(computeRetryDelayInMs(0, headers, settings, () => 0)).toBe(1234);
    expect(computeRetryDelayInMs(0, headers, settings, () => 1)).toBe(1234);
  });

  it('caps the server hint at maxRetryDelayInMs', () => {
    expect(computeRetryDelayInMs(0, new Headers({ 'retry-after': '3600' }), settings)).toBe(64_000);
  });

  it('doubles the backoff per retry, between half and all of it', () => {
    expect(computeRetryDelayInMs(0, undefined, settings, () => 0)).toBe(500);
    expect(computeRetryDelayInMs(0, undefined, settings, () => 1)).toBe(1000);
    expect(computeRetryDelayInMs(2, undefined, settings, () => 0)).toBe(2000);
    expect(computeRetryDelayInMs(2, undefined, settings, () => 1)).toBe(4000);
  });

  it('caps the backoff at maxRetryDelayInMs', () => {
    expect(computeRetryDelayInMs(20, undefined, settings, () => 1)).toBe(64_000);
  });
});

describe('isRetryableStatus', () => {
  it('accepts 408, 429, 500, 502, 503 and 504 only', () => {
    const retryable = [...Array(600).keys()].filter(isRetryableStatus);
    expect(retryable).toEqual([408, 429, 500, 502, 503, 504]);
  });
});
