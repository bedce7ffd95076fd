/**
 * The Microsoft Entra ID path end to end on loopback. `ClientSecretCredential` gets tokens from a
 * local token endpoint, and the emulator accepts them through its `entraIssuer` option. Client
 * access tokens come from the emulator's `:generateToken`, which signs them with its access key.
 */

import { createDefaultHttpClient } from '@azure/core-rest-pipeline';
import { WebPubSubServiceClient as OfficialServiceClient } from '@azure/web-pubsub';
import { decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../emulator/server.js';
import { ClientSecretCredential, RestError, WebPubSubServiceClient, type GenerateClientTokenOptions } from '../../src/index.js';
import { JSON_SUBPROTOCOL, TestClient, uniqueHub } from '../emulator/helpers.js';
import { startTokenEndpoint, type TokenEndpoint } from '../helpers/token-endpoint.js';

const APP = { tenantId: 'contoso.onmicrosoft.com', clientId: '11111111-2222-4333-8444-555555555555', clientSecret: 'S3cr3t~value.for-tests' };

let tokenEndpoint: TokenEndpoint;
let emulator: Emulator;
const sockets: TestClient[] = [];

beforeAll(async () => {
  tokenEndpoint = await startTokenEndpoint(APP);
  emulator = await startEmulator({
    port: 0,
    log: () => {},
    entraIssuer: { jwksOrSecret: tokenEndpoint.jwks, audience: 'https://webpubsub.azure.com', issuer: tokenEndpoint.issuer },
  });
});

afterAll(async () => {
  sockets.forEach((socket) => socket.close());
  await emulator.close();
  await tokenEndpoint.close();
});

function credential(secret = APP.clientSecret): ClientSecretCredential {
  return new ClientSecretCredential(APP.tenantId, APP.clientId, secret, { authorityHost: tokenEndpoint.url });
}

/** Creates an Entra ID client of the emulator whose fetch records each URL. */
function entraClient(hub: string, urls: string[] = []): WebPubSubServiceClient {
  return new WebPubSubServiceClient(emulator.url, credential(), hub, {
    fetch: (input, init) => {
      urls.push(String(input));
      return fetch(input, init);
    },
  });
}

async function claimsVerifiedByEmulatorKey(token: string): Promise<Record<string, unknown>> {
  const { payload } = await jwtVerify(token, new TextEncoder().encode(emulator.accessKeys[0]), { algorithms: ['HS256'] });
  return payload;
}

describe('Microsoft Entra ID', () => {
  it('authenticates REST operations with a client secret and one token request', async () => {
    const hub = uniqueHub('Entra');
    const before = tokenEndpoint.requests.length;
    const client = entraClient(hub);

    await client.sendToAll({ hello: 'entra' });
    expect(await client.connectionExists('none')).toBe(false);
    await client.closeAllConnections({ reason: 'r' });
    expect(await client.getServiceStatus()).toBe(true);

    const requests = tokenEndpoint.requests.slice(before);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ grant_type: 'client_credentials', client_id: APP.clientId, scope: 'https://webpubsub.azure.com/.default' });
  });

  it('issues client tokens whose claims match the key-signed ones', async () => {
    const hub = uniqueHub('Entra');
    const urls: string[] = [];
    const viaEntra = entraClient(hub, urls);
    const viaKey = new WebPubSubServiceClient(emulator.connectionString, hub);
    const options: GenerateClientTokenOptions = {
      userId: 'u1',
      roles: ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup.g1'],
      groups: ['g1', 'g 2'],
      expirationTimeInMinutes: 30,
    };

    const fromService = await viaEntra.getClientAccessToken(options);
    const local = await viaKey.getClientAccessToken(options);

    // The :generateToken call repeats role= and group= once per value.
    const query = new URL(urls.find((url) => url.includes(':generateToken'))!).searchParams;
    expect(query.getAll('group')).toEqual(['g1', 'g 2']);
    expect(query.getAll('role')).toEqual(options.roles);
    expect(query.get('minutesToExpire')).toBe('30');

    const serviceClaims = await claimsVerifiedByEmulatorKey(fromService.token);
    const localClaims = await claimsVerifiedByEmulatorKey(local.token);
    const { iat, exp, ...serviceRest } = serviceClaims as { iat: number; exp: number };
    const { iat: localIat, exp: localExp, ...localRest } = localClaims as { iat: number; exp: number };
    expect(serviceRest).toEqual(localRest);
    expect(serviceRest).toMatchObject({ sub: 'u1', 'webpubsub.group': ['g1', 'g 2'], role: options.roles });
    expect(exp - iat).toBe(localExp - localIat);
    expect(exp - iat).toBe(1800);
    expect(fromService.baseUrl).toBe(local.baseUrl);
    expect(fromService.url).toBe(`${fromService.baseUrl}?access_token=${fromService.token}`);

    // A client with the service-issued token connects and is in the groups at once.
    const { client: socket, connected } = await TestClient.connectWithSubprotocol(fromService.url, JSON_SUBPROTOCOL);
    sockets.push(socket);
    const info = emulator.hooks.connections(hub).find((connection) => connection.connectionId === connected.connectionId);
    expect(info?.groups.sort()).toEqual(['g 2', 'g1']);
    expect(info?.userId).toBe('u1');
  });

  it('issues MQTT client tokens for the MQTT endpoint', async () => {
    const hub = uniqueHub('Entra');
    const fromService = await entraClient(hub).getClientAccessToken({ userId: 'device1', clientProtocol: 'mqtt' });
    const local = await new WebPubSubServiceClient(emulator.connectionString, hub).getClientAccessToken({ userId: 'device1', clientProtocol: 'mqtt' });

    expect((await claimsVerifiedByEmulatorKey(fromService.token)).aud).toBe(decodeJwt(local.token).aud);
    expect(fromService.baseUrl).toBe(`${emulator.url.replace('http', 'ws')}/clients/mqtt/hubs/${hub}`);
  });

  it('gets the same claims from the emulator as @azure/web-pubsub with a TokenCredential', async () => {
    const hub = uniqueHub('Entra');
    const options = { userId: 'u2', roles: ['webpubsub.sendToGroup'], groups: ['g9'], expirationTimeInMinutes: 10 };
    // core-rest-pipeline refuses bearer tokens over http, so the oracle gets an https endpoint
    // and an HTTP client that sends to the http emulator.
    const inner = createDefaultHttpClient();
    const official = new OfficialServiceClient(emulator.url.replace('http:', 'https:'), credential(), hub, {
      httpClient: {
        sendRequest: (request) => {
          request.url = request.url.replace(/^https:/, 'http:');
          request.allowInsecureConnection = true;
          return inner.sendRequest(request);
        },
      },
    });

    const theirs = await claimsVerifiedByEmulatorKey((await official.getClientAccessToken(options)).token);
    const ours = await claimsVerifiedByEmulatorKey((await entraClient(hub).getClientAccessToken(options)).token);
    const { iat: _theirIat, exp: _theirExp, ...theirRest } = theirs;
    const { iat: _ourIat, exp: _ourExp, ...ourRest } = ours;
    expect(ourRest).toEqual(theirRest);
  });

  it('reports a wrong client secret without putting it in the error', async () => {
    const wrongSecret = 'wrong-secret-value~123';
    const client = new WebPubSubServiceClient(
      emulator.url,
      new ClientSecretCredential(APP.tenantId, APP.clientId, wrongSecret, { authorityHost: tokenEndpoint.url }),
      uniqueHub('Entra'),
    );

    const error = (await client.sendToAll('x').catch((caught: unknown) => caught)) as RestError;
    expect(error).toBeInstanceOf(RestError);
    expect(error.status).toBe(401);
    expect(error.details?.code).toBe('invalid_client');
    for (const text of [error.message, JSON.stringify(error), String(error.stack)]) {
      expect(text).not.toContain(wrongSecret);
      expect(text).not.toContain(APP.clientSecret);
    }
  });

  it('is rejected by the emulator for a token of another audience', async () => {
    const otherAudience = await tokenEndpoint.sign({ appid: APP.clientId }, 'https://management.azure.com');
    const client = new WebPubSubServiceClient(emulator.url, { getToken: async () => ({ token: otherAudience, expiresOnTimestamp: Date.now() + 3_600_000 }) }, uniqueHub('Entra'));

    const error = (await client.sendToAll('x').catch((caught: unknown) => caught)) as RestError;
    expect(error.status).toBe(401);
    expect(error.message).not.toContain(otherAudience);
  });
});
