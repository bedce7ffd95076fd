/**
 * The client inside workerd: it connects out to the emulator through the Workers socket factory
 * (a fetch upgrade plus `accept()`), as a Worker or a Durable Object would, and runs the shared
 * scenario.
 */
import { SignJWT } from 'jose';
import { expect, inject, it } from 'vitest';
import * as client from '../../src/client/index.js';
import { EXPECTED_RECEIVED, runClientScenario } from '../runtimes/client-scenario.js';

const HUB = 'workerd';

/** Signs a client access URL with the emulator's access key, as the service SDK would. */
async function accessUrl(claims: Record<string, unknown>): Promise<string> {
  const connectionString = inject('emulatorConnectionString');
  const endpoint = /Endpoint=([^;]+)/.exec(connectionString)?.[1] as string;
  const accessKey = /AccessKey=([^;]+)/.exec(connectionString)?.[1] as string;
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setAudience(`${endpoint}/client/hubs/${HUB}`)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(accessKey));
  return `${endpoint.replace(/^http/, 'ws')}/client/hubs/${HUB}?access_token=${token}`;
}

it('runs the client scenario through the Workers socket factory', async () => {
  const result = await runClientScenario(client, {
    subscriberUrl: await accessUrl({ sub: 'subscriber', 'webpubsub.group': ['g'] }),
    publisherUrl: await accessUrl({ sub: 'publisher', role: ['webpubsub.sendToGroup'] }),
    webSocketFactory: client.createFetchWebSocketFactory(),
  });

  expect(result.connectedUserIds.sort()).toEqual(['publisher', 'subscriber']);
  expect(result.received).toEqual(EXPECTED_RECEIVED);
  expect(result.eventAck.isDuplicated).toBe(false);
  expect(result.stoppedCodes).toEqual([1000, 1000]);
});
