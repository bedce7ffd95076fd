import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { WebPubSubEventHandler } from '../../src/handler/index.js';
import { HANDLER_URL, HUB, PRIMARY_KEY, validationRequest } from './service-request.js';

function createHandler(allowedEndpoints?: string[]): WebPubSubEventHandler {
  return new WebPubSubEventHandler(HUB, { accessKeys: [PRIMARY_KEY], allowedEndpoints });
}

describe('abuse protection OPTIONS', () => {
  it('allows every origin without allowedEndpoints', async () => {
    const response = await createHandler().handle(validationRequest('demo.webpubsub.azure.com'));

    expect(response?.status).toBe(200);
    expect(response?.headers.get('WebHook-Allowed-Origin')).toBe('*');
  });

  it('echoes an allowed origin', async () => {
    const handler = createHandler(['https://demo.webpubsub.azure.com']);

    const response = await handler.handle(validationRequest('demo.webpubsub.azure.com'));

    expect(response?.status).toBe(200);
    expect(response?.headers.get('WebHook-Allowed-Origin')).toBe('demo.webpubsub.azure.com');
  });

  it('matches an origin written with the default https port', async () => {
    const handler = createHandler(['https://demo.webpubsub.azure.com']);

    const response = await handler.handle(validationRequest('demo.webpubsub.azure.com:443'));

    expect(response?.status).toBe(200);
    expect(response?.headers.get('WebHook-Allowed-Origin')).toBe('demo.webpubsub.azure.com');
  });

  it('splits several origins on commas and trims them', async () => {
    const handler = createHandler(['https://demo.webpubsub.azure.com']);

    const response = await handler.handle(validationRequest('demo.webpubsub.azure.com, chat.contoso.com'));

    expect(response?.status).toBe(200);
    expect(response?.headers.get('WebHook-Allowed-Origin')).toBe('demo.webpubsub.azure.com');
  });

  it('matches an origin listed after another', async () => {
    const handler = createHandler(['https://chat.contoso.com']);

    const response = await handler.handle(validationRequest('demo.webpubsub.azure.com ,chat.contoso.com'));

    expect(response?.status).toBe(200);
    expect(response?.headers.get('WebHook-Allowed-Origin')).toBe('chat.contoso.com');
  });

  it('lists every matched origin', async () => {
    const handler = createHandler(['https://demo.webpubsub.azure.com', 'https://demo-replica.webpubsub.azure.com']);

    const response = await handler.handle(validationRequest('demo.webpubsub.azure.com, demo-replica.webpubsub.azure.com'));

    expect(response?.headers.get('WebHook-Allowed-Origin')).toBe(
      'demo.webpubsub.azure.com, demo-replica.webpubsub.azure.com',
    );
  });

  it('allows every origin even when several are listed', async () => {
    const response = await createHandler().handle(validationRequest('a.webpubsub.azure.com, b.example.org'));

    expect(response?.status).toBe(200);
    expect(response?.headers.get('WebHook-Allowed-Origin')).toBe('*');
  });

  it('rejects an allowed host as prefix', async () => {
    const handler = createHandler(['https://trusted.example.com']);

    const response = await handler.handle(validationRequest('trusted.example.com.attacker.tld'));

    expect(response?.status).toBe(400);
    expect(response?.headers.get('WebHook-Allowed-Origin')).toBeNull();
  });

  it('rejects an allowed host as suffix', async () => {
    const handler = createHandler(['https://trusted.example.com']);

    for (const origin of ['eviltrusted.example.com', 'evil.trusted.example.com', 'trusted.example.co']) {
      const response = await handler.handle(validationRequest(origin));
      expect(response?.status, origin).toBe(400);
    }
  });

  it('compares hosts case-insensitively', async () => {
    const handler = createHandler(['https://Demo.WebPubSub.Azure.com/']);

    const response = await handler.handle(validationRequest('DEMO.webpubsub.azure.com'));

    expect(response?.status).toBe(200);
    expect(response?.headers.get('WebHook-Allowed-Origin')).toBe('demo.webpubsub.azure.com');
  });

  it('accepts an allowed endpoint written as a bare host', async () => {
    const handler = createHandler(['demo.webpubsub.azure.com']);

    const response = await handler.handle(validationRequest('demo.webpubsub.azure.com'));

    expect(response?.status).toBe(200);
  });

  it('keeps a non-default port part of the host', async () => {
    const handler = createHandler(['http://localhost:8080']);

    const withPort = await handler.handle(validationRequest('localhost:8080'));
    const withoutPort = await handler.handle(validationRequest('localhost'));

    expect(withPort?.status).toBe(200);
    expect(withoutPort?.status).toBe(400);
  });

  it('rejects a missing origin header', async () => {
    const response = await createHandler().handle(validationRequest(null));

    expect(response?.status).toBe(400);
    expect(await response?.text()).toContain('WebHook-Request-Origin');
  });

  it('rejects an origin header with only separators', async () => {
    const response = await createHandler().handle(validationRequest(' , '));

    expect(response?.status).toBe(400);
  });

  it('leaves a CORS preflight to the router', async () => {
    const request = new Request(HANDLER_URL, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' },
    });

    const response = await createHandler().handle(request);

    expect(response).toBeUndefined();
  });

  it('responds on a path below the handler path', async () => {
    const response = await createHandler().handle(validationRequest('demo.webpubsub.azure.com', `${HANDLER_URL}validate`));

    expect(response?.status).toBe(200);
  });

  it('needs no signature', async () => {
    const handler = createHandler(['https://demo.webpubsub.azure.com']);

    const response = await handler.handle(validationRequest('demo.webpubsub.azure.com'));

    expect(response?.status).toBe(200);
  });
});

describe('allowedEndpoints configuration', () => {
  it('rejects an entry that is not a URL', () => {
    let caught: unknown;
    try {
      createHandler(['https://not a host']);
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).field).toBe('allowedEndpoints');
  });

  it('rejects an empty list', () => {
    expect(() => createHandler([])).toThrow(ConfigError);
  });
});
