/**
 * Checks of names and arguments against the service's rules, done before anything is sent.
 */

import { ConfigError } from '../errors.js';

export { assertHubName } from '../internal/hub-name.js';

/** Throws `ConfigError` unless `group` is 1 to 1024 characters and not only whitespace. */
export function assertGroupName(group: unknown, field = 'group'): asserts group is string {
  // The limit counts characters (code points), as the service's JSON schema does, not UTF-16 units.
  if (typeof group !== 'string' || group.length === 0 || [...group].length > 1024 || group.trim() === '') {
    throw new ConfigError(
      field,
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

/** Throws `ConfigError` unless `value` is undefined or an array of non-empty connection ids. */
export function assertConnectionIds(field: string, value: unknown): asserts value is string[] | undefined {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.some((id) => typeof id !== 'string' || id === '')) {
    throw new ConfigError(field, `The ${field} option must be an array of non-empty connection ids.`, 'INVALID_ARGUMENT');
  }
}

/** Throws `ConfigError` unless `groups` is a non-empty array of valid group names. */
export function assertGroupNames(groups: unknown): asserts groups is string[] {
  if (!Array.isArray(groups) || groups.length === 0) {
    throw new ConfigError('groups', 'The groups argument must be a non-empty array of group names, such as ["room-1"].', 'INVALID_ARGUMENT');
  }
  for (const group of groups) assertGroupName(group);
}

/** Throws `ConfigError` unless `value` is undefined or a string; `field` names the option. */
export function assertOptionalString(field: string, value: unknown): asserts value is string | undefined {
  if (value !== undefined && typeof value !== 'string') {
    throw new ConfigError(field, `The ${field} option must be a string, not ${typeof value}.`, 'INVALID_ARGUMENT');
  }
}

/** Throws `ConfigError` unless `value` is a non-empty OData filter string. */
export function assertFilter(value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError('filter', `The filter must be a non-empty OData expression, such as "userId ne 'bob'". Build it with the odata template tag.`, 'INVALID_ARGUMENT');
  }
}

/** Throws `ConfigError` unless `value` is undefined or an integer from `min` to `max`. */
export function assertOptionalInteger(field: string, value: unknown, min: number, max: number): asserts value is number | undefined {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(field, `The ${field} ${JSON.stringify(value)} is invalid. Pass a whole number from ${min} to ${max}.`, 'INVALID_ARGUMENT');
  }
}
