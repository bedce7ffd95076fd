/**
 * Checks of names and arguments against the service's rules, done before anything is sent.
 */

import { ConfigError } from '../errors.js';

// The service's hub name pattern (data-plane REST API, 2024-12-01).
const HUB_PATTERN = /^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$/;

/** Throws `ConfigError` unless `hub` matches the service's hub name pattern. */
export function assertHubName(hub: unknown): asserts hub is string {
  if (typeof hub !== 'string' || !HUB_PATTERN.test(hub)) {
    throw new ConfigError(
      'hub',
      `The hub name ${JSON.stringify(hub)} is invalid. A hub name is 1 to 128 characters, starts with a letter, and contains only letters, digits and _ \` , . [ ].`,
    );
  }
}

/** Throws `ConfigError` unless `group` is 1 to 1024 characters and not only whitespace. */
export function assertGroupName(group: unknown): asserts group is string {
  if (typeof group !== 'string' || group.length === 0 || group.length > 1024 || group.trim() === '') {
    throw new ConfigError(
      'group',
      `The group name ${JSON.stringify(typeof group === 'string' ? group.slice(0, 64) : group)} is invalid. A group name is 1 to 1024 characters and not only whitespace.`,
      'INVALID_ARGUMENT',
    );
  }
}

/** Throws `ConfigError` unless `value` is a non-empty string; `field` names the argument. */
export function assertNonEmpty(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(field, `The ${field} ${JSON.stringify(value)} is invalid. Pass a non-empty string.`, 'INVALID_ARGUMENT');
  }
}
