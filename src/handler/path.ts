/**
 * Matching of request paths against the event handler's configured path.
 */

import { ConfigError } from '../errors.js';

/**
 * Normalize the configured path for matching: percent-encoded as `URL` encodes a path,
 * lower-cased, and without trailing slashes.
 *
 * @throws {ConfigError} with `field` `path` when the path does not start with `/`.
 */
export function normalizeHandlerPath(path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new ConfigError(
      'path',
      `Invalid path ${JSON.stringify(path)}: use an absolute URL path such as "/api/webpubsub/hubs/chat/".`,
    );
  }

  // Resolving against a placeholder origin encodes the path exactly as request URLs are encoded.
  const { pathname } = new URL(path, 'http://localhost');
  return stripTrailingSlashes(pathname.toLowerCase());
}

/**
 * Tell whether `pathname` is the handler path or a path below it. The comparison is
 * case-insensitive and ignores trailing slashes. A path that merely starts with the same
 * characters, such as `/hubs/chatroom` for `/hubs/chat`, does not match.
 */
export function isHandlerPath(pathname: string, handlerPath: string): boolean {
  const candidate = stripTrailingSlashes(pathname.toLowerCase());
  if (candidate === handlerPath) return true;

  return candidate.startsWith(`${handlerPath}/`);
}

function stripTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path[end - 1] === '/') end--;
  return path.slice(0, end);
}
