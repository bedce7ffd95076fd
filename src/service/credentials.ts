/**
 * Credentials for the service client: the access key of the resource.
 */

import { ConfigError } from '../errors.js';

/**
 * Anything with a `key` property: `AzureKeyCredential` from `@azure/core-auth` fits, and so does
 * a plain object. The key is read on every request, so rotating it takes effect at once.
 */
export interface KeyCredential {
  /** The access key. */
  readonly key: string;
}

/**
 * An access key that can be rotated, with the shape of `AzureKeyCredential` from `@azure/core-auth`.
 *
 * @example
 * ```ts
 * const credential = new AzureKeyCredential(env.WEBPUBSUB_KEY);
 * const client = new WebPubSubServiceClient('https://demo.webpubsub.azure.com', credential, 'chat');
 * credential.update(env.WEBPUBSUB_SECONDARY_KEY); // later calls sign with the new key
 * ```
 */
export class AzureKeyCredential implements KeyCredential {
  #key: string;

  /**
   * @param key - the resource's access key.
   * @throws {ConfigError} when the key is empty.
   */
  constructor(key: string) {
    this.#key = checkKey(key);
  }

  /** The current access key. */
  get key(): string {
    return this.#key;
  }

  /**
   * Replaces the key, for rotation.
   *
   * @param newKey - the new access key.
   * @throws {ConfigError} when the key is empty.
   */
  update(newKey: string): void {
    this.#key = checkKey(newKey);
  }
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key === '') {
    throw new ConfigError('key', 'The access key is empty. Pass the AccessKey from the Keys page of the Web PubSub resource.');
  }
  return key;
}

/** Tells whether `value` has the shape of a key credential. */
export function isKeyCredential(value: unknown): value is KeyCredential {
  return typeof value === 'object' && value !== null && 'key' in value;
}
