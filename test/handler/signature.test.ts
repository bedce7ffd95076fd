import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { WebPubSubEventHandler } from '../../src/handler/index.js';
import {
  CONNECTION_ID,
  HUB,
  PRIMARY_KEY,
  SECONDARY_KEY,
  connectEvent,
  hmacHex,
  messageEvent,
  serviceEvent,
  signatureFor,
} from './service-request.js';

function echoHandler(options: ConstructorParameters<typeof WebPubSubEventHandler>[1]): {
  handler: WebPubSubEventHandler;
  calls: string[];
} {
  const calls: string[] = [];
  const handler = new WebPubSubEventHandler(HUB, {
    handleUserEvent: (request) => {
      calls.push(request.context.userId ?? '');
      return { data: 'ok' };
    },
    ...options,
  });
  return { handler, calls };
}

describe('ce-signature verification', () => {
  it('rejects a forged user id without a signature', async () => {
    const { handler, calls } = echoHandler({ accessKeys: [PRIMARY_KEY] });

    const response = await handler.handle(await messageEvent('hi', 'text/plain', { userId: 'admin', signature: null }));

    expect(response?.status).toBe(401);
    expect(response?.headers.get('Content-Type')).toBe('text/plain; charset=utf-8');
    expect(calls).toEqual([]);
  });

  it('rejects a signature made with another key', async () => {
    const { handler, calls } = echoHandler({ accessKeys: [PRIMARY_KEY] });

    const response = await handler.handle(await messageEvent('hi', 'text/plain', { signWith: ['some-other-key'] }));

    expect(response?.status).toBe(401);
    expect(calls).toEqual([]);
  });

  it('rejects a signature of another connection id', async () => {
    const { handler } = echoHandler({ accessKeys: [PRIMARY_KEY] });
    const signature = await signatureFor([PRIMARY_KEY], 'another-connection');

    const response = await handler.handle(await messageEvent('hi', 'text/plain', { signature }));

    expect(response?.status).toBe(401);
  });

  it('rejects an empty or malformed signature header', async () => {
    const { handler } = echoHandler({ accessKeys: [PRIMARY_KEY] });
    const hex = await hmacHex(PRIMARY_KEY, CONNECTION_ID);

    for (const signature of ['', ' , ', hex, `sha1=${hex}`, `sha256=${hex.slice(0, -1)}`]) {
      const response = await handler.handle(await messageEvent('hi', 'text/plain', { signature }));
      expect(response?.status, `signature ${JSON.stringify(signature)}`).toBe(401);
    }
  });

  it('accepts a signature made with the primary key', async () => {
    const { handler, calls } = echoHandler({ accessKeys: [PRIMARY_KEY] });

    const response = await handler.handle(await messageEvent('hi', 'text/plain', { userId: 'alice' }));

    expect(response?.status).toBe(200);
    expect(calls).toEqual(['alice']);
  });

  it('accepts a match on the secondary key', async () => {
    const { handler } = echoHandler({ accessKeys: [SECONDARY_KEY] });
    const signature = await signatureFor([SECONDARY_KEY, PRIMARY_KEY]);

    const response = await handler.handle(await messageEvent('hi', 'text/plain', { signature }));

    expect(response?.status).toBe(200);
  });

  it('accepts comma-separated entries with spaces', async () => {
    const { handler } = echoHandler({ accessKeys: [PRIMARY_KEY] });
    const signature = `sha256=${await hmacHex('unknown', CONNECTION_ID)} ,  sha256=${await hmacHex(PRIMARY_KEY, CONNECTION_ID)}`;

    const response = await handler.handle(await messageEvent('hi', 'text/plain', { signature }));

    expect(response?.status).toBe(200);
  });

  it('accepts signatures in repeated headers', async () => {
    const { handler } = echoHandler({ accessKeys: [SECONDARY_KEY] });
    const signature = [
      `sha256=${await hmacHex(PRIMARY_KEY, CONNECTION_ID)}`,
      `sha256=${await hmacHex(SECONDARY_KEY, CONNECTION_ID)}`,
    ];

    const request = await messageEvent('hi', 'text/plain', { signature });
    const response = await handler.handle(request);

    expect(response?.status).toBe(200);
  });

  it('accepts upper-case hex', async () => {
    const { handler } = echoHandler({ accessKeys: [PRIMARY_KEY] });
    const signature = `SHA256=${(await hmacHex(PRIMARY_KEY, CONNECTION_ID)).toUpperCase()}`;

    const response = await handler.handle(await messageEvent('hi', 'text/plain', { signature }));

    expect(response?.status).toBe(200);
  });

  it('uses the key string as UTF-8, not base64-decoded', async () => {
    const { handler } = echoHandler({ accessKeys: [PRIMARY_KEY] });
    const raw = Uint8Array.from(atob(PRIMARY_KEY), (character) => character.charCodeAt(0));
    const decodedKey = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', decodedKey, new TextEncoder().encode(CONNECTION_ID)));
    const signature = `sha256=${[...mac].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;

    const response = await handler.handle(await messageEvent('hi', 'text/plain', { signature }));

    expect(response?.status).toBe(401);
  });

  it('takes the key from a connection string', async () => {
    const { handler } = echoHandler({
      connectionString: `Endpoint=https://demo.webpubsub.azure.com;AccessKey=${PRIMARY_KEY};Version=1.0;`,
    });

    const accepted = await handler.handle(await messageEvent('hi', 'text/plain'));
    const rejected = await handler.handle(await messageEvent('hi', 'text/plain', { signWith: [SECONDARY_KEY] }));

    expect(accepted?.status).toBe(200);
    expect(rejected?.status).toBe(401);
  });

  it('applies a rotated key on the next request', async () => {
    let currentKeys = [PRIMARY_KEY];
    let reads = 0;
    const { handler } = echoHandler({
      accessKeys: async () => {
        reads++;
        return currentKeys;
      },
    });

    const before = await handler.handle(await messageEvent('hi', 'text/plain', { signWith: [SECONDARY_KEY] }));
    currentKeys = [SECONDARY_KEY];
    const after = await handler.handle(await messageEvent('hi', 'text/plain', { signWith: [SECONDARY_KEY] }));
    const oldKey = await handler.handle(await messageEvent('hi', 'text/plain', { signWith: [PRIMARY_KEY] }));

    expect(before?.status).toBe(401);
    expect(after?.status).toBe(200);
    expect(oldKey?.status).toBe(401);
    expect(reads).toBe(3);
  });

  it('accepts a synchronous key function', async () => {
    const { handler } = echoHandler({ accessKeys: () => [PRIMARY_KEY] });

    const response = await handler.handle(await messageEvent('hi', 'text/plain'));

    expect(response?.status).toBe(200);
  });

  it('keeps verifying after many different keys', async () => {
    let index = 0;
    const { handler } = echoHandler({ accessKeys: () => [`rotating-key-${index}`] });

    for (index = 0; index < 40; index++) {
      const response = await handler.handle(await messageEvent('hi', 'text/plain', { signWith: [`rotating-key-${index}`] }));
      expect(response?.status, `key ${index}`).toBe(200);
    }
  });

  it('returns 500 and reports a failing key function', async () => {
    const errors: unknown[] = [];
    const { handler, calls } = echoHandler({
      accessKeys: () => {
        throw new Error('secret store unavailable');
      },
      onError: (error) => {
        errors.push(error);
      },
    });

    const response = await handler.handle(await messageEvent('hi', 'text/plain'));

    expect(response?.status).toBe(500);
    expect(await response?.text()).not.toContain('secret store');
    expect(errors).toHaveLength(1);
    expect(calls).toEqual([]);
  });

  it('returns 500 when the key function returns no keys', async () => {
    const errors: unknown[] = [];
    const { handler } = echoHandler({ accessKeys: () => [], onError: (error) => void errors.push(error) });

    const response = await handler.handle(await messageEvent('hi', 'text/plain', { signature: null }));

    expect(response?.status).toBe(500);
    expect(errors[0]).toBeInstanceOf(ConfigError);
  });

  it('returns 500 for a connection string key', async () => {
    const errors: unknown[] = [];
    const { handler } = echoHandler({
      accessKeys: () => [`Endpoint=https://demo.webpubsub.azure.com;AccessKey=${PRIMARY_KEY};`],
      onError: (error) => void errors.push(error),
    });

    const response = await handler.handle(await messageEvent('hi', 'text/plain'));

    expect(response?.status).toBe(500);
    expect(errors[0]).toBeInstanceOf(ConfigError);
    expect(String((errors[0] as Error).message)).not.toContain(PRIMARY_KEY);
  });

  it('never echoes the signature or the key in a 401', async () => {
    const { handler } = echoHandler({ accessKeys: [PRIMARY_KEY] });
    const signature = await signatureFor(['attacker-key']);

    const response = await handler.handle(await messageEvent('hi', 'text/plain', { signature }));
    const text = (await response?.text()) ?? '';

    expect(response?.status).toBe(401);
    expect(text).toContain('ce-signature');
    expect(text).not.toContain(signature.slice(7));
    expect(text).not.toContain(PRIMARY_KEY);
  });

  it('checks the signature before the connect callback', async () => {
    let isCalled = false;
    const handler = new WebPubSubEventHandler(HUB, {
      accessKeys: [PRIMARY_KEY],
      handleConnect: () => {
        isCalled = true;
      },
    });

    const response = await handler.handle(await connectEvent(undefined, { signature: null }));

    expect(response?.status).toBe(401);
    expect(isCalled).toBe(false);
  });

  it('checks the signature before notification callbacks', async () => {
    const seen: string[] = [];
    const handler = new WebPubSubEventHandler(HUB, {
      accessKeys: [PRIMARY_KEY],
      onConnected: () => void seen.push('connected'),
      onDisconnected: () => void seen.push('disconnected'),
    });

    const connected = await handler.handle(await serviceEvent({ type: 'azure.webpubsub.sys.connected', signature: null }));
    const disconnected = await handler.handle(
      await serviceEvent({ type: 'azure.webpubsub.sys.disconnected', signature: 'sha256=00', body: '{}' }),
    );

    expect(connected?.status).toBe(401);
    expect(disconnected?.status).toBe(401);
    expect(seen).toEqual([]);
  });

  it('accepts unsigned events when verification is off', async () => {
    const { handler } = echoHandler({ verifySignature: false });

    const response = await handler.handle(await messageEvent('hi', 'text/plain', { signature: null }));

    expect(response?.status).toBe(200);
  });

  it('verifies by default when keys are set', async () => {
    const { handler } = echoHandler({ accessKeys: [PRIMARY_KEY] });

    const response = await handler.handle(await messageEvent('hi', 'text/plain', { signature: null }));

    expect(response?.status).toBe(401);
  });
});

