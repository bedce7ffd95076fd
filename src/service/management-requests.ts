/**
 * Paths, query parameters and bodies of the operations that close connections, change group
 * membership in bulk and manage permissions, validated before anything is sent.
 */

import { ConfigError } from '../errors.js';
import { encodePathSegment, type QueryEntries } from '../internal/http.js';
import type { HubCloseAllConnectionsOptions, HubPermissionOptions, Permission } from './operation-options.js';
import { assertConnectionIds, assertFilter, assertGroupName, assertGroupNames, assertNonEmpty, assertOptionalString } from './validation.js';

const PERMISSIONS: ReadonlySet<string> = new Set<Permission>(['joinLeaveGroup', 'sendToGroup']);

/** Query of a close operation: repeated `excluded`, then `reason`, in the official SDK's order. */
export function closeQuery(options: HubCloseAllConnectionsOptions, acceptsExcluded: boolean): QueryEntries {
  const query: Array<[string, string]> = [];
  if (acceptsExcluded) {
    assertConnectionIds('excludedConnections', options.excludedConnections);
    for (const connectionId of options.excludedConnections ?? []) query.push(['excluded', connectionId]);
  }

  assertOptionalString('reason', options.reason);
  if (options.reason !== undefined) query.push(['reason', options.reason]);
  return query;
}

/** JSON body of `:addToGroups` and `:removeFromGroups`: `{"groups":[...],"filter":"..."}`. */
export function groupsAndFilterBody(groups: unknown, filter: unknown): { contentType: string; body: string } {
  assertGroupNames(groups);
  assertFilter(filter);
  return { contentType: 'application/json', body: JSON.stringify({ groups, filter }) };
}

/** Path of a permission of one connection, and its `targetName` query. */
export function permissionRequest(
  hubPath: string,
  connectionId: unknown,
  permission: unknown,
  options: HubPermissionOptions,
): { path: string; query: QueryEntries } {
  assertNonEmpty('connectionId', connectionId);
  if (typeof permission !== 'string' || !PERMISSIONS.has(permission)) {
    throw new ConfigError('permission', `The permission ${JSON.stringify(permission)} is invalid. Use "joinLeaveGroup" or "sendToGroup".`, 'INVALID_ARGUMENT');
  }

  const query: Array<[string, string]> = [];
  if (options.targetName !== undefined) {
    assertGroupName(options.targetName, 'targetName');
    query.push(['targetName', options.targetName]);
  }

  const path = `${hubPath}/permissions/${encodePathSegment(permission, 'permission')}/connections/${encodePathSegment(connectionId, 'connectionId')}`;
  return { path, query };
}
