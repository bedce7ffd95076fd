/**
 * A loopback HTTP server that records each request as it arrived on the wire. It answers 202 with
 * the record as JSON, or, when the request carries `x-capture-status`, with that status and the
 * `x-capture-body` text, so that error mapping can be tested on a real response.
 */

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CapturedRequest } from '../fixtures/rest-operations.js';

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
    const status = request.headers['x-capture-status'];
    if (typeof status === 'string') {
      response.writeHead(Number(status), {
        'content-type': String(request.headers['x-capture-content-type'] ?? 'text/plain'),
        'x-ms-request-id': 'capture-request-id',
      });
      response.end(String(request.headers['x-capture-body'] ?? ''));
      return;
    }
    response.writeHead(202, { 'content-type': 'application/json' });
    response.end(JSON.stringify(record));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
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
  };
}
