import { describe, expect, it } from 'vitest';
import {
  EventHandlerError,
  WebPubSubEventHandler,
  type WebPubSubEventHandlerOptions,
} from '../../src/handler/index.js';
import { HUB, PRIMARY_KEY, connectEvent, decodeState, encodeState, messageEvent, serviceEvent } from './service-request.js';

function createHandler(options: WebPubSubEventHandlerOptions = {}): WebPubSubEventHandler {
  return new WebPubSubEventHandler(HUB, { accessKeys: [PRIMARY_KEY], ...options });
}

describe('connection state', () => {
  it('decodes ce-connectionState into context.states', async () => {
    let states: Record<string, unknown> | undefined;
    const handler = createHandler({
      onConnected: (request) => {
        states = request.context.states;
      },
    });

    await handler.handle(
      await serviceEvent({
        type: 'azure.webpubsub.sys.connected',
        body: '{}',
        headers: { 'ce-connectionState': encodeState({ room: 'lobby', visits: 2, nick: 'zoë' }) },
      }),
    );

    expect(states).toEqual({ room: 'lobby', visits: 2, nick: 'zoë' });
  });

  it('rejects state that is not base64', async () => {
    const response = await createHandler().handle(
      await messageEvent('hi', 'text/plain', { headers: { 'ce-connectionState': '***' } }),
    );

    expect(response?.status).toBe(400);
    expect(await response?.text()).toContain('ce-connectionState');
  });

  it('rejects state that is not a JSON object', async () => {
    for (const value of [btoa('not json'), encodeState([1, 2]), encodeState('text'), encodeState(null)]) {
      const response = await createHandler().handle(
        await messageEvent('hi', 'text/plain', { headers: { 'ce-connectionState': value } }),
      );
      expect(response?.status, value).toBe(400);
    }
  });

  it('writes merged state back whole', async () => {
    const handler = createHandler({
      handleUserEvent: (request) => {
        request.setState('visits', 3);
        request.setState('lastMessage', request.data);
        return { data: 'ok' };
      },
    });

    const response = await handler.handle(
      await messageEvent('hello', 'text/plain', {
        headers: { 'ce-connectionState': encodeState({ room: 'lobby', visits: 2 }) },
      }),
    );
    const header = response?.headers.get('ce-connectionState');

    expect(response?.status).toBe(200);
    expect(header).not.toBeNull();
    expect(decodeState(header ?? '')).toEqual({ room: 'lobby', visits: 3, lastMessage: 'hello' });
  });

  it('writes state from connect with an empty 204', async () => {
    const handler = createHandler({
      handleConnect: (request) => {
        request.setState('nick', 'zoë');
      },
    });

    const response = await handler.handle(await connectEvent());

    expect(response?.status).toBe(204);
    expect(decodeState(response?.headers.get('ce-connectionState') ?? '')).toEqual({ nick: 'zoë' });
  });

  it('writes state together with a connect response body', async () => {
    const handler = createHandler({
      handleConnect: (request) => {
        request.setState('role', 'guest');
        return { userId: 'guest-1' };
      },
    });

    const response = await handler.handle(await connectEvent());

    expect(response?.status).toBe(200);
    expect(await response?.json()).toEqual({ userId: 'guest-1' });
    expect(decodeState(response?.headers.get('ce-connectionState') ?? '')).toEqual({ role: 'guest' });
  });

  it('removes an entry set to undefined', async () => {
    const handler = createHandler({
      handleUserEvent: (request) => {
        request.setState('room', undefined);
      },
    });

    const response = await handler.handle(
      await messageEvent('hi', 'text/plain', {
        headers: { 'ce-connectionState': encodeState({ room: 'lobby', visits: 1 }) },
      }),
    );

    expect(response?.status).toBe(204);
    expect(decodeState(response?.headers.get('ce-connectionState') ?? '')).toEqual({ visits: 1 });
  });

  it('stores a __proto__ name as a plain entry', async () => {
    const handler = createHandler({
      handleUserEvent: (request) => {
        request.setState('__proto__', { polluted: true });
      },
    });

    const response = await handler.handle(await messageEvent('hi', 'text/plain'));
    const header = response?.headers.get('ce-connectionState') ?? '';

    expect(atob(header)).toBe('{"__proto__":{"polluted":true}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('shows set values in context.states', async () => {
    let seen: unknown;
    const handler = createHandler({
      handleUserEvent: (request) => {
        request.setState('count', 1);
        seen = request.context.states.count;
      },
    });

    await handler.handle(await messageEvent('hi', 'text/plain'));

    expect(seen).toBe(1);
  });

  it('sends no state header when nothing was set', async () => {
    const handler = createHandler({ handleUserEvent: () => ({ data: 'ok' }) });

    const response = await handler.handle(
      await messageEvent('hi', 'text/plain', { headers: { 'ce-connectionState': encodeState({ room: 'lobby' }) } }),
    );

    expect(response?.headers.get('ce-connectionState')).toBeNull();
  });

  it('sends no state with a rejection', async () => {
    const handler = createHandler({
      handleConnect: (request) => {
        request.setState('attempt', 1);
        throw new EventHandlerError(401, 'no');
      },
    });

    const response = await handler.handle(await connectEvent());

    expect(response?.status).toBe(401);
    expect(response?.headers.get('ce-connectionState')).toBeNull();
  });
});
