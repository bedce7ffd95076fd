/**
 * A loopback webhook for the emulator's upstream tests: it records every request and responds
 * with what the test's responder returns. It also recomputes `ce-signature` values with
 * `crypto.subtle`, independently of the emulator's `node:crypto` code.
 */

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Time to wait before responding, in milliseconds. */
  delayMs?: number;
}

export type Responder = (request: RecordedRequest) => Reply;

/** Allows every origin and responds to every event with 204. */
export const allowAll: Responder = (request) =>
  request.method === 'OPTIONS' ? { status: 200, headers: { 'WebHook-Allowed-Origin': '*' } } : { status: 204 };

/** Pass the abuse-protection request and respond to events with `reply`. */
export function answerEvents(reply: Responder): Responder {
  return (request) => (request.method === 'OPTIONS' ? allowAll(request) : reply(request));
}

export interface Webhook {
  url: string;
  requests: RecordedRequest[];
  /** The POST requests, that is the events without the abuse-protection requests. */
  events(): RecordedRequest[];
  respond: Responder;
  close(): Promise<void>;
}

/** Starts a webhook on a free loopback port. */
export async function startWebhook(respond: Responder = allowAll): Promise<Webhook> {
  let server: Server | undefined;
  const webhook: Webhook = {
    url: '',
    requests: [],
    events: () => webhook.requests.filter((request) => request.method === 'POST'),
    respond,
    close: () => new Promise((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };

  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) };
      webhook.requests.push(recorded);
      const reply = webhook.respond(recorded);
      setTimeout(() => {
        response.writeHead(reply.status, reply.headers);
        response.end(reply.body);
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  webhook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return webhook;
}

/** Computes one `ce-signature` entry: `sha256=` and the hex HMAC-SHA256 of the connection id. */
export async function expectedSignature(key: string, connectionId: string): Promise<string> {
  const encoder = new TextEncoder();
  const cryptoKey = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(connectionId)));
  return `sha256=${[...mac].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}
