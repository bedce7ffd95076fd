/**
 * The service's hub name rule, shared by the service client and the event handler.
 */

import { ConfigError } from '../errors.js';

// Hub name pattern of the data-plane REST API (2024-12-01): a letter, then up to 127 letters,
// digits or the characters _ ` , . [ ].
const HUB_PATTERN = /^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$/;

/** Throws `ConfigError` with `field` `hub` unless `hub` matches the service's hub pattern. */
export function assertHubName(hub: unknown): asserts hub is string {
  if (typeof hub !== 'string' || !HUB_PATTERN.test(hub)) {
    throw new ConfigError(
      'hub',
      `The hub name ${JSON.stringify(hub)} is invalid. A hub name is 1 to 128 characters, starts with a letter, and contains only letters, digits and _ \` , . [ ].`,
    );
  }
}
