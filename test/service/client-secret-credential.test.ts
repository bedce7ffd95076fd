import { describe, expect, it } from 'vitest';
import { ClientSecretCredential, ConfigError, RequestError, RestError } from '../../src/index.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT_ID = 'a0b1c2d3-0000-4000-8000-000000000001';
const SECRET = 'very~secret.value_123';

interface SeenRequest {
  url: string;
  method: string;
  contentType: string | null;
  form: URLSearchParams;
}

function credentialAnswering(response: () => Response, seen: SeenRequest[] = [], authorityHost?: string): ClientSecretCredential {
  return new ClientSecretCredential(TENANT, CLIENT_ID, SECRET, {
    authorityHost,
    fetch: async (input, init) => {
      seen.push({
        url: String(input),
        method: init?.method ?? 'GET',
        contentType: new Headers(init?.headers).get('content-type'),
        form: new URLSearchParams(String(init?.body)),
      });
      return response();
    },
  });
}

async function catchError(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('ClientSecretCredential', () => {
  it('runs the client credentials grant against the v2.0 token endpoint', async () => {
    const seen: SeenRequest[] = [];
    const credential = credentialAnswering(
      () => Response.json({ token_type: 'Bearer', expires_in: 3599, access_token: 'at-1' }),
      seen,
    );
    const before = Date.now();
    const token = await credential.getToken(['https://webpubsub.azure.com/.default']);

    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe(`https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`);
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(seen[0]!.form)).toEqual({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: SECRET,
      scope: 'https://webpubsub.azure.com/.default',
    });
    expect(token.token).toBe('at-1');
    expect(token.expiresOnTimestamp).toBeGreaterThanOrEqual(before + 3_599_000);
    expect(token.expiresOnTimestamp).toBeLessThanOrEqual(Date.now() + 3_599_000);
  });

  it('uses a custom authority host and joins several scopes with spaces', async () => {
    const seen: SeenRequest[] = [];
    const credential = credentialAnswering(() => Response.json({ expires_in: '60', access_token: 'x', refresh_in: 30 }), seen, 'https://login.microsoftonline.us/');
    const token = await credential.getToken(['a/.default', 'b/.default']);
    expect(seen[0]!.url).toBe(`https://login.microsoftonline.us/${TENANT}/oauth2/v2.0/token`);
    expect(seen[0]!.form.get('scope')).toBe('a/.default b/.default');
    expect(token.refreshAfterTimestamp).toBeGreaterThan(Date.now());
  });

  it('reports a rejected grant with its OAuth error and never the secret', async () => {
    const body = {
      error: 'invalid_client',
      error_description: `AADSTS7000215: Invalid client secret provided: ${SECRET}.\r\nTrace ID: 1`,
      error_codes: [7000215],
    };
    const error = (await catchError(credentialAnswering(() => Response.json(body, { status: 401 })).getToken('s'))) as RestError;
    expect(error).toBeInstanceOf(RestError);
    expect(error.status).toBe(401);
    expect(error.details?.code).toBe('invalid_client');
    expect(error.message).toContain('AADSTS7000215');
    expect(error.message).not.toContain('Trace ID');
    for (const text of [error.message, JSON.stringify(error), String(error.stack)]) {
      expect(text).not.toContain(SECRET);
    }
  });

  it('rejects a success response without a token', async () => {
    const error = await catchError(credentialAnswering(() => Response.json({ token_type: 'Bearer' })).getToken('s'));
    expect(error).toBeInstanceOf(RestError);
  });

  it('maps a network failure and an abort to RequestError', async () => {
    const failing = new ClientSecretCredential(TENANT, CLIENT_ID, SECRET, {
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    expect(await catchError(failing.getToken('s'))).toMatchObject({ code: 'NETWORK_ERROR' });

    const aborted = await catchError(failing.getToken('s', { abortSignal: AbortSignal.abort() }));
    expect(aborted).toBeInstanceOf(RequestError);
    expect(aborted).toMatchObject({ code: 'ABORTED' });
  });

  it('rejects invalid arguments at construction', () => {
    expect(() => new ClientSecretCredential('', CLIENT_ID, SECRET)).toThrow(ConfigError);
    expect(() => new ClientSecretCredential('tenant/../x', CLIENT_ID, SECRET)).toThrow(ConfigError);
    expect(() => new ClientSecretCredential(TENANT, '', SECRET)).toThrow(ConfigError);
    expect(() => new ClientSecretCredential(TENANT, CLIENT_ID, '')).toThrow(ConfigError);
    expect(() => new ClientSecretCredential(TENANT, CLIENT_ID, SECRET, { authorityHost: 'http://login.example.com' })).toThrow(/must use https/);
    expect(() => new ClientSecretCredential(TENANT, CLIENT_ID, SECRET, { authorityHost: 'http://127.0.0.1:9' })).not.toThrow();
  });
});
