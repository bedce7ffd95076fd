import { describe, expect, inject, it } from 'vitest';
import { ConfigError, parseConnectionString, RestError, WebPubSubServiceClient } from '../../src/index.js';
import { TEST_ACCESS_KEY } from '../fixtures/constants.js';

/** Create a client whose fetch only records calls, so a test can show that nothing was sent. */
function countingClient(): { client: WebPubSubServiceClient; calls: string[] } {
  const calls: string[] = [];
  const client = new WebPubSubServiceClient(`Endpoint=https://demo.webpubsub.azure.com;AccessKey=${TEST_ACCESS_KEY}`, 'chat', {
    fetch: async (input) => {
      calls.push(String(input));
      return new Response(null, { status: 202 });
    },
  });
  return { client, calls };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('dot segments in ids', () => {
  const calls: Array<[string, (client: WebPubSubServiceClient, id: string) => Promise<unknown>, string]> = [
    ['sendToUser', (client, id) => client.sendToUser(id, 'x'), 'userId'],
    ['sendToConnection', (client, id) => client.sendToConnection(id, 'x'), 'connectionId'],
    ['group sendToAll', (client, id) => client.group(id).sendToAll('x'), 'group'],
    ['userExists', (client, id) => client.userExists(id), 'userId'],
    ['connectionExists', (client, id) => client.connectionExists(id), 'connectionId'],
    ['closeConnection', (client, id) => client.closeConnection(id), 'connectionId'],
    ['closeUserConnections', (client, id) => client.closeUserConnections(id), 'userId'],
    ['removeUserFromAllGroups', (client, id) => client.removeUserFromAllGroups(id), 'userId'],
    ['group addUser', (client, id) => client.group('room').addUser(id), 'userId'],
    ['grantPermission', (client, id) => client.grantPermission(id, 'sendToGroup'), 'connectionId'],
  ];

  for (const [name, call, field] of calls) {
    it(`rejects . and .. in ${name} before sending`, async () => {
      for (const id of ['.', '..']) {
        const { client, calls: sent } = countingClient();
        const error = await rejectionOf(Promise.resolve().then(() => call(client, id)));
        expect(error).toBeInstanceOf(ConfigError);
        expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', field });
        expect(sent).toEqual([]);
      }
    });
  }

  it('still sends ids that only contain dots among other characters', async () => {
    const { client, calls: sent } = countingClient();
    await client.sendToUser('...', 'x');
    await client.sendToUser('a..b', 'x');
    await client.sendToUser('%2e%2e', 'x');
    expect(sent.map((url) => new URL(url).pathname)).toEqual([
      '/api/hubs/chat/users/.../:send',
      '/api/hubs/chat/users/a..b/:send',
      '/api/hubs/chat/users/%252e%252e/:send',
    ]);
  });
});

describe('endpoint normalization', () => {
  it.each([
    ['https://demo.webpubsub.azure.com//', 'https://demo.webpubsub.azure.com/'],
    ['https://demo.webpubsub.azure.com///', 'https://demo.webpubsub.azure.com/'],
    ['https://gateway.example/webpubsub/', 'https://gateway.example/webpubsub/'],
    ['https://gateway.example/webpubsub', 'https://gateway.example/webpubsub/'],
  ])('normalizes %s to %s', (endpoint, expected) => {
    expect(parseConnectionString(`Endpoint=${endpoint};AccessKey=k`).endpoint).toBe(expected);
  });

  it('keeps one slash after the host in aud', async () => {
    const client = new WebPubSubServiceClient(`Endpoint=https://demo.webpubsub.azure.com//;AccessKey=${TEST_ACCESS_KEY}`, 'chat');
    const { baseUrl } = await client.getClientAccessToken();
    expect(baseUrl).toBe('wss://demo.webpubsub.azure.com/client/hubs/chat');
  });

  it.each(['https://demo.webpubsub.azure.com/?', 'https://demo.webpubsub.azure.com/#', 'https://demo.webpubsub.azure.com?x=1'])(
    'rejects %s',
    (endpoint) => {
      expect(() => parseConnectionString(`Endpoint=${endpoint};AccessKey=k`)).toThrow(expect.objectContaining({ field: 'Endpoint' }));
    },
  );
});

describe('secrets in configuration errors', () => {
  it.each([
    `Endpoint=https://a.b;AccessKey=k;Port=${TEST_ACCESS_KEY}`,
    `Endpoint=http://[${TEST_ACCESS_KEY}];AccessKey=k`,
    `Endpoint=${TEST_ACCESS_KEY}?;AccessKey=k`,
  ])('does not quote a misplaced key in %s', (connectionString) => {
    let message = '';
    try {
      parseConnectionString(connectionString);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toBe('');
    expect(message).not.toContain(TEST_ACCESS_KEY.slice(0, 12));
  });
});

describe('service error bodies', () => {
  it('redacts a bearer token echoed by a proxy', async () => {
    const authorizations: string[] = [];
    const client = new WebPubSubServiceClient(`Endpoint=${inject('captureUrl')};AccessKey=${TEST_ACCESS_KEY}`, 'hub1', {
      retryOptions: { maxRetries: 0 },
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        const authorization = headers.get('authorization')!;
        authorizations.push(authorization);
        headers.set('x-capture-status', '400');
        headers.set('x-capture-content-type', 'application/json');
        headers.set('x-capture-body', JSON.stringify({ code: 'BadRequest', message: `rejected header Authorization: ${authorization}` }));
        return fetch(input, { ...init, headers });
      },
    });

    const error = (await rejectionOf(client.sendToAll('x'))) as RestError;
    expect(error).toBeInstanceOf(RestError);
    const token = authorizations[0]!.replace('Bearer ', '');
    for (const secret of [token, token.split('.')[2]!]) {
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(error.details)).not.toContain(secret);
    }
    expect(error.message).toContain('Bearer <redacted>');
  });
});

describe('group name length', () => {
  it('counts characters, not UTF-16 units', async () => {
    const { client, calls: sent } = countingClient();
    await client.group('😀'.repeat(1024)).sendToAll('x');
    expect(sent).toHaveLength(1);
    expect(() => client.group('😀'.repeat(1025))).toThrow(expect.objectContaining({ field: 'group' }));
  });
});
