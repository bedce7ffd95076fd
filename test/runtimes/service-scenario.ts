/**
 * Scenarios shared by the runtime tests, using only the package's public API and web-standard
 * globals. The service scenario builds a client from a connection string, mints a token, sends
 * through the REST API to a live emulator, and checks existence. The handler scenario feeds
 * signed and forged CloudEvents requests to a `WebPubSubEventHandler`.
 */
import { EventHandlerError, WebPubSubEventHandler, WebPubSubServiceClient } from '../../src/index.js';

export interface ServiceScenarioResult {
  tokenParts: number;
  baseUrl: string;
  sentToAll: boolean;
  sentToGroup: boolean;
  unknownConnectionExists: boolean;
  serviceStatus: boolean;
}

export async function runServiceScenario(connectionString: string): Promise<ServiceScenarioResult> {
  const client = new WebPubSubServiceClient(connectionString, 'runtimes');
  const { token, baseUrl } = await client.getClientAccessToken({ userId: 'runtime-user', groups: ['g'] });
  await client.sendToAll({ from: 'runtime' });
  await client.group('g').sendToAll('text', { contentType: 'text/plain' });
  return {
    tokenParts: token.split('.').length,
    baseUrl,
    sentToAll: true,
    sentToGroup: true,
    unknownConnectionExists: await client.connectionExists('no-such-connection'),
    serviceStatus: await client.getServiceStatus(),
  };
}

export interface HandlerScenarioResult {
  validationStatus: number;
  allowedOrigin: string | null;
  connectStatus: number;
  connectBody: unknown;
  forgedStatus: number;
  userEventStatus: number;
  userEventBody: string;
  rejectedStatus: number;
}

const KEY = 'runtime-test-access-key';

async function signatureOf(connectionId: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', encoder.encode(KEY), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(connectionId)));
  return `sha256=${[...mac].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

async function eventRequest(type: string, body: string, contentType: string, signature: string | null, userId = 'u1'): Promise<Request> {
  const headers = new Headers({
    'content-type': contentType,
    'ce-specversion': '1.0',
    'ce-type': type,
    'ce-source': '/hubs/chat/client/c1',
    'ce-id': '1',
    'ce-time': new Date().toISOString(),
    'ce-awpsversion': '1.0',
    'ce-hub': 'chat',
    'ce-connectionId': 'c1',
    'ce-userId': userId,
    'ce-eventName': type.split('.').at(-1)!,
    'webhook-request-origin': 'demo.webpubsub.azure.com',
  });
  if (signature !== null) headers.set('ce-signature', signature);
  return new Request('http://handler/eventhandler', { method: 'POST', headers, body });
}

export async function runHandlerScenario(): Promise<HandlerScenarioResult> {
  const handler = new WebPubSubEventHandler('chat', {
    path: '/eventhandler',
    accessKeys: [KEY],
    allowedEndpoints: ['https://demo.webpubsub.azure.com'],
    handleConnect: (request) => {
      if (request.queries?.deny) throw new EventHandlerError(401, 'denied');
      return { userId: 'from-handler', groups: ['g'] };
    },
    handleUserEvent: (request) => {
      if (request.data === 'reject') throw new EventHandlerError(400, 'rejected');
      return { data: `echo:${String(request.data)}`, dataType: 'text' };
    },
  });
  const signature = await signatureOf('c1');

  const validation = (await handler.handle(
    new Request('http://handler/eventhandler', { method: 'OPTIONS', headers: { 'webhook-request-origin': 'evil.example, demo.webpubsub.azure.com' } }),
  ))!;
  const connect = (await handler.handle(await eventRequest('azure.webpubsub.sys.connect', '{"claims":{},"query":{}}', 'application/json', signature)))!;
  const forged = (await handler.handle(await eventRequest('azure.webpubsub.user.message', 'hi', 'text/plain', null, 'admin')))!;
  const userEvent = (await handler.handle(await eventRequest('azure.webpubsub.user.message', 'hi', 'text/plain', signature)))!;
  const rejected = (await handler.handle(await eventRequest('azure.webpubsub.user.message', 'reject', 'text/plain', signature)))!;

  return {
    validationStatus: validation.status,
    allowedOrigin: validation.headers.get('webhook-allowed-origin'),
    connectStatus: connect.status,
    connectBody: await connect.json(),
    forgedStatus: forged.status,
    userEventStatus: userEvent.status,
    userEventBody: await userEvent.text(),
    rejectedStatus: rejected.status,
  };
}
