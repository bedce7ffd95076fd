/**
 * One fault test per retry rule, against a loopback server that responds 429 and 503 with each
 * form of retry hint, resets the connection or stalls. Every scenario is bounded: at most a few
 * attempts and about a second of waiting.
 *
 * NOTE: under workerd, each reset scenario makes workerd print "Uncaught (in promise) ... Network
 * connection lost" to its log. A bare `fetch` inside try/catch prints the same line, so it comes
 * from workerd's subrequest handling; no rejection reaches JavaScript, which the tracker checks.
 */

import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AzureKeyCredential, RequestError, RestError, WebPubSubServiceClient, type RetryOptions } from '../../src/index.js';
import { TEST_ACCESS_KEY } from '../fixtures/constants.js';
import type { FaultAttempt } from '../helpers/fault-server.js';
import { trackUnhandledRejections, type RejectionTracker } from '../helpers/unhandled-rejections.js';

const SECOND_KEY = 'c2Vjb25kLWtleS1zZWNvbmQta2V5LXNlY29uZC1rZXk=';
let scenarioCounter = 0;
let rejections: RejectionTracker;

beforeAll(() => {
  rejections = trackUnhandledRejections();
});

afterAll(async () => {
  // Late rejections of abandoned timers or fetches would surface within a few ticks.
  await new Promise((resolve) => setTimeout(resolve, 100));
  rejections.stop();
  expect(rejections.reasons).toEqual([]);
});

interface Scenario {
  client: WebPubSubServiceClient;
  /** The attempts that the fault server saw. */
  attempts(): Promise<FaultAttempt[]>;
}

/**
 * Creates a client of the fault server whose every request follows `script`. Steps are separated
 * by `|`, such as `503;retry-after=1|200`, and the last step repeats.
 */
function scenario(
  script: string,
  options: { retryOptions?: RetryOptions; timeoutInMs?: number; totalTimeoutInMs?: number; credential?: AzureKeyCredential; onAttempt?: () => void } = {},
): Scenario {
  scenarioCounter += 1;
  const id = `${Date.now()}-${scenarioCounter}`;
  const faultUrl = inject('faultUrl');
  const clientOptions = {
    retryOptions: options.retryOptions,
    timeoutInMs: options.timeoutInMs,
    totalTimeoutInMs: options.totalTimeoutInMs,
    fetch: (input: RequestInfo | URL, init?: RequestInit) => {
      options.onAttempt?.();
      const headers = new Headers(init?.headers);
      headers.set('x-fault-id', id);
      headers.set('x-fault-script', script);
      return fetch(input, { ...init, headers });
    },
  };
  const client = options.credential
    ? new WebPubSubServiceClient(faultUrl, options.credential, 'hub1', clientOptions)
    : new WebPubSubServiceClient(`Endpoint=${faultUrl};AccessKey=${TEST_ACCESS_KEY}`, 'hub1', clientOptions);
  return {
    client,
    attempts: async () => (await (await fetch(`${faultUrl}/__faults/${encodeURIComponent(id)}`)).json()) as FaultAttempt[],
  };
}

