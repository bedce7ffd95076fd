/**
 * Paging over `GET /api/hubs/{hub}/groups/{group}/connections`. The first page is requested with
 * `maxpagesize`, `top` and `continuationToken`. Each later page is the previous response's
 * absolute `nextLink`, called as it is, so the bearer token's `aud` is that URL.
 */

import { ConfigError, RestError } from '../errors.js';
import { type HttpPipeline, parseJson, type RestResponse } from '../internal/http.js';
import type {
  ContinuablePage,
  GroupListConnectionsOptions,
  PagedAsyncIterableIterator,
  PageSettings,
  WebPubSubGroupMember,
} from './operation-options.js';
import { assertOperationSupported } from './api-versions.js';
import { callOperation } from './rest-operation.js';
import { assertOptionalInteger, assertOptionalString } from './validation.js';

const MAX_PAGE_SIZE = 200;
const MAX_TOP = 2_147_483_647;

/**
 * List the connections of a group lazily: nothing is sent until the first item or page is read.
 *
 * @throws {ConfigError} at once when an option is invalid or the pinned api-version lacks the operation.
 */
export function listGroupConnections(
  pipeline: HttpPipeline,
  groupPath: string,
  options: GroupListConnectionsOptions,
): PagedAsyncIterableIterator<WebPubSubGroupMember> {
  assertOperationSupported(pipeline.apiVersion, 'group.listConnections');
  assertOptionalInteger('maxPageSize', options.maxPageSize, 1, MAX_PAGE_SIZE);
  assertOptionalInteger('top', options.top, 1, MAX_TOP);
  assertOptionalString('continuationToken', options.continuationToken);

  const pages = (settings: PageSettings = {}): AsyncIterableIterator<ContinuablePage<WebPubSubGroupMember>> => {
    assertOptionalInteger('maxPageSize', settings.maxPageSize, 1, MAX_PAGE_SIZE);
    assertOptionalString('continuationToken', settings.continuationToken);
    return iteratePages(pipeline, groupPath, options, settings);
  };

  async function* iterateItems(): AsyncGenerator<WebPubSubGroupMember> {
    for await (const page of pages()) yield* page;
  }

  const items = iterateItems();
  return {
    next: () => items.next(),
    [Symbol.asyncIterator]() {
      return this;
    },
    byPage: pages,
  };
}

async function* iteratePages(
  pipeline: HttpPipeline,
  groupPath: string,
  options: GroupListConnectionsOptions,
  settings: PageSettings,
): AsyncGenerator<ContinuablePage<WebPubSubGroupMember>> {
  let remaining = options.top ?? Infinity;
  let nextLink = settings.continuationToken;
  let response: RestResponse;

  if (nextLink === undefined) {
    const query: Array<[string, string]> = [];
    const maxPageSize = settings.maxPageSize ?? options.maxPageSize;
    if (maxPageSize !== undefined) query.push(['maxpagesize', String(maxPageSize)]);
    if (options.top !== undefined) query.push(['top', String(options.top)]);
    if (options.continuationToken !== undefined) query.push(['continuationToken', options.continuationToken]);
    response = await callOperation(pipeline, 'group.listConnections', { method: 'GET', path: groupPath, query, accept: 'application/json' }, options);
  } else {
    response = await getNextPage(pipeline, nextLink, options);
  }

  while (true) {
    const body = readPage(response);
    const page = body.members.slice(0, remaining) as ContinuablePage<WebPubSubGroupMember>;
    remaining -= page.length;
    if (body.nextLink !== undefined) page.continuationToken = body.nextLink;
    yield page;

    if (body.nextLink === undefined || remaining <= 0) return;
    response = await getNextPage(pipeline, body.nextLink, options);
  }
}

/**
 * Call a `nextLink` as it is. It must point at the service endpoint: the request carries a bearer
 * token, which must not reach another host.
 */
function getNextPage(pipeline: HttpPipeline, nextLink: string, options: GroupListConnectionsOptions): Promise<RestResponse> {
  let url: URL;
  try {
    url = new URL(nextLink, pipeline.endpoint);
  } catch {
    throw new ConfigError('continuationToken', 'The continuation token is not a URL. Pass the continuationToken of a page that listConnections returned.', 'INVALID_ARGUMENT');
  }
  if (url.origin !== new URL(pipeline.endpoint).origin) {
    throw new ConfigError(
      'continuationToken',
      `The next page link points at ${url.origin}, not at the service endpoint ${new URL(pipeline.endpoint).origin}; it is not followed, because the request carries a bearer token.`,
      'INVALID_ARGUMENT',
    );
  }
  return callOperation(pipeline, 'group.listConnections', { method: 'GET', url: url.href, accept: 'application/json' }, options);
}

function readPage(response: RestResponse): { members: WebPubSubGroupMember[]; nextLink: string | undefined } {
  const body = parseJson(response.bodyText) as { value?: unknown; nextLink?: unknown } | undefined;
  if (!body || !Array.isArray(body.value)) {
    throw new RestError({
      status: response.status,
      method: 'GET',
      url: response.url,
      details: { message: 'The list of group connections has no "value" array.' },
    });
  }

  const members: WebPubSubGroupMember[] = [];
  for (const item of body.value as Array<Record<string, unknown>>) {
    if (typeof item?.connectionId !== 'string') continue;
    members.push(typeof item.userId === 'string' ? { connectionId: item.connectionId, userId: item.userId } : { connectionId: item.connectionId });
  }
  const nextLink = typeof body.nextLink === 'string' && body.nextLink !== '' ? body.nextLink : undefined;
  return { members, nextLink };
}
