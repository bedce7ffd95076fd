/**
 * An in-memory stand-in for the service behind the client's `webSocketFactory` seam. Tests
 * script it: accept or fail sockets, reply to pings and acks, send messages, close or drop a
 * socket, and read every frame the client wrote. Events fire synchronously or in a microtask,
 * so the tests run under fake timers. The service acts on a socket in the microtask after the
 * client added its first listener.
 */
import type { WebSocketFactory, WebSocketLike } from '../../../src/client/index.js';

type Listener = (event: any) => void;

export const RELIABLE = 'json.reliable.webpubsub.azure.v1';

/** A socket whose far end is the test. */
export class FakeSocket implements WebSocketLike {
  readyState = 0;
  protocol = '';
  binaryType = 'blob';
  readonly sent: Array<Record<string, unknown>> = [];
  readonly closeCalls: Array<{ code?: number; reason?: string }> = [];
  readonly #listeners = new Map<string, Set<Listener>>();
  #isAttached = false;

  constructor(
    readonly url: string,
    readonly requestedProtocol: string,
    private readonly onFrame: (socket: FakeSocket, frame: Record<string, unknown>) => void,
    private readonly onAttach: (socket: FakeSocket) => void,
  ) {}

  get isRecovery(): boolean {
    return new URL(this.url).searchParams.has('awps_connection_id');
  }

