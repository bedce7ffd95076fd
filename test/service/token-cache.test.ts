import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, WebPubSubServiceClient, type AccessToken, type TokenCredential } from '../../src/index.js';

const HOUR = 3_600_000;

/** Creates a credential whose tokens are numbered and expire after `expiresIn()` milliseconds. */
function countingCredential(expiresIn: () => number): TokenCredential & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    async getToken(scopes): Promise<AccessToken> {
      calls.push(Array.isArray(scopes) ? scopes : [scopes]);
      const number = calls.length;
      return { token: `token-${number}`, expiresOnTimestamp: Date.now() + expiresIn() };
    },
  };
}

/** Creates a client whose fetch records the Authorization header of each request. */
function entraClient(credential: TokenCredential): { client: WebPubSubServiceClient; authorizations: string[] } {
  const authorizations: string[] = [];
  const client = new WebPubSubServiceClient('https://demo.webpubsub.azure.com', credential, 'chat', {
    fetch: async (_input, init) => {
      authorizations.push(new Headers(init?.headers).get('authorization') ?? '');
      return new Response(null, { status: 200 });
    },
  });
  return { client, authorizations };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Microsoft Entra ID token cache', () => {
  it('asks for the Web PubSub scope once and reuses the token', async () => {
    const credential = countingCredential(() => HOUR);
    const { client, authorizations } = entraClient(credential);
    await client.connectionExists('c1');
    await client.userExists('u1');

    expect(credential.calls).toEqual([['https://webpubsub.azure.com/.default']]);
    expect(authorizations).toEqual(['Bearer token-1', 'Bearer token-1']);
  });

  it('refreshes two minutes before expiry', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const credential = countingCredential(() => HOUR);
    const { client, authorizations } = entraClient(credential);
    await client.groupExists('g');

    vi.setSystemTime(Date.now() + HOUR - 3 * 60_000);
    await client.groupExists('g');
    expect(credential.calls).toHaveLength(1);

    vi.setSystemTime(Date.now() + 2 * 60_000);
    await client.groupExists('g');
    expect(credential.calls).toHaveLength(2);
    expect(authorizations).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-2']);
  });

  it('refreshes after refreshAfterTimestamp', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let number = 0;
    const credential: TokenCredential = {
      getToken: async () => {
        number += 1;
        return { token: `t${number}`, expiresOnTimestamp: Date.now() + HOUR, refreshAfterTimestamp: Date.now() + 60_000 };
      },
    };
    const { client, authorizations } = entraClient(credential);
    await client.groupExists('g');
    vi.setSystemTime(Date.now() + 61_000);
    await client.groupExists('g');
    expect(authorizations).toEqual(['Bearer t1', 'Bearer t2']);
  });

  it('lets callers in the refresh window share one refresh', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let release!: () => void;
    let tokenNumber = 0;
    const credential = {
      calls: 0,
      async getToken(): Promise<AccessToken> {
        this.calls += 1;
        tokenNumber += 1;
        const token = `token-${tokenNumber}`;
        if (tokenNumber === 2) await new Promise<void>((resolve) => (release = resolve));
        return { token, expiresOnTimestamp: Date.now() + HOUR };
      },
    };
    const { client, authorizations } = entraClient(credential);
    await client.groupExists('g');
    vi.setSystemTime(Date.now() + HOUR - 60_000);

    // The first caller refreshes; the others use the cached token, which is still valid.
    const calls = [client.groupExists('g'), client.groupExists('g'), client.groupExists('g')];
    await vi.waitFor(() => expect(authorizations).toHaveLength(3));
    release();
    await Promise.all(calls);

    expect(credential.calls).toBe(2);
    expect(authorizations.slice(1).sort()).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-2']);
  });

  it('keeps using a valid token when an early refresh fails', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let fail = false;
    const credential: TokenCredential = {
      getToken: async () => {
        if (fail) throw new Error('token endpoint down');
        return { token: 'first', expiresOnTimestamp: Date.now() + HOUR };
      },
    };
    const { client, authorizations } = entraClient(credential);
    await client.groupExists('g');
    fail = true;
    vi.setSystemTime(Date.now() + HOUR - 60_000);
    await client.groupExists('g');
    expect(authorizations).toEqual(['Bearer first', 'Bearer first']);
  });

  it('throws the credential error when no valid token is cached', async () => {
    const credential: TokenCredential = {
      getToken: async () => {
        throw new Error('token endpoint down');
      },
    };
    const { client } = entraClient(credential);
    await expect(client.groupExists('g')).rejects.toThrow('token endpoint down');
  });

  it('rejects a credential that returns no token', async () => {
    const { client } = entraClient({ getToken: async () => null });
    await expect(client.groupExists('g')).rejects.toBeInstanceOf(ConfigError);
  });

  it('passes the abort signal of the attempt to getToken', async () => {
    let signal: AbortSignal | undefined;
    const { client } = entraClient({
      getToken: async (_scopes, options) => {
        signal = options?.abortSignal;
        return { token: 't', expiresOnTimestamp: Date.now() + HOUR };
      },
    });
    await client.groupExists('g');
    expect(signal).toBeInstanceOf(AbortSignal);
  });
});