describe('signature key configuration', () => {
  it('requires a key source while verification is on', () => {
    let caught: unknown;
    try {
      new WebPubSubEventHandler(HUB, {});
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).field).toBe('accessKeys');
    expect((caught as ConfigError).code).toBe('INVALID_CONFIGURATION');
    expect((caught as ConfigError).message).toContain('verifySignature: false');
  });

  it('rejects an empty key list', () => {
    expect(() => new WebPubSubEventHandler(HUB, { accessKeys: [] })).toThrow(ConfigError);
  });

  it('rejects an empty key', () => {
    expect(() => new WebPubSubEventHandler(HUB, { accessKeys: [PRIMARY_KEY, ' '] })).toThrow(ConfigError);
  });

  it('rejects a connection string given as a key', () => {
    const connectionString = `Endpoint=https://demo.webpubsub.azure.com;AccessKey=${PRIMARY_KEY};Version=1.0;`;

    let caught: unknown;
    try {
      new WebPubSubEventHandler(HUB, { accessKeys: [connectionString] });
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toContain('connectionString');
    expect((caught as Error).message).not.toContain(PRIMARY_KEY);
  });

  it('rejects a connection string without an access key', () => {
    expect(() => new WebPubSubEventHandler(HUB, { connectionString: 'Endpoint=https://demo.webpubsub.azure.com' })).toThrow(
      ConfigError,
    );
  });
});