  addEventListener(type: string, listener: Listener): void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener);
    // The service acts once the client listens, as a real socket's events come in later tasks.
    if (!this.#isAttached) {
      this.#isAttached = true;
      queueMicrotask(() => this.onAttach(this));
    }
  }

  removeEventListener(type: string, listener: Listener): void {
    this.#listeners.get(type)?.delete(listener);
  }

  listenerCount(type?: string): number {
    if (type !== undefined) return this.#listeners.get(type)?.size ?? 0;
    return [...this.#listeners.values()].reduce((sum, set) => sum + set.size, 0);
  }

  send(data: string | ArrayBuffer): void {
    if (this.readyState !== 1) throw new Error('InvalidStateError: the socket is not open');
    const frame = JSON.parse(data as string) as Record<string, unknown>;
    this.sent.push(frame);
    this.onFrame(this, frame);
  }

  close(code?: number, reason?: string): void {
    this.closeCalls.push({ code, reason });
    if (this.readyState >= 2) return;
    this.readyState = 2;
  }

  /** Completes the upgrade. */
  open(protocol = ''): void {
    this.protocol = protocol;
    this.readyState = 1;
    this.#emit('open', {});
  }

  /** Sends a frame from the service. */
  receive(frame: Record<string, unknown> | string): void {
    if (this.readyState !== 1) return;
    this.#emit('message', { data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  /** Closes from the service side with a close frame. */
  serverClose(code: number, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.#emit('close', { code, reason });
  }

  /**
   * Fails like a rejected upgrade: an error event, then close 1006. With `status`, the error
   * carries the message of the `ws` package for an HTTP response other than 101.
   */
  fail(status?: number): void {
    this.readyState = 3;
    const message = status === undefined ? 'upgrade rejected' : `Unexpected server response: ${status}`;
    this.#emit('error', { error: new Error(message) });
    this.#emit('close', { code: 1006, reason: '' });
  }

  sentOfType(type: string): Array<Record<string, unknown>> {
    return this.sent.filter((frame) => frame.type === type);
  }

  #emit(type: string, event: unknown): void {
    for (const listener of [...(this.#listeners.get(type) ?? [])]) listener(event);
  }
}

export interface FakeServiceOptions {
  /** Sends a reconnection token; default true. */
  reliable?: boolean;
  userId?: string;
}

/**
 * Scriptable service. By default it accepts every new socket in a microtask with a `connected`
 * frame, accepts recovery sockets without one, replies to pings with pongs and acks every frame
 * with an ackId (a repeated ackId on the same connection gets `Duplicate`).
 */
export class FakeService {
  readonly sockets: FakeSocket[] = [];
  /** Outcome of a new socket: accepted, failed (error and 1006), or left pending. */
  newSocketBehavior: 'accept' | 'fail' | 'hang' = 'accept';
  /**
   * Outcome of a recovery socket: accepted, closed with `recoveryCloseCode` after opening,
   * failed, or accepted with no frame ever sent on it.
   */
  recoveryBehavior: 'accept' | 'close' | 'fail' | 'silent' = 'accept';
  /** Close code of a recovery socket with `recoveryBehavior` `close`. */
  recoveryCloseCode = 1008;
  /** HTTP status of failed new sockets, reported as the `ws` package reports it. */
  failStatus: number | undefined;
  answerPings = true;
  /** Acks frames that carry an ackId. A function returns the error, or null for success. */
  ackWith: ((frame: Record<string, unknown>) => { name: string; message: string } | null) | 'never' = () => null;
  /** Subprotocol reported on the socket; '' mimics runtimes that leave it empty. */
  reportedProtocol: string | undefined;
  connectionCount = 0;
  readonly #processedAckIds = new Map<string, Set<number>>();
  readonly #connectionIds = new WeakMap<FakeSocket, string>();
  readonly #silentSockets = new WeakSet<FakeSocket>();

  constructor(private readonly options: FakeServiceOptions = {}) {}

  readonly factory: WebSocketFactory = (url, protocol) => {
    const socket = new FakeSocket(
      url,
      protocol,
      (from, frame) => this.#onFrame(from, frame),
      (attached) => this.#handleNewSocket(attached),
    );
    this.sockets.push(socket);
    return socket;
  };

  get last(): FakeSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error('No socket was opened');
    return socket;
  }

  /** Sends a server message with an optional sequence id to the last socket. */
  sendServerMessage(data: unknown, sequenceId?: number, socket = this.last): void {
    socket.receive({ type: 'message', from: 'server', dataType: 'json', data, ...(sequenceId === undefined ? {} : { sequenceId }) });
  }

  /** Connection id a socket belongs to: its own, or the one it recovers. */
  connectionIdOf(socket: FakeSocket): string {
    if (socket.isRecovery) return new URL(socket.url).searchParams.get('awps_connection_id') ?? '';
    return this.#connectionIds.get(socket) ?? '';
  }

  #handleNewSocket(socket: FakeSocket): void {
    const protocol = this.reportedProtocol ?? socket.requestedProtocol;

    if (socket.isRecovery) {
      if (this.recoveryBehavior === 'fail') return socket.fail();
      if (this.recoveryBehavior === 'silent') this.#silentSockets.add(socket);
      socket.open(protocol);
      if (this.recoveryBehavior === 'close') socket.serverClose(this.recoveryCloseCode, 'The connection cannot be recovered');
      return;
    }

    if (this.newSocketBehavior === 'fail') return socket.fail(this.failStatus);
    if (this.newSocketBehavior === 'hang') return;

    this.connectionCount += 1;
    const connectionId = `conn-${this.connectionCount}`;
    this.#connectionIds.set(socket, connectionId);
    socket.open(protocol);
    socket.receive({
      type: 'system',
      event: 'connected',
      connectionId,
      userId: this.options.userId ?? 'user',
      ...(this.options.reliable === false ? {} : { reconnectionToken: `token-${this.connectionCount}` }),
    });
  }

  #onFrame(socket: FakeSocket, frame: Record<string, unknown>): void {
    if (this.#silentSockets.has(socket)) return;

    if (frame.type === 'ping' && this.answerPings) {
      queueMicrotask(() => socket.receive({ type: 'pong' }));
      return;
    }

    if (typeof frame.ackId !== 'number' || this.ackWith === 'never') return;

    const ackId = frame.ackId;
    const connectionId = this.connectionIdOf(socket);
    let processed = this.#processedAckIds.get(connectionId);
    if (!processed) this.#processedAckIds.set(connectionId, (processed = new Set()));

    const error = processed.has(ackId) ? { name: 'Duplicate', message: `ackId ${ackId} was processed` } : this.ackWith(frame);
    if (!error) processed.add(ackId);
    queueMicrotask(() => socket.receive(error ? { type: 'ack', ackId, success: false, error } : { type: 'ack', ackId, success: true }));
  }
}
