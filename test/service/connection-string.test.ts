import { describe, expect, it } from 'vitest';
import { ConfigError, parseConnectionString, WebPubSubServiceClient } from '../../src/index.js';

const KEY = 'c2VjcmV0LWtleS13aXRoLWVxdWFscz0=';

describe('parseConnectionString', () => {
  it('reads the portal format with Version and a trailing semicolon', () => {
    expect(parseConnectionString(`Endpoint=https://demo.webpubsub.azure.com;AccessKey=${KEY};Version=1.0;`)).toEqual({
      endpoint: 'https://demo.webpubsub.azure.com/',
      accessKey: KEY,
    });
  });

  it('treats key names case-insensitively', () => {
    expect(parseConnectionString(`endpoint=https://demo.webpubsub.azure.com;ACCESSKEY=${KEY}`).accessKey).toBe(KEY);
  });

  it('keeps = inside a value', () => {
    expect(parseConnectionString('Endpoint=https://a.b;AccessKey=abc==').accessKey).toBe('abc==');
  });

  it('tolerates whitespace and empty segments', () => {
    const parts = parseConnectionString(`  Endpoint = https://demo.webpubsub.azure.com ; ; AccessKey = ${KEY} ;  `);
    expect(parts).toEqual({ endpoint: 'https://demo.webpubsub.azure.com/', accessKey: KEY });
  });

  it('applies Port to the endpoint', () => {
    expect(parseConnectionString(`Endpoint=http://127.0.0.1;Port=8092;AccessKey=${KEY}`).endpoint).toBe('http://127.0.0.1:8092/');
  });

  it('adds https to an endpoint without a scheme', () => {
    expect(parseConnectionString(`Endpoint=demo.webpubsub.azure.com;AccessKey=${KEY}`).endpoint).toBe('https://demo.webpubsub.azure.com/');
  });

  it('ignores unknown keys', () => {
    expect(parseConnectionString(`Endpoint=https://a.b;AccessKey=${KEY};ClientEndpoint=https://c.d;Foo=bar`).endpoint).toBe('https://a.b/');
  });

  it.each([
    ['', 'connectionString'],
    [`AccessKey=${KEY}`, 'Endpoint'],
    ['Endpoint=https://a.b', 'AccessKey'],
    ['Endpoint=https://a.b;AccessKey=', 'AccessKey'],
    [`Endpoint=https://a.b;AccessKey=${KEY};Port=http`, 'Port'],
    [`Endpoint=https://a.b;AccessKey=${KEY};Port=70000`, 'Port'],
    [`Endpoint=https://a.b;AccessKey${KEY}`, 'AccessKey'],
    [`Endpoint=https://a.b;AccessKey=${KEY};${KEY.slice(0, 20)}`, 'connectionString'],
    [`Endpoint=https://a b;AccessKey=${KEY}`, 'Endpoint'],
  ])('rejects %j naming %s without printing the key', (text, field) => {
    let error: unknown;
    try {
      parseConnectionString(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'INVALID_CONFIGURATION', field });
    expect((error as Error).message).not.toContain(KEY);
    expect((error as Error).message).not.toContain(KEY.slice(0, 8));
  });
});

describe('WebPubSubServiceClient construction', () => {
  it('validates the hub name against the service pattern', () => {
    for (const hub of ['chat', 'Chat_1', 'a`b,c.d[e]', 'h'.repeat(128)]) {
      expect(new WebPubSubServiceClient(`Endpoint=https://a.b;AccessKey=${KEY}`, hub).hubName).toBe(hub);
    }
    for (const hub of ['', '1chat', 'chat room', 'chat/x', 'h'.repeat(129), 'chät']) {
      expect(() => new WebPubSubServiceClient(`Endpoint=https://a.b;AccessKey=${KEY}`, hub)).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIGURATION', field: 'hub' }),
      );
    }
  });

  it('accepts an endpoint with a key credential', () => {
    const client = new WebPubSubServiceClient('https://demo.webpubsub.azure.com', { key: KEY }, 'chat');
    expect(client.endpoint).toBe('https://demo.webpubsub.azure.com/');
    expect(client.apiVersion).toBe('2024-12-01');
  });

  it('rejects a credential without a key', () => {
    expect(() => new WebPubSubServiceClient('https://a.b', { key: '' }, 'chat')).toThrow(expect.objectContaining({ field: 'credential' }));
    expect(() => new WebPubSubServiceClient('https://a.b', {} as never, 'chat')).toThrow(expect.objectContaining({ field: 'credential' }));
  });

  it('refuses plain HTTP to a remote host unless allowed', () => {
    expect(() => new WebPubSubServiceClient(`Endpoint=http://demo.example;AccessKey=${KEY}`, 'chat')).toThrow(
      expect.objectContaining({ field: 'endpoint' }),
    );
    expect(new WebPubSubServiceClient(`Endpoint=http://demo.example;AccessKey=${KEY}`, 'chat', { allowInsecureConnection: true }).endpoint).toBe(
      'http://demo.example/',
    );
    for (const host of ['127.0.0.1:8092', 'localhost', '[::1]:80']) {
      expect(new WebPubSubServiceClient(`Endpoint=http://${host};AccessKey=${KEY}`, 'chat').endpoint).toContain('http://');
    }
  });
});
