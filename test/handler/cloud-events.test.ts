import { describe, expect, it } from 'vitest';
import {
  WebPubSubEventHandler,
  type ConnectionContext,
  type WebPubSubEventHandlerOptions,
} from '../../src/handler/index.js';
import { HUB, PRIMARY_KEY, connectEvent, messageEvent, serviceEvent } from './service-request.js';

function createHandler(options: WebPubSubEventHandlerOptions = {}): WebPubSubEventHandler {
  return new WebPubSubEventHandler(HUB, { accessKeys: [PRIMARY_KEY], ...options });
}

function chunkedBody(chunks: Uint8Array[]): { stream: ReadableStream<Uint8Array>; isCancelled: () => boolean } {
  let isCancelled = false;
  let index = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[index++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
    cancel() {
      isCancelled = true;
    },
  });
  return { stream, isCancelled: () => isCancelled };
}

describe('malformed event requests', () => {
  it('rejects connect with invalid JSON', async () => {
    let isCalled = false;
    const handler = createHandler({
      handleConnect: () => {
        isCalled = true;
      },
    });

    const response = await handler.handle(await connectEvent(undefined, { body: '{"claims": ' }));

    expect(response?.status).toBe(400);
    expect(response?.headers.get('Content-Type')).toBe('text/plain; charset=utf-8');
    expect(await response?.text()).toBe('Invalid connect event body: not valid JSON.');
    expect(isCalled).toBe(false);
  });

  it('rejects connect with a JSON array body', async () => {
    const response = await createHandler().handle(await connectEvent(undefined, { body: '[]' }));

    expect(response?.status).toBe(400);
  });

  it('rejects a JSON user event with invalid JSON', async () => {
    const response = await createHandler({ handleUserEvent: () => undefined }).handle(
      await messageEvent('{not json', 'application/json'),
    );

    expect(response?.status).toBe(400);
    expect(await response?.text()).toContain('not valid JSON');
  });

  it('rejects text that is not UTF-8', async () => {
    const handler = createHandler({ handleUserEvent: () => undefined });
    const response = await handler.handle(await messageEvent(new Uint8Array([0xff, 0xfe]), 'text/plain'));

    expect(response?.status).toBe(400);
    expect(await response?.text()).toContain('UTF-8');
  });

  it('rejects an unsupported user event content type', async () => {
    const handler = createHandler({ handleUserEvent: () => undefined });
    for (const contentType of ['application/xml', 'text/html', '']) {
      const response = await handler.handle(await messageEvent('<a/>', contentType));
      expect(response?.status, contentType).toBe(400);
      expect(await response?.text()).toContain('Content-Type');
    }
  });

  it('rejects a missing ce-connectionId', async () => {
    const response = await createHandler().handle(
      await messageEvent('hi', 'text/plain', { headers: { 'ce-connectionId': null } }),
    );

    expect(response?.status).toBe(400);
    expect(await response?.text()).toBe('Missing ce-connectionId header.');
  });

  it('rejects a missing ce-type', async () => {
    const response = await createHandler().handle(await messageEvent('hi', 'text/plain', { headers: { 'ce-type': null } }));

    expect(response?.status).toBe(400);
    expect(await response?.text()).toBe('Missing ce-type header.');
  });

  it('rejects a ce-type of another source', async () => {
    const response = await createHandler().handle(await serviceEvent({ type: 'com.example.order.created', body: '{}' }));

    expect(response?.status).toBe(400);
  });

  it('rejects a missing ce-type only after the signature check', async () => {
    const response = await createHandler().handle(
      await messageEvent('hi', 'text/plain', { headers: { 'ce-type': null }, signature: null }),
    );

    expect(response?.status).toBe(401);
  });
});

