/**
 * Options and result types of the operations that manage connections, groups and permissions.
 * The names are those of `@azure/web-pubsub`.
 */

import type { OperationOptions } from './options.js';

/** Options of `closeConnection`. */
export interface HubCloseConnectionOptions extends OperationOptions {
  /** The reason for closing, which the client receives in its `disconnected` message. */
  reason?: string;
}

/** Options of `closeAllConnections`. */
export interface HubCloseAllConnectionsOptions extends HubCloseConnectionOptions {
  /** Connection ids that stay open. Sent as repeated `excluded` query parameters. */
  excludedConnections?: string[];
}

/** Options of `closeUserConnections`. */
export type HubCloseUserConnectionsOptions = HubCloseAllConnectionsOptions;

/** Options of `group(name).closeAllConnections`. */
export type GroupCloseAllConnectionsOptions = HubCloseAllConnectionsOptions;

/** A permission that can be granted to one connection. */
export type Permission = 'joinLeaveGroup' | 'sendToGroup';

/** Options of `grantPermission`, `revokePermission` and `hasPermission`. */
export interface HubPermissionOptions extends OperationOptions {
  /**
   * The group the permission applies to. Without it, `grantPermission` grants the permission
   * for every group.
   */
  targetName?: string;
}

/** Options of `grantPermission`. */
export type HubGrantPermissionOptions = HubPermissionOptions;

/** Options of `revokePermission`. */
export type HubRevokePermissionOptions = HubPermissionOptions;

/** Options of `hasPermission`. */
export type HubHasPermissionOptions = HubPermissionOptions;

/** Options of `group(name).listConnections`. */
export interface GroupListConnectionsOptions extends OperationOptions {
  /** Connections per page that the service returns: 1 to 200. */
  maxPageSize?: number;
  /** Most connections listed in total: 1 to 2147483647. */
  top?: number;
  /** The `continuationToken` of a page, to resume listing after it. */
  continuationToken?: string;
}

/** One connection of a group, as `listConnections` returns it. */
export interface WebPubSubGroupMember {
  /** The connection id. */
  connectionId: string;
  /** The user id of the connection, when it has one. */
  userId?: string;
}

/** Settings of `byPage()`. */
export interface PageSettings {
  /** Resume after the page whose `continuationToken` this is. */
  continuationToken?: string;
  /** Items per page of the first request: 1 to 200. */
  maxPageSize?: number;
}

/** One page of a listing, with the token that resumes after it. */
export type ContinuablePage<Item> = Item[] & {
  /** Pass it to `byPage({ continuationToken })` to resume after this page; absent on the last page. */
  continuationToken?: string;
};

/**
 * An async iterator over items that can also be walked page by page, with the shape of
 * `PagedAsyncIterableIterator` from `@azure/core-paging`.
 */
export interface PagedAsyncIterableIterator<Item> extends AsyncIterableIterator<Item> {
  /** Iterates over whole pages instead of items. */
  byPage(settings?: PageSettings): AsyncIterableIterator<ContinuablePage<Item>>;
}
