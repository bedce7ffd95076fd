/**
 * End-to-end reliability against the emulator: messages survive dropped sockets on both ends,
 * arriving once and in order.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../emulator/server.js';
import { connectionIdOf, createEmulatorClient, seededRandom, waitUntil } from './helpers/emulator-clients.js';

const MESSAGE_COUNT = 1000;
const DROP_COUNT = 24;
const SEEDS = [20_240_601, 7, 4_242];

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, log: () => {} });
});

afterAll(async () => {
  await emulator.close();
});

it.each(SEEDS)(
  'delivers 1000 messages once and in order while sockets drop at random points (seed %i)',
  async (seed) => {
    const hub = `reliability${seed}`;
    const retries = { maxRetries: 20, retryDelayInMs: 25, maxRetryDelayInMs: 200 };
    const subscriber = createEmulatorClient(emulator, hub, { userId: 'subscriber', groups: ['g'] }, { messageRetryOptions: retries });
    const publisher = createEmulatorClient(emulator, hub, { userId: 'publisher', roles: ['webpubsub.sendToGroup'] }, { messageRetryOptions: retries });
    const received: number[] = [];
    subscriber.client.on('group-message', ({ message }) => received.push(message.data as number));
    await subscriber.client.start();
    await publisher.client.start();

    const random = seededRandom(seed);
    const dropAt = new Map<number, string>();
    while (dropAt.size < DROP_COUNT) {
      dropAt.set(1 + Math.floor(random() * MESSAGE_COUNT), random() < 0.5 ? 'subscriber' : 'publisher');
    }

    let drops = 0;
    const sends: Array<Promise<unknown>> = [];
    for (let index = 1; index <= MESSAGE_COUNT; index++) {
      const victim = dropAt.get(index);
      const connectionId = victim ? connectionIdOf(emulator, hub, victim) : undefined;
      if (connectionId && emulator.hooks.dropConnection(connectionId)) drops += 1;

      // Sends go out in order; a window of 16 unacknowledged sends keeps the socket busy, so that
      // drops hit frames in flight on both sides.
      sends.push(publisher.client.sendToGroup('g', index, 'json'));
      if (sends.length >= 16) await sends.shift();
    }
    await Promise.all(sends);
    await waitUntil(() => received.length >= MESSAGE_COUNT, 20_000, `${MESSAGE_COUNT} messages`);

    expect(drops).toBeGreaterThan(DROP_COUNT / 2);
    expect(received).toHaveLength(MESSAGE_COUNT);
    expect(received).toEqual(Array.from({ length: MESSAGE_COUNT }, (_, index) => index + 1));
    for (const { events } of [subscriber, publisher]) {
      expect(events.filter((event) => event.name === 'disconnected')).toEqual([]);
      expect(events.filter((event) => event.name === 'connected')).toHaveLength(1);
    }

    subscriber.client.stop();
    publisher.client.stop();
  },
  60_000,
);
