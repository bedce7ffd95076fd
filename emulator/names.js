// @ts-check
/**
 * Validation of hub and group names, shared by the REST API and the client endpoint.
 * The rules are those of the data-plane REST API 2024-12-01.
 */

/** A hub name starts with a letter and has at most 128 characters. */
const HUB_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$/;

/** Maximum length of a group name, in Unicode code points. */
export const MAX_GROUP_NAME_LENGTH = 1024;

/**
 * @param {unknown} name
 * @returns {name is string}
 */
export function isValidHubName(name) {
  return typeof name === 'string' && HUB_NAME_PATTERN.test(name);
}

/**
 * Returns whether `name` is a group name: 1 to 1024 characters and not only whitespace.
 *
 * @param {unknown} name
 * @returns {name is string}
 */
export function isValidGroupName(name) {
  if (typeof name !== 'string' || name.length === 0) {
    return false;
  }

  return [...name].length <= MAX_GROUP_NAME_LENGTH && !/^\s+$/.test(name);
}
