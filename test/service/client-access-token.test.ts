import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { WebPubSubServiceClient } from '../../src/index.js';
import { ORACLE_HUB, TEST_ACCESS_KEY, TOKEN_ENDPOINT } from '../fixtures/constants.js';
import { TOKEN_CASES } from '../fixtures/token-cases.js';

const secret = new TextEncoder().encode(TEST_ACCESS_KEY);
const client = new WebPubSubServiceClient(`Endpoint=${TOKEN_ENDPOINT};AccessKey=${TEST_ACCESS_KEY};`, ORACLE_HUB);

describe('getClientAccessToken', () => {
  const oracle = inject('officialTokens');

  it('covers every oracle case', () => {
    expect(oracle.map((token) => token.name)).toEqual(TOKEN_CASES.map((token) => token.name));
  });

  for (const { name, options } of TOKEN_CASES) {
    it(`matches @azure/web-pubsub for ${name}`, async () => {
      const expected = oracle.find((token) => token.name === name)!;
      const response = await client.getClientAccessToken(options);

      // jose verifies the signature with the key's UTF-8 bytes, as the service does.
      const { payload } = await jwtVerify(response.token, secret, { algorithms: ['HS256'] });
      expect(decodeProtectedHeader(response.token)).toEqual(expected.header);

      const { iat, exp, ...claims } = payload;
      const { iat: expectedIat, exp: expectedExp, ...expectedClaims } = expected.claims as { iat: number; exp: number };
      expect(claims).toEqual(expectedClaims);
      expect(Object.keys(payload)).toEqual(Object.keys(expected.claims));
      expect(exp! - iat!).toBe(expectedExp - expectedIat);
      expect(Math.abs(iat! - Date.now() / 1000)).toBeLessThan(60);

      expect(response.baseUrl).toBe(expected.baseUrl);
      expect(response.url).toBe(`${response.baseUrl}?access_token=${response.token}`);
      expect(response.url.replace(response.token, '<token>')).toBe(expected.urlWithoutToken);
    });
  }

  it('writes roles as a JSON array, never as an encoded string', async () => {
    for (const roles of [['webpubsub.sendToGroup', 'webpubsub.joinLeaveGroup'], ['webpubsub.joinLeaveGroup'], ['webpubsub.joinLeaveGroup.room-1']]) {
      const { token } = await client.getClientAccessToken({ userId: 'u', roles });
      const { payload } = await jwtVerify(token, secret);
      expect(Array.isArray(payload.role)).toBe(true);
      expect(payload.role).toEqual(roles);
      expect(payload.sub).toBe('u');
    }
  });

  it('keeps one slash after the host when the endpoint ends with a slash', async () => {
    const { token, url } = await client.getClientAccessToken();
    const { payload } = await jwtVerify(token, secret);
    expect(payload.aud).toBe('https://demo.webpubsub.azure.com/client/hubs/hub1');
    expect(url.startsWith('wss://demo.webpubsub.azure.com/client/hubs/hub1?access_token=')).toBe(true);
  });

  it('keeps the hub name as given in aud and url', async () => {
    const mixedCase = new WebPubSubServiceClient(`Endpoint=${TOKEN_ENDPOINT};AccessKey=${TEST_ACCESS_KEY};`, 'Chat');
    const { token, baseUrl } = await mixedCase.getClientAccessToken();
    const { payload } = await jwtVerify(token, secret);
    expect(payload.aud).toBe('https://demo.webpubsub.azure.com/client/hubs/Chat');
    expect(baseUrl).toBe('wss://demo.webpubsub.azure.com/client/hubs/Chat');
  });

  it('signs with the current key after the credential rotates', async () => {
    const credential = { key: TEST_ACCESS_KEY };
    const rotating = new WebPubSubServiceClient(TOKEN_ENDPOINT, credential, 'chat');
    await jwtVerify((await rotating.getClientAccessToken()).token, secret);
    credential.key = 'rotated-key';
    const { token } = await rotating.getClientAccessToken();
    await expect(jwtVerify(token, secret)).rejects.toThrow();
    await jwtVerify(token, new TextEncoder().encode('rotated-key'));
  });

  it.each([
    [{ expirationTimeInMinutes: 0 }, 'expirationTimeInMinutes'],
    [{ expirationTimeInMinutes: -1 }, 'expirationTimeInMinutes'],
    [{ expirationTimeInMinutes: 0.001 }, 'expirationTimeInMinutes'],
    [{ expirationTimeInMinutes: Number.NaN }, 'expirationTimeInMinutes'],
    [{ clientProtocol: 'signalr' }, 'clientProtocol'],
    [{ roles: 'webpubsub.sendToGroup' }, 'roles'],
    [{ groups: [''] }, 'groups'],
    [{ userId: 42 }, 'userId'],
  ])('rejects invalid option %o', async (options, field) => {
    const error = await client.getClientAccessToken(options as never).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'ConfigError', code: 'INVALID_ARGUMENT', field });
    expect(String((error as Error).message)).not.toContain(TEST_ACCESS_KEY);
  });
});
