/**
 * Sources of the access keys that verify `ce-signature`: a connection string, a fixed list, or a
 * function read on every request.
 */

import { ConfigError } from '../errors.js';
import { parseConnectionString } from '../service/connection-string.js';
import type { AccessKeysSource } from './options.js';

/** Reads the current access keys. Rejects with a `ConfigError` when the source is invalid. */
export type AccessKeyReader = () => Promise<readonly string[]>;

/**
 * Build the reader of the configured keys, or return `undefined` when no key source is
 * configured.
 *
 * @throws {ConfigError} when the connection string or a listed key is invalid.
 */
export function createAccessKeyReader(
  connectionString: string | undefined,
  accessKeys: AccessKeysSource | undefined,
): AccessKeyReader | undefined {
  const fixedKeys: string[] = [];
  if (connectionString !== undefined) {
    fixedKeys.push(parseConnectionString(connectionString).accessKey);
  }

  if (typeof accessKeys === 'function') {
    const readKeys = accessKeys;
    return async () => {
      const dynamicKeys = validateKeys(await readKeys(), 'returned by the accessKeys function');
      const keys = [...fixedKeys, ...dynamicKeys];
      if (keys.length === 0) {
        throw new ConfigError(
          'accessKeys',
          'The accessKeys function returned no keys, so no signature can match.',
        );
      }

      return keys;
    };
  }

  if (accessKeys !== undefined) {
    fixedKeys.push(...validateKeys(accessKeys, 'in accessKeys'));
  }

  if (fixedKeys.length === 0) {
    if (connectionString === undefined && accessKeys === undefined) return undefined;
    throw new ConfigError(
      'accessKeys',
      'accessKeys is empty. Add the access key of the Web PubSub resource.',
    );
  }

  return async () => fixedKeys;
}

function validateKeys(keys: unknown, where: string): string[] {
  if (!Array.isArray(keys)) {
    throw new ConfigError('accessKeys', `The access keys ${where} must be an array of strings.`);
  }

  for (const key of keys) {
    if (typeof key !== 'string' || key.trim() === '') {
      throw new ConfigError('accessKeys', `An access key ${where} is empty or not a string.`);
    }

    // A connection string used as a key would never match, and every event would get 401.
    if (/(^|;)\s*accesskey\s*=/i.test(key)) {
      throw new ConfigError(
        'accessKeys',
        `An entry ${where} is a connection string. Pass it as connectionString, or pass only its AccessKey value.`,
      );
    }
  }

  return keys as string[];
}
