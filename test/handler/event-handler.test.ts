import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import {
  EventHandlerError,
  WebPubSubEventHandler,
  type ConnectRequest,
  type WebPubSubEventHandlerOptions,
} from '../../src/handler/index.js';
import {
  HANDLER_URL,
  HUB,
  PRIMARY_KEY,
  connectEvent,
  messageEvent,
  serviceEvent,
} from './service-request.js';

function createHandler(options: WebPubSubEventHandlerOptions = {}): WebPubSubEventHandler {
  return new WebPubSubEventHandler(HUB, { accessKeys: [PRIMARY_KEY], ...options });
}

describe('user events without a callback', () => {
  it('answers 204 even for a body that would not decode', async () => {
    const handler = createHandler();

    for (const [body, contentType] of [['{not json', 'application/json'], [new Uint8Array([0xff, 0xfe]), 'text/plain']] as const) {
      const response = await handler.handle(await messageEvent(body, contentType));
      expect(response?.status).toBe(204);
    }
  });
});

describe('WebPubSubEventHandler routing', () => {
  it('serves the default path', async () => {
    const handler = createHandler();

    const response = await handler.handle(await messageEvent('hi', 'text/plain'));

    expect(handler.path).toBe('/api/webpubsub/hubs/chat/');
    expect(response?.status).toBe(204);
  });

  it('matches the path without a trailing slash', async () => {
    const response = await createHandler().handle(
      await messageEvent('hi', 'text/plain', { url: 'http://localhost/api/webpubsub/hubs/chat' }),
    );

    expect(response?.status).toBe(204);
  });

  it('matches the path case-insensitively', async () => {
    const response = await createHandler().handle(
      await messageEvent('hi', 'text/plain', { url: 'http://localhost/API/WebPubSub/Hubs/Chat/' }),
    );

    expect(response?.status).toBe(204);
  });

  it('matches a path below the handler path', async () => {
    const response = await createHandler().handle(await messageEvent('hi', 'text/plain', { url: `${HANDLER_URL}message` }));

    expect(response?.status).toBe(204);
  });

  it('serves a custom path', async () => {
    const handler = createHandler({ path: '/eventhandler/' });

    const withSlash = await handler.handle(await messageEvent('hi', 'text/plain', { url: 'http://localhost/eventhandler/' }));
    const withoutSlash = await handler.handle(await messageEvent('hi', 'text/plain', { url: 'http://localhost/eventhandler' }));

    expect(handler.path).toBe('/eventhandler/');
    expect(withSlash?.status).toBe(204);
    expect(withoutSlash?.status).toBe(204);
  });

  it('leaves other paths to the router', async () => {
    const handler = createHandler();

    for (const url of [
      'http://localhost/',
      'http://localhost/api/webpubsub/hubs/chatroom/',
      'http://localhost/api/webpubsub/hubs/other/',
      'http://localhost/prefix/api/webpubsub/hubs/chat/',
    ]) {
      const response = await handler.handle(await messageEvent('hi', 'text/plain', { url }));
      expect(response, url).toBeUndefined();
    }
  });

  it('leaves other methods to the router', async () => {
    const handler = createHandler();

    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const response = await handler.handle(new Request(HANDLER_URL, { method }));
      expect(response, method).toBeUndefined();
    }
  });

  it('leaves another hub to the router', async () => {
    const response = await createHandler().handle(await messageEvent('hi', 'text/plain', { hub: 'other' }));

    expect(response).toBeUndefined();
  });

  it('matches the hub case-insensitively', async () => {
    const handler = new WebPubSubEventHandler('Chat', { accessKeys: [PRIMARY_KEY] });

    const response = await handler.handle(await messageEvent('hi', 'text/plain', { hub: 'CHAT' }));

    expect(response?.status).toBe(204);
  });

  it('leaves a POST without ce-awpsversion to the router', async () => {
    const request = await messageEvent('hi', 'text/plain', { headers: { 'ce-awpsversion': null } });

    expect(await createHandler().handle(request)).toBeUndefined();
  });

  it('leaves a POST without WebHook-Request-Origin to the router', async () => {
    const request = await messageEvent('hi', 'text/plain', { headers: { 'WebHook-Request-Origin': null } });

    expect(await createHandler().handle(request)).toBeUndefined();
  });

  it('leaves a POST without ce-hub to the router', async () => {
    const request = await messageEvent('hi', 'text/plain', { headers: { 'ce-hub': null } });

    expect(await createHandler().handle(request)).toBeUndefined();
  });
});

describe('WebPubSubEventHandler configuration', () => {
  it('rejects an invalid hub name', () => {
    for (const hub of ['', '1chat', 'chat room', 'a'.repeat(129)]) {
      let caught: unknown;
      try {
        new WebPubSubEventHandler(hub, { verifySignature: false });
      } catch (error) {
        caught = error;
      }

      expect(caught, hub).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).field).toBe('hub');
    }
  });

  it('rejects a relative path', () => {
    expect(() => createHandler({ path: 'api/events' })).toThrow(ConfigError);
  });

  it('rejects an invalid maxBodyBytes', () => {
    for (const maxBodyBytes of [0, -1, 1.5, Number.NaN]) {
      expect(() => createHandler({ maxBodyBytes }), String(maxBodyBytes)).toThrow(ConfigError);
    }
  });
});