async function catchError(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

function gaps(attempts: FaultAttempt[]): number[] {
  return attempts.slice(1).map((attempt, index) => attempt.at - attempts[index]!.at);
}

describe('retry policy', () => {
  it('retries a 503 after the Retry-After seconds', async () => {
    const { client, attempts } = scenario('503;retry-after=1|200');
    expect(await client.connectionExists('c1')).toBe(true);

    const seen = await attempts();
    expect(seen).toHaveLength(2);
    expect(gaps(seen)[0]).toBeGreaterThanOrEqual(900);
    expect(gaps(seen)[0]).toBeLessThan(2500);
  });

  it('retries a 429 after the Retry-After HTTP date', async () => {
    // An HTTP date has whole seconds, so the wait is 1 to 2 seconds from now.
    const date = new Date(Date.now() + 2000).toUTCString();
    const { client, attempts } = scenario(`429;retry-after=${date}|200`);
    expect(await client.userExists('u1')).toBe(true);

    const seen = await attempts();
    expect(seen).toHaveLength(2);
    expect(gaps(seen)[0]).toBeGreaterThanOrEqual(800);
    expect(gaps(seen)[0]).toBeLessThan(2500);
  });

  it('retries a 429 after retry-after-ms', async () => {
    const { client, attempts } = scenario('429;retry-after-ms=300|200');
    await client.group('g1').addUser('u1');

    const seen = await attempts();
    expect(seen).toHaveLength(2);
    expect(gaps(seen)[0]).toBeGreaterThanOrEqual(280);
    expect(gaps(seen)[0]).toBeLessThan(1500);
  });

  it('retries a 503 after x-ms-retry-after-ms', async () => {
    const { client, attempts } = scenario('503;x-ms-retry-after-ms=250|204');
    await client.closeConnection('c1');

    const seen = await attempts();
    expect(seen).toHaveLength(2);
    expect(gaps(seen)[0]).toBeGreaterThanOrEqual(230);
    expect(gaps(seen)[0]).toBeLessThan(1500);
  });

  it('caps a long Retry-After at maxRetryDelayInMs', async () => {
    const { client, attempts } = scenario('503;retry-after=30|200', { retryOptions: { maxRetryDelayInMs: 100 } });
    expect(await client.groupExists('g1')).toBe(true);

    const seen = await attempts();
    expect(seen).toHaveLength(2);
    expect(gaps(seen)[0]).toBeLessThan(1000);
  });

  it('backs off exponentially with jitter when the server gives no delay', async () => {
    const { client, attempts } = scenario('500|502|504|200', { retryOptions: { retryDelayInMs: 100 } });
    expect(await client.groupExists('g1')).toBe(true);

    const [first, second, third] = gaps(await attempts());
    // Retry n waits between half and all of 100 ms * 2^(n-1).
    expect(first).toBeGreaterThanOrEqual(45);
    expect(first).toBeLessThan(100 + 400);
    expect(second).toBeGreaterThanOrEqual(95);
    expect(second).toBeLessThan(200 + 400);
    expect(third).toBeGreaterThanOrEqual(195);
    expect(third).toBeLessThan(400 + 400);
  });

  for (const status of [408, 429, 500, 502, 503, 504]) {
    it(`retries status ${status}`, async () => {
      const { client, attempts } = scenario(`${status}|200`, { retryOptions: { retryDelayInMs: 10 } });
      expect(await client.connectionExists('c1')).toBe(true);
      expect(await attempts()).toHaveLength(2);
    });
  }

  for (const status of [400, 401, 403, 404, 409, 413, 501]) {
    it(`does not retry status ${status}`, async () => {
      const { client, attempts } = scenario(`${status}|200`, { retryOptions: { retryDelayInMs: 10 } });
      const error = await catchError(client.closeAllConnections());
      expect(error).toBeInstanceOf(RestError);
      expect((error as RestError).status).toBe(status);
      expect(await attempts()).toHaveLength(1);
    });
  }

  it('throws the last error once retries are exhausted', async () => {
    const { client, attempts } = scenario('503;retry-after-ms=10;x-ms-error-code=ServiceBusy', { retryOptions: { maxRetries: 2 } });
    const error = (await catchError(client.closeAllConnections())) as RestError;
    expect(error).toBeInstanceOf(RestError);
    expect(error.status).toBe(503);
    expect(error.details?.code).toBe('ServiceBusy');
    expect(await attempts()).toHaveLength(3);
  });

  it('sends once with maxRetries 0', async () => {
    const { client, attempts } = scenario('503;retry-after-ms=10|202', { retryOptions: { maxRetries: 0 } });
    const error = await catchError(client.sendToAll('x'));
    expect((error as RestError).status).toBe(503);
    expect(await attempts()).toHaveLength(1);
  });

  it('retries an idempotent operation after a connection reset', async () => {
    const { client, attempts } = scenario('reset|200', { retryOptions: { retryDelayInMs: 10 } });
    expect(await client.connectionExists('c1')).toBe(true);
    expect(await attempts()).toHaveLength(2);
  });

  it('does not retry a send after a connection reset by default', async () => {
    const { client, attempts } = scenario('reset|202', { retryOptions: { retryDelayInMs: 10 } });
    const error = await catchError(client.sendToAll({ a: 1 }));
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).code).toBe('NETWORK_ERROR');
    expect(await attempts()).toHaveLength(1);
  });

  it('retries a send after a connection reset when allowed', async () => {
    const { client, attempts } = scenario('reset|202', { retryOptions: { retryDelayInMs: 10, retrySendsOnNetworkError: true } });
    await client.sendToUser('u1', 'hello', { contentType: 'text/plain' });
    expect(await attempts()).toHaveLength(2);
  });

  it('times out a stalled attempt and retries it', async () => {
    const { client, attempts } = scenario('stall|200', { timeoutInMs: 300, retryOptions: { retryDelayInMs: 10 } });
    const startedAt = Date.now();
    expect(await client.userExists('u1')).toBe(true);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(280);
    expect(await attempts()).toHaveLength(2);
  });

  it('reports TIMEOUT when every attempt stalls', async () => {
    const { client, attempts } = scenario('stall', { timeoutInMs: 200, retryOptions: { maxRetries: 1, retryDelayInMs: 10 } });
    const error = await catchError(client.removeUserFromAllGroups('u1'));
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).code).toBe('TIMEOUT');
    expect(await attempts()).toHaveLength(2);
  });

  it('stops at the overall deadline instead of waiting past it', async () => {
    const { client, attempts } = scenario('503;retry-after=5|200', { totalTimeoutInMs: 1000 });
    const startedAt = Date.now();
    const error = await catchError(client.groupExists('g1'));
    expect((error as RestError).status).toBe(503);
    expect(Date.now() - startedAt).toBeLessThan(900);
    expect(await attempts()).toHaveLength(1);
  });

  it('ends a stalled call at the overall deadline with TIMEOUT', async () => {
    const { client } = scenario('stall', { timeoutInMs: 0, totalTimeoutInMs: 300 });
    const startedAt = Date.now();
    const error = await catchError(client.hasPermission('c1', 'sendToGroup', { totalTimeoutInMs: 300 }));
    expect((error as RequestError).code).toBe('TIMEOUT');
    expect(Date.now() - startedAt).toBeLessThan(2000);
  });

  it('aborts during the wait before a retry', async () => {
    const { client, attempts } = scenario('503;retry-after=10|200');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('caller gave up')), 150);

    const startedAt = Date.now();
    const error = await catchError(client.connectionExists('c1', { abortSignal: controller.signal }));
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).code).toBe('ABORTED');
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(await attempts()).toHaveLength(1);
  });

  it('aborts a stalled attempt', async () => {
    const { client } = scenario('stall');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const error = await catchError(client.groupExists('g1', { abortSignal: controller.signal }));
    expect((error as RequestError).code).toBe('ABORTED');
  });

  it('signs every attempt again for the URL, with the current key', async () => {
    const credential = new AzureKeyCredential(TEST_ACCESS_KEY);
    let attemptCount = 0;
    // The key rotates once the first attempt is signed and sent, so only a second signature can
    // carry the new key.
    const { client, attempts } = scenario('503;retry-after-ms=10|200', {
      credential,
      onAttempt: () => {
        attemptCount += 1;
        if (attemptCount === 1) credential.update(SECOND_KEY);
      },
    });
    expect(await client.connectionExists('c1')).toBe(true);

    const [first, second] = await attempts();
    const firstToken = first!.authorization!.replace('Bearer ', '');
    const secondToken = second!.authorization!.replace('Bearer ', '');
    const { payload: firstPayload } = await jwtVerify(firstToken, new TextEncoder().encode(TEST_ACCESS_KEY));
    const { payload: secondPayload } = await jwtVerify(secondToken, new TextEncoder().encode(SECOND_KEY));
    expect(firstPayload.aud).toBe(first!.url);
    expect(secondPayload.aud).toBe(second!.url);
  });
});
