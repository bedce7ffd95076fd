import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { AzureKeyCredential, WebPubSubServiceClient } from '../../src/index.js';
import { TEST_ACCESS_KEY } from '../fixtures/constants.js';

describe('HMAC key import', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('imports the access key once per client', async () => {
    const importKey = vi.spyOn(crypto.subtle, 'importKey');
    const client = new WebPubSubServiceClient(inject('emulatorConnectionString'), 'chat');

    await client.getClientAccessToken({ userId: 'a' });
    await client.sendToAll({ n: 1 });
    await client.getClientAccessToken({ userId: 'b' });
    await client.group('room').sendToAll({ n: 2 });

    expect(importKey).toHaveBeenCalledTimes(1);
  });

  it('imports again only after the key rotates', async () => {
    const importKey = vi.spyOn(crypto.subtle, 'importKey');
    const credential = new AzureKeyCredential(TEST_ACCESS_KEY);
    const client = new WebPubSubServiceClient('https://demo.webpubsub.azure.com', credential, 'chat');

    await client.getClientAccessToken();
    await client.getClientAccessToken();
    credential.update('rotated-key');
    await client.getClientAccessToken();
    await client.getClientAccessToken();

    expect(importKey).toHaveBeenCalledTimes(2);
  });
});
