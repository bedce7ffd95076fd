/**
 * Builds a client on a {@link FakeService} with a counting URL provider and an event log, for
 * tests that run under fake timers.
 */
import { vi } from 'vitest';
import {
  WebPubSubClient,
  type WebPubSubClientEventMap,
  type WebPubSubClientEventName,
  type WebPubSubClientOptions,
} from '../../../src/client/index.js';
import { FakeService, type FakeServiceOptions } from './fake-service.js';

export interface LoggedEvent {
  name: WebPubSubClientEventName;
  args: unknown;
}

export interface Harness {
  client: WebPubSubClient;
  service: FakeService;
  /** Every event the client emitted, in order. */
  events: LoggedEvent[];
  /** Calls of the URL provider; each returns `ws://127.0.0.1:9/client/hubs/chat?access_token=token<n>`. */
  getClientAccessUrl: ReturnType<typeof vi.fn<() => Promise<string>>>;
  /** Names of the events emitted, in order. */
  names(): string[];
  /** Arguments of every event named `name`. */
  argsOf<E extends WebPubSubClientEventName>(name: E): Array<WebPubSubClientEventMap[E]>;
}

const EVENT_NAMES: WebPubSubClientEventName[] = [
  'connected',
  'disconnected',
  'stopped',
  'server-message',
  'group-message',
  'rejoin-group-failed',
  'error',
];

export function createHarness(options: WebPubSubClientOptions = {}, serviceOptions: FakeServiceOptions = {}): Harness {
  const service = new FakeService(serviceOptions);
  let calls = 0;
  const getClientAccessUrl = vi.fn(async () => {
    calls += 1;
    return `ws://127.0.0.1:9/client/hubs/chat?access_token=token${calls}`;
  });
  const client = new WebPubSubClient({ getClientAccessUrl }, { webSocketFactory: service.factory, ...options });
  const events: LoggedEvent[] = [];
  for (const name of EVENT_NAMES) {
    client.on(name, (args: unknown) => events.push({ name, args }));
  }

  return {
    client,
    service,
    events,
    getClientAccessUrl,
    names: () => events.map((event) => event.name),
    argsOf: <E extends WebPubSubClientEventName>(name: E) =>
      events.filter((event) => event.name === name).map((event) => event.args as WebPubSubClientEventMap[E]),
  };
}

/** Upper bound of the default reconnect delay: 1000 ms plus 20 % jitter. */
export const RECONNECT_DELAY_MAX_MS = 1_200;

/** Advances the fake clock past the default reconnect delay, so that the next attempt has run. */
export async function passReconnectDelay(): Promise<void> {
  await vi.advanceTimersByTimeAsync(RECONNECT_DELAY_MAX_MS);
}

/** Runs pending microtasks and timers due now. */
export async function flush(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}
