/**
 * A loopback HTTP server that misbehaves on request, for retry tests in Node and workerd alike.
 *
 * Each request names its scenario with `x-fault-id` and lists what each attempt gets in
 * `x-fault-script`: steps separated by `|`, the last one repeating. A step is
 * - a status with optional response headers, `503;retry-after=1;x-ms-error-code=Busy`;
 * - `reset`, which destroys the TCP connection without a response;
 * - `stall`, which never responds (the socket is destroyed after 10 s or when the server closes).
 *
 * `GET /__faults/<id>` returns the attempts seen for a scenario: time, method, URL as received
 * and `Authorization` header.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One attempt as the fault server saw it. */
export interface FaultAttempt {
  /** `Date.now()` when the request arrived. */
  at: number;
  method: string;
  url: string;
  authorization: string | null;
}

export interface FaultServer {
  url: string;
  close(): Promise<void>;
}

const STALL_LIMIT_MS = 10_000;

export async function startFaultServer(): Promise<FaultServer> {
  const attempts = new Map<string, FaultAttempt[]>();
  const sockets = new Set<Socket>();

  const server = createServer((request, response) => {
    request.resume();
    const path = request.url ?? '/';
    if (request.method === 'GET' && path.startsWith('/__faults/')) {
      const id = decodeURIComponent(path.slice('/__faults/'.length));
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(attempts.get(id) ?? []));
      return;
    }

    const id = String(request.headers['x-fault-id'] ?? 'unnamed');
    const seen = attempts.get(id) ?? [];
    attempts.set(id, seen);
    seen.push({
      at: Date.now(),
      method: request.method ?? '',
      url: `http://${request.headers.host}${path}`,
      authorization: request.headers.authorization ?? null,
    });

    const steps = String(request.headers['x-fault-script'] ?? '200').split('|');
    const step = steps[Math.min(seen.length, steps.length) - 1] ?? '200';
    answer(step, request, response);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function answer(step: string, request: IncomingMessage, response: ServerResponse): void {
  if (step === 'reset') {
    request.socket.destroy();
    return;
  }
  if (step === 'stall') {
    const timer = setTimeout(() => request.socket.destroy(), STALL_LIMIT_MS);
    request.socket.once('close', () => clearTimeout(timer));
    return;
  }

  const [status, ...headerParts] = step.split(';');
  const headers: Record<string, string> = { 'x-ms-request-id': 'fault-request-id' };
  for (const part of headerParts) {
    const separator = part.indexOf('=');
    headers[part.slice(0, separator)] = part.slice(separator + 1);
  }
  response.writeHead(Number(status), headers);
  response.end();
}
