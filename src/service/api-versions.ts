/**
 * The first data-plane API version of each operation and option. A client pinned to an older
 * version then fails before sending instead of getting a 400 from the service.
 *
 * Source: the stable and preview folders of the Web PubSub data-plane specification in
 * Azure/azure-rest-api-specs, `specification/webpubsub/data-plane/WebPubSub`.
 * - 2021-10-01 adds closing many connections, permissions and `:generateToken`.
 * - 2022-11-01 adds removing a connection from all groups, `filter` on sends and `group` on
 *   `:generateToken`.
 * - 2023-07-01 adds `:addToGroups` and `:removeFromGroups`.
 * - 2024-01-01 adds `messageTtlSeconds` and `clientType`.
 * - 2024-12-01 adds listing the connections of a group.
 */

import { ConfigError } from '../errors.js';
import { DEFAULTS } from './options.js';

/** The official name of every operation, as the error messages use it. */
export type OperationName =
  | 'sendToAll'
  | 'sendToUser'
  | 'sendToConnection'
  | 'group.sendToAll'
  | 'connectionExists'
  | 'groupExists'
  | 'userExists'
  | 'closeConnection'
  | 'group.addConnection'
  | 'group.removeConnection'
  | 'group.addUser'
  | 'group.removeUser'
  | 'removeUserFromAllGroups'
  | 'getServiceStatus'
  | 'closeAllConnections'
  | 'closeUserConnections'
  | 'group.closeAllConnections'
  | 'grantPermission'
  | 'revokePermission'
  | 'hasPermission'
  | 'getClientAccessToken'
  | 'removeConnectionFromAllGroups'
  | 'addConnectionsToGroups'
  | 'removeConnectionsFromGroups'
  | 'group.listConnections';

const BASE = '2020-10-01';

const OPERATION_MINIMUM_VERSIONS: Readonly<Record<OperationName, string>> = {
  sendToAll: BASE,
  sendToUser: BASE,
  sendToConnection: BASE,
  'group.sendToAll': BASE,
  connectionExists: BASE,
  groupExists: BASE,
  userExists: BASE,
  closeConnection: BASE,
  'group.addConnection': BASE,
  'group.removeConnection': BASE,
  'group.addUser': BASE,
  'group.removeUser': BASE,
  removeUserFromAllGroups: BASE,
  getServiceStatus: BASE,
  closeAllConnections: '2021-10-01',
  closeUserConnections: '2021-10-01',
  'group.closeAllConnections': '2021-10-01',
  grantPermission: '2021-10-01',
  revokePermission: '2021-10-01',
  hasPermission: '2021-10-01',
  getClientAccessToken: '2021-10-01',
  removeConnectionFromAllGroups: '2022-11-01',
  addConnectionsToGroups: '2023-07-01',
  removeConnectionsFromGroups: '2023-07-01',
  'group.listConnections': '2024-12-01',
};

/** First versions of options that arrived after their operation. */
export const OPTION_MINIMUM_VERSIONS: Readonly<Record<'filter' | 'generateTokenGroups' | 'messageTtlSeconds' | 'clientType', string>> = {
  filter: '2022-11-01',
  generateTokenGroups: '2022-11-01',
  messageTtlSeconds: '2024-01-01',
  clientType: '2024-01-01',
};

const VERSION_PATTERN = /^(\d{4}-\d{2}-\d{2})(-preview)?$/;

/**
 * Checks the `apiVersion` option: `YYYY-MM-DD`, optionally followed by `-preview`.
 *
 * @throws {ConfigError} with code `INVALID_CONFIGURATION` for any other text.
 */
export function checkApiVersionFormat(apiVersion: unknown): string {
  if (typeof apiVersion !== 'string' || !VERSION_PATTERN.test(apiVersion)) {
    throw new ConfigError(
      'apiVersion',
      `The apiVersion ${JSON.stringify(apiVersion)} is invalid. Use a data-plane version such as "2024-12-01", or omit the option.`,
    );
  }
  return apiVersion;
}

/** Tells whether `apiVersion` is `minimum` or later; a preview counts as its date. */
export function isAtLeast(apiVersion: string, minimum: string): boolean {
  return versionDate(apiVersion) >= minimum;
}

/**
 * Throws unless the pinned `apiVersion` has `operation`.
 *
 * @throws {ConfigError} with code `UNSUPPORTED_API_VERSION`.
 */
export function assertOperationSupported(apiVersion: string, operation: OperationName): void {
  const minimum = OPERATION_MINIMUM_VERSIONS[operation];
  if (isAtLeast(apiVersion, minimum)) return;
  throw new ConfigError(
    'apiVersion',
    `${operation} needs api-version ${minimum} or later, but the client is pinned to ${apiVersion}. Set apiVersion to ${minimum} or later, or omit it to use ${DEFAULTS.apiVersion}.`,
    'UNSUPPORTED_API_VERSION',
  );
}

/**
 * Throws unless the pinned `apiVersion` has the option `option` of `operation`.
 *
 * @param description - how the message names the option, such as `the filter option`.
 * @throws {ConfigError} with code `UNSUPPORTED_API_VERSION`.
 */
export function assertOptionSupported(
  apiVersion: string,
  operation: OperationName,
  option: keyof typeof OPTION_MINIMUM_VERSIONS,
  description: string,
): void {
  const minimum = OPTION_MINIMUM_VERSIONS[option];
  if (isAtLeast(apiVersion, minimum)) return;
  throw new ConfigError(
    'apiVersion',
    `${description} of ${operation} needs api-version ${minimum} or later, but the client is pinned to ${apiVersion}. Set apiVersion to ${minimum} or later, or leave the option out.`,
    'UNSUPPORTED_API_VERSION',
  );
}

function versionDate(apiVersion: string): string {
  return VERSION_PATTERN.exec(apiVersion)?.[1] ?? apiVersion;
}
