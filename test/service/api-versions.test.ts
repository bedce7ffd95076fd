import { describe, expect, it } from 'vitest';
import { ConfigError, WebPubSubServiceClient } from '../../src/index.js';
import { TEST_ACCESS_KEY } from '../fixtures/constants.js';

interface PinnedClient {
  client: WebPubSubServiceClient;
  /** URLs that reached fetch. */
  sent: string[];
}

/** Creates a client pinned to `apiVersion` whose fetch records each URL and returns 200. */
function pinned(apiVersion: string, credential: 'key' | 'entra' = 'key'): PinnedClient {
  const sent: string[] = [];
  const options = {
    apiVersion,
    fetch: async (input: RequestInfo | URL) => {
      sent.push(String(input));
      return new Response(JSON.stringify({ token: 't', value: [] }), { status: 200 });
    },
  };
  const client =
    credential === 'key'
      ? new WebPubSubServiceClient(`Endpoint=https://demo.webpubsub.azure.com;AccessKey=${TEST_ACCESS_KEY}`, 'chat', options)
      : new WebPubSubServiceClient('https://demo.webpubsub.azure.com', { getToken: async () => ({ token: 'e', expiresOnTimestamp: Date.now() + 3_600_000 }) }, 'chat', options);
  return { client, sent };
}

async function catchError(run: () => Promise<unknown> | unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('api-version gating', () => {
  it('sends the pinned version', async () => {
    const { client, sent } = pinned('2022-11-01');
    await client.sendToAll('x');
    expect(client.apiVersion).toBe('2022-11-01');
    expect(client.group('g').apiVersion).toBe('2022-11-01');
    expect(new URL(sent[0]!).searchParams.get('api-version')).toBe('2022-11-01');
  });

  const cases: Array<{ operation: string; minimum: string; below: string; run: (client: WebPubSubServiceClient) => unknown }> = [
    { operation: 'removeConnectionFromAllGroups', minimum: '2022-11-01', below: '2021-10-01', run: (c) => c.removeConnectionFromAllGroups('c1') },
    { operation: 'addConnectionsToGroups', minimum: '2023-07-01', below: '2022-11-01', run: (c) => c.addConnectionsToGroups(['g'], "userId eq 'a'") },
    { operation: 'removeConnectionsFromGroups', minimum: '2023-07-01', below: '2022-11-01', run: (c) => c.removeConnectionsFromGroups(['g'], "userId eq 'a'") },
    { operation: 'group.listConnections', minimum: '2024-12-01', below: '2024-01-01', run: (c) => c.group('g').listConnections() },
    { operation: 'closeAllConnections', minimum: '2021-10-01', below: '2021-05-01-preview', run: (c) => c.closeAllConnections() },
    { operation: 'closeUserConnections', minimum: '2021-10-01', below: '2021-05-01-preview', run: (c) => c.closeUserConnections('u') },
    { operation: 'group.closeAllConnections', minimum: '2021-10-01', below: '2021-05-01-preview', run: (c) => c.group('g').closeAllConnections() },
    { operation: 'grantPermission', minimum: '2021-10-01', below: '2021-05-01-preview', run: (c) => c.grantPermission('c', 'sendToGroup') },
    { operation: 'revokePermission', minimum: '2021-10-01', below: '2021-05-01-preview', run: (c) => c.revokePermission('c', 'sendToGroup') },
    { operation: 'hasPermission', minimum: '2021-10-01', below: '2021-05-01-preview', run: (c) => c.hasPermission('c', 'sendToGroup') },
  ];

  for (const { operation, minimum, below, run } of cases) {
    it(`rejects ${operation} on ${below} before sending`, async () => {
      const { client, sent } = pinned(below);
      const error = (await catchError(() => run(client))) as ConfigError;
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.code).toBe('UNSUPPORTED_API_VERSION');
      expect(error.field).toBe('apiVersion');
      expect(error.message).toContain(operation);
      expect(error.message).toContain(below);
      expect(error.message).toContain(minimum);
      expect(sent).toEqual([]);
    });

    it(`allows ${operation} on ${minimum}`, async () => {
      const { client, sent } = pinned(minimum);
      const result = run(client);
      if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
        for await (const _ of result as AsyncIterable<unknown>) break;
      } else {
        await result;
      }
      expect(sent).toHaveLength(1);
    });
  }

  it('rejects the filter option before 2022-11-01', async () => {
    const { client, sent } = pinned('2021-10-01');
    const error = (await catchError(() => client.sendToAll('x', { filter: "userId eq 'a'" }))) as ConfigError;
    expect(error.code).toBe('UNSUPPORTED_API_VERSION');
    expect(error.message).toContain('filter');
    expect(error.message).toContain('2022-11-01');
    expect(sent).toEqual([]);
  });

  it('rejects messageTtlSeconds before 2024-01-01', async () => {
    const { client, sent } = pinned('2023-07-01');
    const error = (await catchError(() => client.group('g').sendToAll('x', { messageTtlSeconds: 10 }))) as ConfigError;
    expect(error.code).toBe('UNSUPPORTED_API_VERSION');
    expect(error.message).toContain('messageTtlSeconds');
    expect(error.message).toContain('group.sendToAll');
    expect(sent).toEqual([]);
  });

  it('rejects MQTT client tokens from the service before 2024-01-01', async () => {
    const { client, sent } = pinned('2023-07-01', 'entra');
    const error = (await catchError(() => client.getClientAccessToken({ clientProtocol: 'mqtt' }))) as ConfigError;
    expect(error.code).toBe('UNSUPPORTED_API_VERSION');
    expect(error.message).toContain('getClientAccessToken');
    expect(error.message).toContain('2024-01-01');
    expect(sent).toEqual([]);
  });

  it('signs MQTT client tokens locally on any version', async () => {
    const { client, sent } = pinned('2021-10-01');
    const { baseUrl } = await client.getClientAccessToken({ clientProtocol: 'mqtt' });
    expect(baseUrl).toBe('wss://demo.webpubsub.azure.com/clients/mqtt/hubs/chat');
    expect(sent).toEqual([]);
  });

  it('leaves clientType out for a default token on versions before it', async () => {
    const { client, sent } = pinned('2022-11-01', 'entra');
    await client.getClientAccessToken({ clientProtocol: 'default', groups: ['g1'] });
    const query = new URL(sent[0]!).searchParams;
    expect(query.has('clientType')).toBe(false);
    expect(query.getAll('group')).toEqual(['g1']);
  });

  it('rejects initial groups from the service before 2022-11-01', async () => {
    const { client } = pinned('2021-10-01', 'entra');
    const error = (await catchError(() => client.getClientAccessToken({ groups: ['g1'] }))) as ConfigError;
    expect(error.code).toBe('UNSUPPORTED_API_VERSION');
    expect(error.message).toContain('groups');
  });

  it('rejects an apiVersion that is not a version', () => {
    for (const apiVersion of ['latest', '2024-12', '', '2024-12-01-beta']) {
      expect(() => pinned(apiVersion)).toThrow(ConfigError);
    }
  });
});
