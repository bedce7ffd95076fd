/**
 * Runs once in Node before the test projects. It starts the local emulator, a capture server and
 * a fault server on loopback. It records what `@azure/web-pubsub` 1.2.0 (the oracle) sends and
 * mints for the shared tables, so that tests in Node and in workerd can compare this package
 * against it.
 */

import { AzureKeyCredential } from '@azure/core-auth';
import { createDefaultHttpClient, type HttpClient } from '@azure/core-rest-pipeline';
import { WebPubSubServiceClient as OfficialServiceClient } from '@azure/web-pubsub';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import type { TestProject } from 'vitest/node';
import { startEmulator } from '../../emulator/server.js';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';
import { startFaultServer } from '../helpers/fault-server.js';
import {
  ENTRA_TEST_TOKEN,
  PROXIED_SERVICE_ORIGIN,
  REST_OPERATIONS,
  runOperation,
  type CapturedRequest,
  type ClientKind,
  type ServiceClientLike,
} from '../fixtures/rest-operations.js';
import { TOKEN_CASES, type OracleToken } from '../fixtures/token-cases.js';
import { GOLDEN_PAYLOADS, ORACLE_HUB, TEST_ACCESS_KEY, TOKEN_ENDPOINT } from '../fixtures/constants.js';

declare module 'vitest' {
  export interface ProvidedContext {
    emulatorUrl: string;
    emulatorConnectionString: string;
    captureUrl: string;
    faultUrl: string;
    /** What the oracle sent for each row of REST_OPERATIONS: one entry per request. */
    officialRequests: CapturedRequest[][];
    /** What the oracle returned for each row of REST_OPERATIONS. */
    officialResults: unknown[];
    officialTokens: OracleToken[];
    jsonwebtokenVectors: string[];
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const emulator = await startEmulator({ port: 0, log: () => {} });
  const capture = await startCaptureServer();
  const faults = await startFaultServer();
  const teardown = async (): Promise<void> => {
    await faults.close();
    await capture.close();
    await emulator.close();
  };

  try {
    await recordOracle(project, capture);
  } catch (error) {
    await teardown();
    throw error;
  }

  project.provide('emulatorUrl', emulator.url);
  project.provide('emulatorConnectionString', emulator.connectionString);
  project.provide('captureUrl', capture.url);
  project.provide('faultUrl', faults.url);
  return teardown;
}

/** Run the oracle over the shared tables and provide what it sent, returned and minted. */
async function recordOracle(project: TestProject, capture: CaptureServer): Promise<void> {
  const officialClients = createOfficialClients(capture.url);
  const officialRequests: CapturedRequest[][] = [];
  const officialResults: unknown[] = [];
  for (const operation of REST_OPERATIONS) {
    const result = await runOperation(officialClients[operation.client ?? 'key'], operation, true);
    officialResults.push(result === undefined ? null : result);
    officialRequests.push(capture.requests.splice(0));
  }

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
  project.provide('officialRequests', officialRequests);
  project.provide('officialResults', officialResults);
  project.provide('officialTokens', officialTokens);
}

/** Creates the oracle in the three setups of the table, each pointed at the capture server. */
function createOfficialClients(captureUrl: string): Record<ClientKind, ServiceClientLike> {
  const noRetries = { retryOptions: { maxRetries: 0 } };
  const key = new OfficialServiceClient(`Endpoint=${captureUrl};AccessKey=${TEST_ACCESS_KEY};Version=1.0;`, ORACLE_HUB, {
    ...noRetries,
    allowInsecureConnection: true,
  });

  // core-rest-pipeline refuses bearer tokens over http, so the Entra ID client gets an https
  // endpoint and an HTTP client that sends its requests to the http capture server.
  const entraCredential = { getToken: async () => ({ token: ENTRA_TEST_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const entra = new OfficialServiceClient(captureUrl.replace(/^http:/, 'https:'), entraCredential, ORACLE_HUB, {
    ...noRetries,
    httpClient: toPlainHttp(createDefaultHttpClient()),
  });

  const proxy = new OfficialServiceClient(PROXIED_SERVICE_ORIGIN, new AzureKeyCredential(TEST_ACCESS_KEY), ORACLE_HUB, {
    ...noRetries,
    allowInsecureConnection: true,
    reverseProxyEndpoint: captureUrl,
  });

  return { key: withServiceStatus(key), entra: withServiceStatus(entra), proxy: withServiceStatus(proxy) };
}

function toPlainHttp(inner: HttpClient): HttpClient {
  return {
    sendRequest: (request) => {
      request.url = request.url.replace(/^https:/, 'http:');
      request.allowInsecureConnection = true;
      return inner.sendRequest(request);
    },
  };
}

/**
 * `@azure/web-pubsub` 1.2.0 has `HEAD /api/health` only in its generated layer, behind the
 * private `client` field; this adds it as `getServiceStatus()`.
 */
function withServiceStatus(official: OfficialServiceClient): ServiceClientLike {
  const generated = (official as unknown as { client: { healthApi: { getServiceStatus(): Promise<void> } } }).client;
  return new Proxy(official as unknown as ServiceClientLike, {
    get(target, property, receiver) {
      if (property === 'getServiceStatus') return () => generated.healthApi.getServiceStatus().then(() => true);
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
