import { decodeJwt, jwtVerify } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { WebPubSubServiceClient } from '../../src/index.js';
import { ORACLE_HUB, TEST_ACCESS_KEY } from '../fixtures/constants.js';
import { REST_OPERATIONS, runOperation, type CapturedRequest } from '../fixtures/rest-operations.js';

const secret = new TextEncoder().encode(TEST_ACCESS_KEY);

/** A client whose injected fetch keeps the capture server's record of each request. */
function capturingClient(records: CapturedRequest[]): WebPubSubServiceClient {
  const captureUrl = inject('captureUrl');
  return new WebPubSubServiceClient(`Endpoint=${captureUrl};AccessKey=${TEST_ACCESS_KEY};Version=1.0;`, ORACLE_HUB, {
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      records.push((await response.clone().json()) as CapturedRequest);
      return response;
    },
  });
}

describe('REST requests on the wire', () => {
  const official = inject('officialRequests');

  it('covers every operation of the table', () => {
    expect(official).toHaveLength(REST_OPERATIONS.length);
  });

  REST_OPERATIONS.forEach((operation, index) => {
    it(`match @azure/web-pubsub for ${operation.name}`, async () => {
      const records: CapturedRequest[] = [];
      await runOperation(capturingClient(records), operation);
      expect(records).toHaveLength(1);
      const ours = records[0]!;
      const theirs = official[index]!;

      expect(ours.method).toBe(theirs.method);
      expect(ours.path).toBe(theirs.path);
      expect(ours.query).toEqual(theirs.query);
      expect(ours.contentType).toBe(theirs.contentType);
      expect(ours.bodyBase64).toBe(theirs.bodyBase64);

      // Both bearer tokens verify, and each aud is the URL exactly as received.
      const { payload } = await jwtVerify(ours.authorization!.replace(/^Bearer /, ''), secret, { algorithms: ['HS256'] });
      expect(payload.aud).toBe(ours.url);
      const theirPayload = decodeJwt(theirs.authorization!.replace(/^Bearer /, ''));
      expect(theirPayload.aud).toBe(theirs.url);
      expect(Object.keys(payload).sort()).toEqual(Object.keys(theirPayload).sort());
      expect(payload.exp! - payload.iat!).toBe(theirPayload.exp! - theirPayload.iat!);
    });
  });
});
