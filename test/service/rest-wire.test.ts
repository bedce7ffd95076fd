import { decodeJwt, jwtVerify } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { AzureKeyCredential, WebPubSubServiceClient } from '../../src/index.js';
import { PACKAGE_VERSION } from '../../src/internal/version.js';
import { ORACLE_HUB, TEST_ACCESS_KEY } from '../fixtures/constants.js';
import {
  ENTRA_TEST_TOKEN,
  PROXIED_SERVICE_ORIGIN,
  REST_OPERATIONS,
  runOperation,
  type CapturedRequest,
  type ClientKind,
  type ServiceClientLike,
} from '../fixtures/rest-operations.js';
import { readCaptureRecord } from '../helpers/capture-server.js';

const secret = new TextEncoder().encode(TEST_ACCESS_KEY);

/** Our client in one of the table's setups; its fetch keeps the capture server's record of each request. */
function capturingClient(kind: ClientKind, records: CapturedRequest[]): WebPubSubServiceClient {
  const captureUrl = inject('captureUrl');
  const options = {
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await fetch(input, init);
      records.push(readCaptureRecord(response));
      return response;
    },
    retryOptions: { maxRetries: 0 },
  };

  switch (kind) {
    case 'key':
      return new WebPubSubServiceClient(`Endpoint=${captureUrl};AccessKey=${TEST_ACCESS_KEY};Version=1.0;`, ORACLE_HUB, options);
    case 'entra': {
      const credential = { getToken: async () => ({ token: ENTRA_TEST_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) };
      return new WebPubSubServiceClient(captureUrl, credential, ORACLE_HUB, options);
    }
    case 'proxy':
      return new WebPubSubServiceClient(PROXIED_SERVICE_ORIGIN, new AzureKeyCredential(TEST_ACCESS_KEY), ORACLE_HUB, {
        ...options,
        allowInsecureConnection: true,
        reverseProxyEndpoint: captureUrl,
      });
  }
}

/** The URL that a request's token must name: as received, or on the service host behind a proxy. */
function expectedAudience(kind: ClientKind, request: CapturedRequest): string {
  if (kind !== 'proxy') return request.url;
  const url = new URL(request.url);
  return `${PROXIED_SERVICE_ORIGIN}${url.pathname}${url.search}`;
}

/** Results compare as JSON; client URLs compare without their scheme, which differs for Entra ID. */
function comparable(result: unknown): unknown {
  if (result === undefined || result === null) return null;
  if (typeof result === 'object' && result !== null && 'baseUrl' in result) {
    const { token, baseUrl, url } = result as { token: string; baseUrl: string; url: string };
    return { token, baseUrl: baseUrl.replace(/^wss?:/, ''), url: url.replace(/^wss?:/, '') };
  }
  return result;
}

describe('REST requests on the wire', () => {
  const officialRequests = inject('officialRequests');
  const officialResults = inject('officialResults');

  it('covers every operation of the table', () => {
    expect(officialRequests).toHaveLength(REST_OPERATIONS.length);
    const calls = new Set(REST_OPERATIONS.map((operation) => operation.call));
    expect(calls.size).toBe(25);
  });

  REST_OPERATIONS.forEach((operation, index) => {
    it(`matches @azure/web-pubsub for ${operation.name}`, async () => {
      const kind = operation.client ?? 'key';
      const records: CapturedRequest[] = [];
      const result = await runOperation(capturingClient(kind, records) as unknown as ServiceClientLike, operation);
      const theirRequests = officialRequests[index]!;

      expect(comparable(result)).toEqual(comparable(officialResults[index]));
      expect(records.length).toBeGreaterThan(0);
      expect(records).toHaveLength(theirRequests.length);

      for (const [requestIndex, ours] of records.entries()) {
        const theirs = theirRequests[requestIndex]!;
        expect(ours.method).toBe(theirs.method);
        expect(ours.path).toBe(theirs.path);
        expect(ours.query).toEqual(theirs.query);
        expect(ours.contentType).toBe(theirs.contentType);
        expect(ours.bodyBase64).toBe(theirs.bodyBase64);
        expect(ours.userAgent).toBe(`webpubsub-edge/${PACKAGE_VERSION}`);
        expect(ours.msUserAgent).toBe(`webpubsub-edge/${PACKAGE_VERSION}`);

        if (kind === 'entra') {
          expect(ours.authorization).toBe(`Bearer ${ENTRA_TEST_TOKEN}`);
          expect(theirs.authorization).toBe(`Bearer ${ENTRA_TEST_TOKEN}`);
          continue;
        }

        // Both bearer tokens verify, and each aud is the URL as sent (before a proxy rewrite).
        const { payload } = await jwtVerify(ours.authorization!.replace(/^Bearer /, ''), secret, { algorithms: ['HS256'] });
        const { payload: theirPayload } = await jwtVerify(theirs.authorization!.replace(/^Bearer /, ''), secret, { algorithms: ['HS256'] });
        expect(payload.aud).toBe(expectedAudience(kind, ours));
        expect(theirPayload.aud).toBe(expectedAudience(kind, theirs));
        expect(Object.keys(payload).sort()).toEqual(Object.keys(decodeJwt(theirs.authorization!.replace(/^Bearer /, ''))).sort());
        expect(payload.exp! - payload.iat!).toBe(theirPayload.exp! - theirPayload.iat!);
      }
    });
  });
});
