// @ts-check
/**
 * `GET /api/hubs/{hub}/groups/{group}/connections` (api-version 2024-12-01): the connections of a
 * group, in pages of `{ value: [{ connectionId, userId? }], nextLink? }`.
 *
 * Connections are listed in connection id order. `maxpagesize` (1 to 200) sets the page size,
 * `top` the most connections in total, and `continuationToken` resumes after a page. `nextLink`
 * is an absolute URL on the host the request came to, with the same api-version, the remaining
 * `top` and the token of the next page.
 */

/** @typedef {import('./rest-routes.js').RestRoute} RestRoute */

/** Page size without `maxpagesize`; the largest the API allows. */
const DEFAULT_PAGE_SIZE = 200;
const MAX_PAGE_SIZE = 200;
const MAX_TOP = 2_147_483_647;

/** @type {RestRoute} */
export const LIST_CONNECTIONS_ROUTE = {
  method: 'GET',
  path: '/api/hubs/{hub}/groups/{group}/connections',
  operation: 'listConnectionsInGroup',
  minApiVersion: '2024-12-01',
  queryParameters: ['maxpagesize', 'top', 'continuationToken'],
  run: ({ registry, params, query, host, apiVersion }) => {
    const members = (registry.findHub(params.hub)?.groupMembers(params.group) ?? []).sort(byId);

    const token = query.get('continuationToken');
    const after = token === null ? null : Buffer.from(token, 'base64url').toString('utf8');
    const remaining = after === null ? members : members.filter((member) => member.id > after);

    const pageSize = Number(query.get('maxpagesize') ?? DEFAULT_PAGE_SIZE);
    const top = Number(query.get('top') ?? MAX_TOP);
    const page = remaining.slice(0, Math.min(pageSize, top));
    const value = page.map((member) =>
      member.userId === null ? { connectionId: member.id } : { connectionId: member.id, userId: member.userId },
    );

    const topLeft = top - page.length;
    const last = page.at(-1);
    if (last === undefined || topLeft <= 0 || remaining.length <= page.length) {
      return { status: 200, body: { value } };
    }

    const nextQuery = new URLSearchParams({
      'api-version': apiVersion,
      maxpagesize: String(pageSize),
      top: String(topLeft),
      continuationToken: Buffer.from(last.id, 'utf8').toString('base64url'),
    });
    const path = `/api/hubs/${encodeURIComponent(params.hub)}/groups/${encodeURIComponent(params.group)}/connections`;
    return { status: 200, body: { value, nextLink: `http://${host}${path}?${nextQuery}` } };
  },
};

/**
 * Rules for the query parameters of the listing, by name.
 *
 * @type {Record<string, (values: string[]) => string | null>}
 */
export const LIST_CONNECTIONS_QUERY_RULES = {
  maxpagesize: (values) => integerRule('maxpagesize', values, MAX_PAGE_SIZE),
  top: (values) => integerRule('top', values, MAX_TOP),
  continuationToken: (values) =>
    values.length === 1 && /^[A-Za-z0-9_-]+$/.test(values[0]) ? null : 'continuationToken is not a token this service issued.',
};

/**
 * Orders connections by id, in code unit order, so that pages are stable.
 *
 * @param {{ id: string }} left
 * @param {{ id: string }} right
 */
function byId(left, right) {
  if (left.id === right.id) return 0;
  return left.id < right.id ? -1 : 1;
}

/**
 * @param {string} name
 * @param {string[]} values
 * @param {number} max
 */
function integerRule(name, values, max) {
  const [value] = values;
  return values.length === 1 && /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= max
    ? null
    : `${name} must be one whole number from 1 to ${max}.`;
}
