/**
 * Helpers for the emulator tests: tokens signed with jose, REST calls with fetch and
 * WebSocket clients from `ws` that queue what they receive.
 */
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import type { LogEntry } from '../../emulator/log.js';
import { startEmulator, type Emulator } from '../../emulator/server.js';

export const JSON_SUBPROTOCOL = 'json.webpubsub.azure.v1';
export const RELIABLE_SUBPROTOCOL = 'json.reliable.webpubsub.azure.v1';

const DEFAULT_WAIT_MS = 3000;

/** Starts an emulator on a free port whose log entries are kept in `logs`. */
export async function startTestEmulator(): Promise<{ emulator: Emulator; logs: LogEntry[] }> {
  const logs: LogEntry[] = [];
  const emulator = await startEmulator({ port: 0, log: (entry) => logs.push(entry) });
  return { emulator, logs };
}

export interface TokenOptions {
  key: string;
  audience?: string | string[];
  /** Seconds since the epoch; default one hour from now. */
  expiresAt?: number;
  /** Leave out the `exp` claim. */
  withoutExpiry?: boolean;
  claims?: Record<string, unknown>;
}

/** Signs an HS256 token with the UTF-8 bytes of the key string, as the official SDKs do. */
export async function signToken(options: TokenOptions): Promise<string> {
  const jwt = new SignJWT(options.claims ?? {}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();

  if (options.audience !== undefined) {
    jwt.setAudience(options.audience);
  }

  if (!options.withoutExpiry) {
    jwt.setExpirationTime(options.expiresAt ?? Math.floor(Date.now() / 1000) + 3600);
  }

  return jwt.sign(new TextEncoder().encode(options.key));
}

/** Client token for `hub` whose audience is the emulator's http URL unless given. */
export async function clientToken(
  emulator: Emulator,
  hub: string,
  options: Partial<TokenOptions> & { userId?: string; roles?: string[]; groups?: string[] } = {},
): Promise<string> {
  const claims: Record<string, unknown> = { ...options.claims };
  if (options.userId !== undefined) claims.sub = options.userId;
  if (options.roles !== undefined) claims.role = options.roles;
  if (options.groups !== undefined) claims['webpubsub.group'] = options.groups;

  return signToken({
    key: options.key ?? emulator.accessKeys[0],
    audience: options.audience ?? `${emulator.url}/client/hubs/${hub}`,
    expiresAt: options.expiresAt,
    withoutExpiry: options.withoutExpiry,
    claims,
  });
}

export function clientUrl(emulator: Emulator, hub: string, token: string): string {
  return `${emulator.url.replace(/^http/, 'ws')}/client/hubs/${hub}?access_token=${token}`;
}

export interface RestOptions {
  method?: string;
  /** Token to send; default is a valid token for the exact URL. Null sends no header. */
  token?: string | null;
  contentType?: string;
  body?: string | Uint8Array;
}

/** Calls the REST API. `pathAndQuery` is appended to the emulator URL as given. */
export async function rest(emulator: Emulator, pathAndQuery: string, options: RestOptions = {}): Promise<Response> {
  const url = new URL(`${emulator.url}${pathAndQuery}`).href;
  const token = options.token === undefined ? await signToken({ key: emulator.accessKeys[0], audience: url }) : options.token;

  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.contentType !== undefined) headers['content-type'] = options.contentType;

  return fetch(url, { method: options.method ?? 'POST', headers, body: options.body });
}

export interface ReceivedFrame {
  data: string | Buffer;
  isBinary: boolean;
}

/** A `ws` client that queues every frame it receives. */
export class TestClient {
  readonly socket: WebSocket;
  private readonly frames: ReceivedFrame[] = [];
  private readonly waiters: Array<() => void> = [];

  private readonly closeEvent: Promise<{ code: number; reason: string }>;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    this.closeEvent = new Promise((resolve) => {
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    socket.on('message', (data, isBinary) => {
      const buffer = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
      this.frames.push({ data: isBinary ? buffer : buffer.toString('utf8'), isBinary });
      this.waiters.splice(0).forEach((wake) => wake());
    });
  }

  /** Opens a connection and resolves once the upgrade succeeded. */
  static connect(url: string, options: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options.protocols ?? [], { headers: options.headers });
      const client = new TestClient(socket);
      socket.once('open', () => resolve(client));
      socket.on('error', reject);
      socket.once('unexpected-response', (_request, response) => {
        reject(new Error(`Upgrade rejected with HTTP ${response.statusCode}`));
      });
    });
  }

  /** Connects with a JSON subprotocol and returns the client with its `connected` frame. */
  static async connectWithSubprotocol(
    url: string,
    subprotocol = JSON_SUBPROTOCOL,
  ): Promise<{ client: TestClient; connected: Record<string, unknown> }> {
    const client = await TestClient.connect(url, { protocols: [subprotocol] });
    const connected = await client.nextJson();
    return { client, connected };
  }

  /** Resolves with the next received frame, or rejects after `timeoutMs`. */
  async next(timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedFrame> {
    const deadline = Date.now() + timeoutMs;

    while (this.frames.length === 0) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`No frame received within ${timeoutMs} ms`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }

    return this.frames.shift() as ReceivedFrame;
  }

  /** Resolves with the next frame parsed as JSON. */
  async nextJson(timeoutMs = DEFAULT_WAIT_MS): Promise<Record<string, unknown>> {
    const frame = await this.next(timeoutMs);
    if (frame.isBinary) {
      throw new Error('Expected a text frame, received a binary frame');
    }
    return JSON.parse(frame.data as string) as Record<string, unknown>;
  }

  send(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** Sends a frame and returns the ack with its ackId. */
  async request(frame: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.send(frame);
    return this.nextJson();
  }

  /** Resolves with the close code and reason once the socket closes. */
  closed(timeoutMs = DEFAULT_WAIT_MS): Promise<{ code: number; reason: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`Socket not closed within ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([this.closeEvent, timeout]).finally(() => clearTimeout(timer));
  }

  close(): void {
    this.socket.terminate();
  }
}

/** Attempts an upgrade and resolves with the HTTP status of the rejection, or 101. */
export function upgradeStatus(url: string, options: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options.protocols ?? [], { headers: options.headers });
    socket.once('unexpected-response', (request, response) => {
      resolve(response.statusCode ?? 0);
      request.destroy();
    });
    socket.once('open', () => {
      resolve(101);
      socket.terminate();
    });
    socket.on('error', (error) => reject(error));
  });
}

let hubCounter = 0;

/** Returns a hub name no other test uses, so that sends to all never cross tests. */
export function uniqueHub(prefix = 'hub'): string {
  hubCounter += 1;
  return `${prefix}${hubCounter}`;
}
