import { describe, expect, it } from 'vitest';
import { ConfigError, WebPubSubServiceClient, type WebPubSubGroupMember } from '../../src/index.js';
import { TEST_ACCESS_KEY } from '../fixtures/constants.js';

const ENDPOINT = 'https://demo.webpubsub.azure.com';

/** Creates a client whose fetch serves `pages` in order and records each URL and token audience. */
function pagedClient(pages: Array<{ value: unknown[]; nextLink?: string }>, options: Record<string, unknown> = {}) {
  const requests: Array<{ url: string; aud: string }> = [];
  const client = new WebPubSubServiceClient(`Endpoint=${ENDPOINT};AccessKey=${TEST_ACCESS_KEY}`, 'chat', {
    ...options,
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const token = new Headers(init?.headers).get('authorization')!.split('.')[1]!;
      const { aud } = JSON.parse(atob(token.replace(/-/g, '+').replace(/_/g, '/'))) as { aud: string };
      requests.push({ url: String(input), aud });
      return Response.json(pages[requests.length - 1] ?? { value: [] });
    },
  });
  return { client, requests };
}

async function collect(iterable: AsyncIterable<WebPubSubGroupMember>): Promise<WebPubSubGroupMember[]> {
  const members: WebPubSubGroupMember[] = [];
  for await (const member of iterable) members.push(member);
  return members;
}

describe('group listConnections', () => {
  it('follows absolute nextLinks and signs each for its own URL', async () => {
    const nextLink = `${ENDPOINT}/api/hubs/chat/groups/g/connections?continuationToken=abc&maxpagesize=1`;
    const { client, requests } = pagedClient([{ value: [{ connectionId: 'c1', userId: 'u1' }], nextLink }, { value: [{ connectionId: 'c2' }] }]);

    expect(await collect(client.group('g').listConnections({ maxPageSize: 1 }))).toEqual([{ connectionId: 'c1', userId: 'u1' }, { connectionId: 'c2' }]);
    expect(requests.map((request) => request.url)).toEqual([`${ENDPOINT}/api/hubs/chat/groups/g/connections?api-version=2024-12-01&maxpagesize=1`, nextLink]);
    expect(requests.map((request) => request.aud)).toEqual(requests.map((request) => request.url));
  });

  it('sends nothing until the first item is read', async () => {
    const { client, requests } = pagedClient([{ value: [] }]);
    const iterator = client.group('g').listConnections();
    expect(requests).toHaveLength(0);
    await iterator.next();
    expect(requests).toHaveLength(1);
  });

  it('stops after top items', async () => {
    const nextLink = `${ENDPOINT}/api/hubs/chat/groups/g/connections?continuationToken=x`;
    const { client, requests } = pagedClient([{ value: [{ connectionId: 'a' }, { connectionId: 'b' }], nextLink }, { value: [{ connectionId: 'c' }, { connectionId: 'd' }], nextLink }]);
    expect(await collect(client.group('g').listConnections({ top: 3 }))).toEqual([{ connectionId: 'a' }, { connectionId: 'b' }, { connectionId: 'c' }]);
    expect(requests).toHaveLength(2);
  });

  it('walks pages and resumes from a continuation token', async () => {
    const nextLink = `${ENDPOINT}/api/hubs/chat/groups/g/connections?continuationToken=p2`;
    const { client, requests } = pagedClient([{ value: [{ connectionId: 'a' }], nextLink }, { value: [{ connectionId: 'b' }] }]);

    const firstPages = client.group('g').listConnections().byPage({ maxPageSize: 1 });
    const first = (await firstPages.next()).value!;
    expect([...first]).toEqual([{ connectionId: 'a' }]);
    expect(first.continuationToken).toBe(nextLink);

    const resumed = client.group('g').listConnections().byPage({ continuationToken: first.continuationToken });
    const second = (await resumed.next()).value!;
    expect([...second]).toEqual([{ connectionId: 'b' }]);
    expect(second.continuationToken).toBeUndefined();
    expect(requests.map((request) => request.url)).toEqual([`${ENDPOINT}/api/hubs/chat/groups/g/connections?api-version=2024-12-01&maxpagesize=1`, nextLink]);
  });

  it('refuses a nextLink on another host, which would receive the bearer token', async () => {
    const { client, requests } = pagedClient([{ value: [{ connectionId: 'a' }], nextLink: 'https://attacker.example/steal' }]);
    const iterator = client.group('g').listConnections();
    expect(await iterator.next()).toEqual({ done: false, value: { connectionId: 'a' } });
    await expect(iterator.next()).rejects.toBeInstanceOf(ConfigError);
    expect(requests).toHaveLength(1);
  });

  it('sends the next page to the reverse proxy and signs the service URL', async () => {
    const nextLink = `${ENDPOINT}/api/hubs/chat/groups/g/connections?continuationToken=p2`;
    const { client, requests } = pagedClient([{ value: [{ connectionId: 'a' }], nextLink }, { value: [] }], { reverseProxyEndpoint: 'https://proxy.example.net' });
    await collect(client.group('g').listConnections());
    expect(requests[1]).toEqual({ url: nextLink.replace('demo.webpubsub.azure.com', 'proxy.example.net'), aud: nextLink });
  });

  it('rejects invalid options at once', () => {
    const { client } = pagedClient([]);
    expect(() => client.group('g').listConnections({ maxPageSize: 0 })).toThrow(ConfigError);
    expect(() => client.group('g').listConnections({ maxPageSize: 201 })).toThrow(ConfigError);
    expect(() => client.group('g').listConnections({ top: 0 })).toThrow(ConfigError);
    expect(() => client.group('g').listConnections().byPage({ maxPageSize: 500 })).toThrow(ConfigError);
  });
});
