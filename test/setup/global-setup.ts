/**
 * Runs once in Node before the test projects: starts the local emulator and a capture server on
 * loopback, and records what `@azure/web-pubsub` 1.2.0 (the oracle) sends and mints for the
 * shared tables, so that tests in Node and in workerd can compare this package against it.
 */

import { WebPubSubServiceClient as OfficialServiceClient } from '@azure/web-pubsub';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import type { TestProject } from 'vitest/node';
import { startEmulator } from '../../emulator/server.js';
import { startCaptureServer } from '../helpers/capture-server.js';
import { REST_OPERATIONS, runOperation, type CapturedRequest, type SendingClient } from '../fixtures/rest-operations.js';
import { TOKEN_CASES, type OracleToken } from '../fixtures/token-cases.js';
import { GOLDEN_PAYLOADS, ORACLE_HUB, TEST_ACCESS_KEY, TOKEN_ENDPOINT } from '../fixtures/constants.js';

declare module 'vitest' {
  export interface ProvidedContext {
    emulatorUrl: string;
    emulatorConnectionString: string;
    captureUrl: string;
    officialRequests: CapturedRequest[];
    officialTokens: OracleToken[];
    jsonwebtokenVectors: string[];
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const emulator = await startEmulator({ port: 0, log: () => {} });
  const capture = await startCaptureServer();

  const officialRest = new OfficialServiceClient(
    `Endpoint=${capture.url};AccessKey=${TEST_ACCESS_KEY};Version=1.0;`,
    ORACLE_HUB,
    { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } },
  );
  for (const operation of REST_OPERATIONS) {
    await runOperation(officialRest as unknown as SendingClient, operation);
  }
  const officialRequests = capture.requests.splice(0);

  const officialTokenClient = new OfficialServiceClient(`Endpoint=${TOKEN_ENDPOINT};AccessKey=${TEST_ACCESS_KEY};`, ORACLE_HUB);
  const officialTokens: OracleToken[] = [];
  for (const { name, options } of TOKEN_CASES) {
    const response = await officialTokenClient.getClientAccessToken(options);
    officialTokens.push({
      name,
      header: decodeProtectedHeader(response.token) as Record<string, unknown>,
      claims: decodeJwt(response.token) as Record<string, unknown>,
      baseUrl: response.baseUrl,
      urlWithoutToken: response.url.replace(response.token, '<token>'),
    });
  }

  // jsonwebtoken 9 (the official SDK's signer) over fixed payloads: exact compact tokens.
  const jsonwebtokenVectors = GOLDEN_PAYLOADS.map((payload) =>
    // noTimestamp keeps jsonwebtoken from adding iat, and also drops an iat the payload has.
    jsonwebtoken.sign(payload, TEST_ACCESS_KEY, { algorithm: 'HS256', noTimestamp: !('iat' in payload) }),
  );

  project.provide('jsonwebtokenVectors', jsonwebtokenVectors);
  project.provide('emulatorUrl', emulator.url);
  project.provide('emulatorConnectionString', emulator.connectionString);
  project.provide('captureUrl', capture.url);
  project.provide('officialRequests', officialRequests);
  project.provide('officialTokens', officialTokens);

  return async () => {
    await capture.close();
    await emulator.close();
  };
}
