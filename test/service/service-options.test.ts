import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json';
import { ConfigError, DEFAULTS, WebPubSubServiceClient } from '../../src/index.js';
import { PACKAGE_VERSION, USER_AGENT } from '../../src/internal/version.js';
import { TEST_ACCESS_KEY } from '../fixtures/constants.js';

const CONNECTION_STRING = `Endpoint=https://demo.webpubsub.azure.com;AccessKey=${TEST_ACCESS_KEY}`;

function recordingClient(options: Record<string, unknown> = {}): { client: WebPubSubServiceClient; requests: Array<{ url: string; headers: Headers }> } {
  const requests: Array<{ url: string; headers: Headers }> = [];
  const client = new WebPubSubServiceClient(CONNECTION_STRING, 'chat', {
    ...options,
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      requests.push({ url: String(input), headers: new Headers(init?.headers) });
      return new Response(null, { status: 202 });
    },
  });
  return { client, requests };
}

describe('service client options', () => {
  it('sends a fixed user agent named after the package version', async () => {
    expect(PACKAGE_VERSION).toBe(packageJson.version);
    expect(USER_AGENT).toBe(`webpubsub-edge/${packageJson.version}`);

    const { client, requests } = recordingClient();
    await client.sendToAll('x');
    expect(requests[0]!.headers.get('user-agent')).toBe(USER_AGENT);
    expect(requests[0]!.headers.get('x-ms-useragent')).toBe(USER_AGENT);
    expect(requests[0]!.headers.get('x-ms-client-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('freezes and documents its defaults', () => {
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
    expect(DEFAULTS).toMatchObject({
      apiVersion: '2024-12-01',
      maxRetries: 3,
      retryDelayInMs: 1000,
      maxRetryDelayInMs: 64_000,
      retrySendsOnNetworkError: false,
      timeoutInMs: 30_000,
      totalTimeoutInMs: 120_000,
      tokenRefreshMarginInMs: 120_000,
    });
  });

  it('sends to the reverse proxy host while the token names the service URL', async () => {
    const { client, requests } = recordingClient({ reverseProxyEndpoint: 'https://apim.example.net:8443/ignored/path' });
    await client.sendToAll('x', { filter: "userId eq 'a'" });

    const sent = new URL(requests[0]!.url);
    expect(sent.origin).toBe('https://apim.example.net:8443');
    expect(sent.pathname).toBe('/api/hubs/chat/:send');
    const token = requests[0]!.headers.get('authorization')!.split('.')[1]!;
    const payload = JSON.parse(atob(token.replace(/-/g, '+').replace(/_/g, '/'))) as { aud: string };
    expect(payload.aud).toBe(`https://demo.webpubsub.azure.com/api/hubs/chat/:send${sent.search}`);
  });

  it('keeps client access URLs on the service endpoint behind a reverse proxy', async () => {
    const { client } = recordingClient({ reverseProxyEndpoint: 'https://apim.example.net' });
    const { baseUrl } = await client.getClientAccessToken();
    expect(baseUrl).toBe('wss://demo.webpubsub.azure.com/client/hubs/chat');
  });

  it('rejects invalid options at construction', () => {
    const invalid: Array<Record<string, unknown>> = [
      { reverseProxyEndpoint: 'not a url' },
      { reverseProxyEndpoint: 'ftp://proxy.example.net' },
      { reverseProxyEndpoint: 'http://proxy.example.net' },
      { retryOptions: { maxRetries: -1 } },
      { retryOptions: { maxRetries: 1.5 } },
      { retryOptions: { retryDelayInMs: Number.NaN } },
      { retryOptions: { maxRetryDelayInMs: -1 } },
      { retryOptions: { retrySendsOnNetworkError: 'yes' } },
      { timeoutInMs: -5 },
      { totalTimeoutInMs: Number.POSITIVE_INFINITY },
      { apiVersion: 'v1' },
    ];
    for (const options of invalid) {
      expect(() => new WebPubSubServiceClient(CONNECTION_STRING, 'chat', options)).toThrow(ConfigError);
    }
  });

  it('accepts a plain HTTP reverse proxy on loopback or when allowed', () => {
    expect(() => new WebPubSubServiceClient(CONNECTION_STRING, 'chat', { reverseProxyEndpoint: 'http://127.0.0.1:8080' })).not.toThrow();
    expect(() => new WebPubSubServiceClient(CONNECTION_STRING, 'chat', { reverseProxyEndpoint: 'http://proxy.internal', allowInsecureConnection: true })).not.toThrow();
  });

  it('rejects a credential that is neither a key nor a token credential', () => {
    expect(() => new WebPubSubServiceClient('https://demo.webpubsub.azure.com', {} as never, 'chat')).toThrow(/getToken/);
  });
});
