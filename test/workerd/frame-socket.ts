/**
 * A WebSocket that a test inside workerd opens to the emulator through a fetch upgrade, keeping
 * every JSON frame it receives so that the test can wait for one.
 */
import { expect } from 'vitest';

export const SUBPROTOCOL = 'json.webpubsub.azure.v1';

/** Time a test waits for one expected frame, in milliseconds. */
export const FRAME_WAIT_MS = 5_000;

export type Frame = Record<string, unknown>;

/** An open socket with the frames received so far. */
export interface FrameSocket {
  socket: WebSocket;
  frames: Frame[];
  /** Resolve with the first frame, received so far or later, that `predicate` accepts. */
  waitFor(predicate: (frame: Frame) => boolean): Promise<Frame>;
}

/**
 * Open `url` (a client access URL) with the JSON subprotocol and wait for the service's
 * `connected` message. `label` names the client in timeout messages.
 */
export async function openFrameSocket(url: string, label: string): Promise<FrameSocket> {
  const response = await fetch(url.replace(/^ws/, 'http'), {
    headers: { Upgrade: 'websocket', 'Sec-WebSocket-Protocol': SUBPROTOCOL },
  });
  expect(response.status).toBe(101);
  expect(response.headers.get('Sec-WebSocket-Protocol')).toBe(SUBPROTOCOL);

  const socket = response.webSocket!;
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  socket.addEventListener('message', (event) => {
    frames.push(JSON.parse(event.data as string));
    for (const wake of waiters) wake();
  });
  socket.accept();

  const waitFor = (predicate: (frame: Frame) => boolean) =>
    new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`No matching frame for ${label} within ${FRAME_WAIT_MS} ms; received ${JSON.stringify(frames)}`));
      }, FRAME_WAIT_MS);
      const check = () => {
        const frame = frames.find(predicate);
        if (!frame) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(frame);
      };
      waiters.add(check);
      check();
    });

  await waitFor((frame) => frame.type === 'system' && frame.event === 'connected');
  return { socket, frames, waitFor };
}