describe('body size limit', () => {
  it('rejects oversized Content-Length before callbacks', async () => {
    let isCalled = false;
    const handler = createHandler({
      maxBodyBytes: 16,
      handleUserEvent: () => {
        isCalled = true;
      },
    });

    const response = await handler.handle(
      await messageEvent('x'.repeat(17), 'text/plain', { headers: { 'Content-Length': '17' } }),
    );

    expect(response?.status).toBe(413);
    expect(await response?.text()).toContain('16 bytes');
    expect(isCalled).toBe(false);
  });

  it('rejects by Content-Length before reading the body', async () => {
    const handler = createHandler({ maxBodyBytes: 16 });
    const request = await messageEvent('x', 'text/plain', { headers: { 'Content-Length': '1000000' } });

    const response = await handler.handle(request);

    expect(response?.status).toBe(413);
    expect(request.bodyUsed).toBe(false);
  });

  it('enforces the 1 MiB default limit', async () => {
    const handler = createHandler();

    const response = await handler.handle(await messageEvent('x'.repeat(1024 * 1024 + 1), 'text/plain'));

    expect(response?.status).toBe(413);
  });

  it('accepts a body of exactly the limit', async () => {
    const handler = createHandler({ maxBodyBytes: 16, handleUserEvent: (request) => ({ data: request.data }) });

    const response = await handler.handle(await messageEvent('x'.repeat(16), 'text/plain'));

    expect(response?.status).toBe(200);
  });

  it('counts a streamed body without Content-Length and stops reading', async () => {
    const { stream, isCancelled } = chunkedBody([new Uint8Array(10), new Uint8Array(10), new Uint8Array(10)]);
    const handler = createHandler({ maxBodyBytes: 15 });
    const signed = await messageEvent('', 'application/octet-stream');
    const request = new Request(signed.url, {
      method: 'POST',
      headers: signed.headers,
      body: stream,
      duplex: 'half',
    } as RequestInit);

    const response = await handler.handle(request);

    expect(request.headers.get('Content-Length')).toBeNull();
    expect(response?.status).toBe(413);
    expect(isCancelled()).toBe(true);
  });

  it('reads a streamed body within the limit', async () => {
    const { stream } = chunkedBody([new Uint8Array([1, 2]), new Uint8Array([3])]);
    let received: unknown;
    const handler = createHandler({
      handleUserEvent: (request) => {
        received = request.data;
      },
    });
    const signed = await messageEvent('', 'application/octet-stream');
    const request = new Request(signed.url, {
      method: 'POST',
      headers: signed.headers,
      body: stream,
      duplex: 'half',
    } as RequestInit);

    const response = await handler.handle(request);

    expect(response?.status).toBe(204);
    expect([...(received as Uint8Array)]).toEqual([1, 2, 3]);
  });
});

describe('connection context', () => {
  it('reads identifiers from ce headers', async () => {
    let context: ConnectionContext | undefined;
    const handler = createHandler({
      handleUserEvent: (request) => {
        context = request.context;
      },
    });

    await handler.handle(
      await messageEvent('hi', 'text/plain', {
        userId: 'alice',
        hub: 'Chat',
        headers: { 'ce-subprotocol': 'json.webpubsub.azure.v1' },
      }),
    );

    expect(context?.userId).toBe('alice');
    expect(context?.hub).toBe('Chat');
    expect(context?.connectionId).toBe('conn-0f6c1d');
    expect(context?.eventName).toBe('message');
    expect(context?.origin).toBe('demo.webpubsub.azure.com');
    expect(context?.subprotocol).toBe('json.webpubsub.azure.v1');
    expect(context?.states).toEqual({});
    expect(context?.clientProtocol).toBe('default');
    expect(context?.mqtt).toBeUndefined();
  });

  it('leaves userId out for an anonymous connection', async () => {
    let context: ConnectionContext | undefined;
    const handler = createHandler({
      onConnected: (request) => {
        context = request.context;
      },
    });

    await handler.handle(await serviceEvent({ type: 'azure.webpubsub.sys.connected', body: '{}' }));

    expect(context).toBeDefined();
    expect(context?.userId).toBeUndefined();
  });

  it('derives event name from ce-type', async () => {
    let eventName: string | undefined;
    const handler = createHandler({
      handleUserEvent: (request) => {
        eventName = request.context.eventName;
      },
    });

    await handler.handle(
      await serviceEvent({
        type: 'azure.webpubsub.user.typing',
        contentType: 'text/plain',
        body: '',
        headers: { 'ce-eventName': null },
      }),
    );

    expect(eventName).toBe('typing');
  });
});