describe('connect event', () => {
  it('accepts with 204 when no connect handler is set', async () => {
    const response = await createHandler().handle(await connectEvent());

    expect(response?.status).toBe(204);
    expect(await response?.text()).toBe('');
  });

  it('accepts with 204 when the handler returns nothing', async () => {
    const handler = createHandler({ handleConnect: () => undefined });

    const response = await handler.handle(await connectEvent());

    expect(response?.status).toBe(204);
    expect(response?.headers.get('Content-Type')).toBeNull();
  });

  it('accepts with 204 when the response sets no field', async () => {
    const handler = createHandler({ handleConnect: () => ({ userId: undefined }) });

    const response = await handler.handle(await connectEvent());

    expect(response?.status).toBe(204);
  });

  it('sends only the fields that are set', async () => {
    const handler = createHandler({
      handleConnect: () => ({ userId: 'alice', groups: ['lobby'], roles: ['webpubsub.joinLeaveGroup'], subprotocol: 'json.webpubsub.azure.v1' }),
    });

    const response = await handler.handle(await connectEvent());

    expect(response?.status).toBe(200);
    expect(response?.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
    expect(await response?.json()).toEqual({
      userId: 'alice',
      groups: ['lobby'],
      roles: ['webpubsub.joinLeaveGroup'],
      subprotocol: 'json.webpubsub.azure.v1',
    });
  });

  it('leaves out unset fields and a blank subprotocol', async () => {
    const handler = createHandler({ handleConnect: () => ({ userId: 'bob', subprotocol: '' }) });

    const response = await handler.handle(await connectEvent());

    expect(await response?.json()).toEqual({ userId: 'bob' });
  });

  it('keeps an empty roles list, which clears the roles', async () => {
    const handler = createHandler({ handleConnect: () => ({ roles: [] }) });

    const response = await handler.handle(await connectEvent());

    expect(response?.status).toBe(200);
    expect(await response?.json()).toEqual({ roles: [] });
  });

  it('rejects with a thrown EventHandlerError status and text', async () => {
    for (const status of [400, 401, 500]) {
      const handler = createHandler({
        handleConnect: () => {
          throw new EventHandlerError(status, `refused with ${status}`);
        },
      });

      const response = await handler.handle(await connectEvent());

      expect(response?.status).toBe(status);
      expect(response?.headers.get('Content-Type')).toBe('text/plain; charset=utf-8');
      expect(await response?.text()).toBe(`refused with ${status}`);
    }
  });

  it('rejects with a returned EventHandlerError', async () => {
    const handler = createHandler({ handleConnect: async () => new EventHandlerError(401, 'Sign in first.') });

    const response = await handler.handle(await connectEvent());

    expect(response?.status).toBe(401);
    expect(await response?.text()).toBe('Sign in first.');
  });

  it('rejects with empty text without detail', async () => {
    const handler = createHandler({ handleConnect: () => new EventHandlerError(401) });

    const response = await handler.handle(await connectEvent());

    expect(response?.status).toBe(401);
    expect(await response?.text()).toBe('');
  });

  it('passes the connect body and context to the handler', async () => {
    let seen: ConnectRequest | undefined;
    const handler = createHandler({
      handleConnect: (request) => {
        seen = request;
      },
    });
    const certificate = { thumbprint: 'ABC', content: '-----BEGIN CERTIFICATE-----' };

    await handler.handle(
      await connectEvent(
        {
          claims: { sub: ['alice'], role: ['admin'] },
          query: { room: ['lobby'] },
          headers: { 'user-agent': ['test'] },
          subprotocols: ['json.webpubsub.azure.v1', 'protobuf.webpubsub.azure.v1'],
          clientCertificates: [certificate],
        },
        { userId: 'alice', headers: { 'ce-subprotocol': 'json.webpubsub.azure.v1' } },
      ),
    );

    expect(seen?.claims).toEqual({ sub: ['alice'], role: ['admin'] });
    expect(seen?.queries).toEqual({ room: ['lobby'] });
    expect(seen?.query).toEqual({ room: ['lobby'] });
    expect(seen?.headers).toEqual({ 'user-agent': ['test'] });
    expect(seen?.subprotocols).toEqual(['json.webpubsub.azure.v1', 'protobuf.webpubsub.azure.v1']);
    expect(seen?.clientCertificates).toEqual([certificate]);
    expect(seen?.context.userId).toBe('alice');
    expect(seen?.context.eventName).toBe('connect');
    expect(seen?.context.hub).toBe('chat');
    expect(seen?.context.origin).toBe('demo.webpubsub.azure.com');
    expect(seen?.context.subprotocol).toBe('json.webpubsub.azure.v1');
    expect(seen?.context.clientProtocol).toBe('default');
    expect(seen?.context.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
  });
});

describe('callback failures', () => {
  it('returns generic 500 for a throwing callback', async () => {
    const handler = createHandler({
      handleConnect: () => {
        throw new Error(`database at postgres://admin:${PRIMARY_KEY}@db failed`);
      },
    });

    const response = await handler.handle(await connectEvent());
    const text = (await response?.text()) ?? '';

    expect(response?.status).toBe(500);
    expect(response?.headers.get('Content-Type')).toBe('text/plain; charset=utf-8');
    expect(text).not.toContain('postgres');
    expect(text).not.toContain(PRIMARY_KEY);
    expect(text).not.toContain('at ');
  });

  it('resolves when a callback rejects with a non-error value', async () => {
    const handler = createHandler({ handleUserEvent: () => Promise.reject('plain string') });

    const response = await handler.handle(await messageEvent('hi', 'text/plain'));

    expect(response?.status).toBe(500);
  });

  it('passes the error and context to onError', async () => {
    const reports: { error: unknown; connectionId: string | undefined }[] = [];
    const failure = new Error('boom');
    const handler = createHandler({
      handleUserEvent: () => {
        throw failure;
      },
      onError: (error, context) => {
        reports.push({ error, connectionId: context?.connectionId });
      },
    });

    await handler.handle(await messageEvent('hi', 'text/plain'));

    expect(reports).toEqual([{ error: failure, connectionId: 'conn-0f6c1d' }]);
  });

  it('does not report an EventHandlerError', async () => {
    const reports: unknown[] = [];
    const handler = createHandler({
      handleConnect: () => {
        throw new EventHandlerError(401, 'no');
      },
      onError: (error) => void reports.push(error),
    });

    await handler.handle(await connectEvent());

    expect(reports).toEqual([]);
  });

  it('resolves when onError throws too', async () => {
    const handler = createHandler({
      onConnected: () => {
        throw new Error('callback failed');
      },
      onError: () => {
        throw new Error('logger failed');
      },
    });

    const response = await handler.handle(await serviceEvent({ type: 'azure.webpubsub.sys.connected', body: '{}' }));

    expect(response?.status).toBe(500);
  });

  it('returns 500 for an unencodable reply', async () => {
    const reports: unknown[] = [];
    const handler = createHandler({
      handleUserEvent: () => ({ data: 42, dataType: 'text' }),
      onError: (error) => void reports.push(error),
    });

    const response = await handler.handle(await messageEvent('hi', 'text/plain'));

    expect(response?.status).toBe(500);
    expect(reports[0]).toBeInstanceOf(ConfigError);
  });
});

describe('notification events', () => {
  it('awaits onConnected before returning 204', async () => {
    const steps: string[] = [];
    const handler = createHandler({
      onConnected: async (request) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        steps.push(`connected ${request.context.connectionId}`);
      },
    });

    const response = await handler.handle(await serviceEvent({ type: 'azure.webpubsub.sys.connected', body: '{}' }));
    steps.push('responded');

    expect(response?.status).toBe(204);
    expect(steps).toEqual(['connected conn-0f6c1d', 'responded']);
  });

  it('passes the disconnect reason to onDisconnected', async () => {
    let reason: string | undefined;
    const handler = createHandler({
      onDisconnected: (request) => {
        reason = request.reason;
      },
    });

    const response = await handler.handle(
      await serviceEvent({
        type: 'azure.webpubsub.sys.disconnected',
        contentType: 'application/json',
        body: JSON.stringify({ reason: 'Connection closed by client.' }),
      }),
    );

    expect(response?.status).toBe(204);
    expect(reason).toBe('Connection closed by client.');
  });

  it('returns 204 for notifications without callbacks', async () => {
    const handler = createHandler();

    const connected = await handler.handle(await serviceEvent({ type: 'azure.webpubsub.sys.connected', body: '{}' }));
    const disconnected = await handler.handle(await serviceEvent({ type: 'azure.webpubsub.sys.disconnected', body: '{}' }));

    expect(connected?.status).toBe(204);
    expect(disconnected?.status).toBe(204);
  });

  it('returns 500 when onDisconnected throws', async () => {
    const handler = createHandler({
      onDisconnected: async () => {
        throw new Error('cleanup failed');
      },
    });

    const response = await handler.handle(await serviceEvent({ type: 'azure.webpubsub.sys.disconnected', body: '{}' }));

    expect(response?.status).toBe(500);
  });

  it('acknowledges an unknown system event with 204', async () => {
    const response = await createHandler().handle(
      await serviceEvent({ type: 'azure.webpubsub.sys.groupJoined', body: '{"group":"lobby"}' }),
    );

    expect(response?.status).toBe(204);
  });
});
