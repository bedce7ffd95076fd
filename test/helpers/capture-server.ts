/**
 * A loopback HTTP server that records each request as it arrived on the wire and responds as
 * the service would on success. Sends get 202, closes and deletes 204, and HEAD, PUT,
 * `:addToGroups`, `:removeFromGroups` and `:generateToken` (with a fixed token) get 200. Listing
 * group connections returns two pages. The record travels back in the `x-capture-record`
 * response header (base64url JSON), so that tests in workerd can read it for HEAD and 204
 * responses too.
 *
 * A request with `x-capture-status` gets that status with the `x-capture-body` text instead, so
 * that error mapping can be tested on a real response.
 */

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CapturedRequest } from '../fixtures/rest-operations.js';

/** The token that `:generateToken` returns. */
export const CAPTURE_CLIENT_TOKEN = 'capture-client-token';

export interface CaptureServer {
  url: string;
  requests: CapturedRequest[];
  close(): Promise<void>;
}

export async function startCaptureServer(): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const server: Server = createServer(async (request, response) => {
    const record = await capture(request);
    requests.push(record);
    response.setHeader('x-capture-record', Buffer.from(JSON.stringify(record)).toString('base64url'));
    response.setHeader('x-ms-request-id', 'capture-request-id');

    const status = request.headers['x-capture-status'];
    if (typeof status === 'string') {
      response.writeHead(Number(status), { 'content-type': String(request.headers['x-capture-content-type'] ?? 'text/plain') });
      response.end(String(request.headers['x-capture-body'] ?? ''));
      return;
    }

    const answer = successFor(record, request.headers.host ?? '');
    if (answer.body === undefined) {
      response.writeHead(answer.status).end();
      return;
    }
    response.writeHead(answer.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Reads the record from a response of the capture server. */
export function readCaptureRecord(response: Response): CapturedRequest {
  const header = response.headers.get('x-capture-record');
  if (header === null) throw new Error('The response has no x-capture-record header.');
  const base64 = header.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as CapturedRequest;
}

function successFor(record: CapturedRequest, host: string): { status: number; body?: unknown } {
  const { method, path } = record;
  if (method === 'HEAD') return { status: 200 };
  if (path.endsWith('/:send')) return { status: 202, body: record };
  if (path.endsWith('/:closeConnections') || method === 'DELETE') return { status: 204 };
  if (method === 'PUT' || path.endsWith('/:addToGroups') || path.endsWith('/:removeFromGroups')) return { status: 200 };
  if (path.endsWith('/:generateToken')) return { status: 200, body: { token: CAPTURE_CLIENT_TOKEN } };

  if (method === 'GET' && path.endsWith('/connections')) {
    // Two pages; the second is reached through an absolute nextLink without api-version, like the
    // example of the REST API specification.
    const isSecondPage = record.query.some((entry) => entry.startsWith('continuationToken=page-2'));
    if (isSecondPage) return { status: 200, body: { value: [{ connectionId: 'conn-3' }] } };
    return {
      status: 200,
      body: {
        value: [{ connectionId: 'conn-1', userId: 'user-1' }, { connectionId: 'conn-2' }],
        nextLink: `http://${host}${path}?continuationToken=page-2&maxpagesize=2`,
      },
    };
  }
  return { status: 202, body: record };
}

async function capture(request: IncomingMessage): Promise<CapturedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const target = request.url ?? '/';
  const questionMark = target.indexOf('?');
  return {
    method: request.method ?? '',
    url: `http://${request.headers.host}${target}`,
    path: questionMark === -1 ? target : target.slice(0, questionMark),
    query: questionMark === -1 ? [] : target.slice(questionMark + 1).split('&').sort(),
    contentType: request.headers['content-type'] ?? null,
    bodyBase64: Buffer.concat(chunks).toString('base64'),
    authorization: request.headers.authorization ?? null,
    userAgent: request.headers['user-agent'] ?? null,
    msUserAgent: firstHeader(request.headers['x-ms-useragent']),
  };
}

function firstHeader(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}
