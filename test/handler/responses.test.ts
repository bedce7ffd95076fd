import { describe, expect, it } from 'vitest';
import { WebPubSubEventHandler, type UserEventRequest, type UserEventResponse } from '../../src/handler/index.js';
import { HUB, PRIMARY_KEY, messageEvent, serviceEvent } from './service-request.js';

function echoHandler(reply: (request: UserEventRequest) => UserEventResponse | undefined): {
  handler: WebPubSubEventHandler;
  requests: UserEventRequest[];
} {
  const requests: UserEventRequest[] = [];
  const handler = new WebPubSubEventHandler(HUB, {
    accessKeys: [PRIMARY_KEY],
    handleUserEvent: (request) => {
      requests.push(request);
      return reply(request);
    },
  });
  return { handler, requests };
}

describe('user event round trip', () => {
  it('echoes text as text/plain', async () => {
    const { handler, requests } = echoHandler((request) => ({ data: request.data, dataType: request.dataType }));

    const response = await handler.handle(await messageEvent('héllo', 'text/plain; charset=utf-8'));

    expect(requests[0]?.dataType).toBe('text');
    expect(requests[0]?.data).toBe('héllo');
    expect(response?.status).toBe(200);
    expect(response?.headers.get('Content-Type')).toBe('text/plain; charset=utf-8');
    expect(await response?.text()).toBe('héllo');
  });

  it('echoes JSON as application/json', async () => {
    const { handler, requests } = echoHandler((request) => ({ data: request.data, dataType: request.dataType }));

    const response = await handler.handle(await messageEvent('{"n":1,"list":[true,null]}', 'application/json'));

    expect(requests[0]?.dataType).toBe('json');
    expect(requests[0]?.data).toEqual({ n: 1, list: [true, null] });
    expect(response?.status).toBe(200);
    expect(response?.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
    expect(await response?.json()).toEqual({ n: 1, list: [true, null] });
  });

  it('echoes binary as application/octet-stream', async () => {
    const bytes = new Uint8Array([0, 1, 2, 253, 254, 255]);
    const { handler, requests } = echoHandler((request) => ({ data: request.data, dataType: request.dataType }));

    const response = await handler.handle(await messageEvent(bytes, 'application/octet-stream'));

    expect(requests[0]?.dataType).toBe('binary');
    expect(requests[0]?.data).toBeInstanceOf(Uint8Array);
    expect([...(requests[0]?.data as Uint8Array)]).toEqual([...bytes]);
    expect(response?.status).toBe(200);
    expect(response?.headers.get('Content-Type')).toBe('application/octet-stream');
    expect([...new Uint8Array((await response?.arrayBuffer()) ?? new ArrayBuffer(0))]).toEqual([...bytes]);
  });

  it('reads the content type case-insensitively with parameters', async () => {
    const { handler, requests } = echoHandler(() => undefined);

    await handler.handle(await messageEvent('{"a":1}', 'Application/JSON; charset=UTF-8'));

    expect(requests[0]?.dataType).toBe('json');
  });

  it('passes the event name of a custom event', async () => {
    const { handler, requests } = echoHandler(() => undefined);

    await handler.handle(
      await serviceEvent({ type: 'azure.webpubsub.user.chat-message', contentType: 'text/plain', body: 'hi' }),
    );

    expect(requests[0]?.context.eventName).toBe('chat-message');
  });
});

describe('user event reply types', () => {
  it('answers a reply without data with 204', async () => {
    for (const reply of [{}, { data: undefined }, { data: undefined, dataType: 'text' as const }]) {
      const { handler } = echoHandler(() => reply as never);

      const response = await handler.handle(await messageEvent('hi', 'text/plain'));

      expect(response?.status).toBe(204);
      expect(await response?.text()).toBe('');
    }
  });

  it('infers text from a string', async () => {
    const { handler } = echoHandler(() => ({ data: 'ack' }));

    const response = await handler.handle(await messageEvent('hi', 'text/plain'));

    expect(response?.headers.get('Content-Type')).toBe('text/plain; charset=utf-8');
    expect(await response?.text()).toBe('ack');
  });

  it('infers json from an object', async () => {
    const { handler } = echoHandler(() => ({ data: { ok: true } }));

    const response = await handler.handle(await messageEvent('hi', 'text/plain'));

    expect(response?.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
    expect(await response?.json()).toEqual({ ok: true });
  });

  it('quotes a string with dataType json', async () => {
    const { handler } = echoHandler(() => ({ data: 'quoted', dataType: 'json' }));

    const response = await handler.handle(await messageEvent('hi', 'text/plain'));

    expect(await response?.text()).toBe('"quoted"');
  });

  it('infers binary from an ArrayBuffer', async () => {
    const { handler } = echoHandler(() => ({ data: new Uint8Array([7, 8, 9]).buffer }));

    const response = await handler.handle(await messageEvent('hi', 'text/plain'));

    expect(response?.headers.get('Content-Type')).toBe('application/octet-stream');
    expect([...new Uint8Array((await response?.arrayBuffer()) ?? new ArrayBuffer(0))]).toEqual([7, 8, 9]);
  });

  it('sends only the viewed bytes of a typed array', async () => {
    const backing = new Uint8Array([1, 2, 3, 4, 5]);
    const { handler } = echoHandler(() => ({ data: backing.subarray(1, 3) }));

    const response = await handler.handle(await messageEvent('hi', 'text/plain'));

    expect([...new Uint8Array((await response?.arrayBuffer()) ?? new ArrayBuffer(0))]).toEqual([2, 3]);
  });

  it('sends a string with dataType binary as UTF-8 bytes', async () => {
    const { handler } = echoHandler(() => ({ data: 'é', dataType: 'binary' }));

    const response = await handler.handle(await messageEvent('hi', 'text/plain'));

    expect(response?.headers.get('Content-Type')).toBe('application/octet-stream');
    expect([...new Uint8Array((await response?.arrayBuffer()) ?? new ArrayBuffer(0))]).toEqual([0xc3, 0xa9]);
  });
});

describe('user events that need no reply', () => {
  it('returns 204 when no user event handler is set', async () => {
    const handler = new WebPubSubEventHandler(HUB, { accessKeys: [PRIMARY_KEY] });

    for (const [body, contentType] of [
      ['hello', 'text/plain'],
      ['{"a":1}', 'application/json'],
      [new Uint8Array([1]), 'application/octet-stream'],
    ] as const) {
      const response = await handler.handle(await messageEvent(body, contentType));
      expect(response?.status, contentType).toBe(204);
    }
  });

  it('returns 204 when the handler returns nothing', async () => {
    const { handler } = echoHandler(() => undefined);

    const response = await handler.handle(await messageEvent('hello', 'text/plain'));

    expect(response?.status).toBe(204);
    expect(response?.headers.get('Content-Type')).toBeNull();
  });

  it('returns 204 for an unhandled event name', async () => {
    const handler = new WebPubSubEventHandler(HUB, { accessKeys: [PRIMARY_KEY] });

    const response = await handler.handle(
      await serviceEvent({ type: 'azure.webpubsub.user.unknown', contentType: 'text/plain', body: 'x' }),
    );

    expect(response?.status).toBe(204);
  });
});
