// @ts-check
/**
 * `POST /api/hubs/{hub}/:generateToken`: the service issues a client access token, which is how
 * a server authenticated with Microsoft Entra ID gets one. The token is signed with the
 * emulator's first access key, so the client endpoint accepts it like a key-signed one.
 *
 * Query: `userId`, `role` (repeated), `minutesToExpire` (whole minutes from 1, default 60),
 * `group` (repeated, from 2022-11-01) and `clientType` (`Default`, `MQTT` or `SocketIO`, any
 * case, from 2024-01-01). Response: 200 with `{ "token": "…" }`.
 */
import { SignJWT } from 'jose';

/** @typedef {import('./rest-routes.js').RestRoute} RestRoute */

const DEFAULT_MINUTES_TO_EXPIRE = 60;

/** Path below the host of the client endpoint, by lower-cased `clientType`. */
const CLIENT_PATHS = /** @type {Record<string, string>} */ ({
  default: 'client/hubs/',
  mqtt: 'clients/mqtt/hubs/',
  socketio: 'clients/socketio/hubs/',
});

/** @type {RestRoute} */
export const GENERATE_TOKEN_ROUTE = {
  method: 'POST',
  path: '/api/hubs/{hub}/:generateToken',
  operation: 'generateClientToken',
  minApiVersion: '2021-10-01',
  queryParameters: ['userId', 'role', 'minutesToExpire', 'group', 'clientType'],
  run: async ({ params, query, host, accessKeys }) => {
    const clientType = (query.get('clientType') ?? 'default').toLowerCase();
    const minutes = Number(query.get('minutesToExpire') ?? DEFAULT_MINUTES_TO_EXPIRE);
    const issuedAt = Math.floor(Date.now() / 1000);

    // Claims in the order the key-signed path of the SDKs writes them.
    /** @type {Record<string, unknown>} */
    const claims = {};
    const roles = query.getAll('role');
    const groups = query.getAll('group');
    if (roles.length > 0) claims.role = roles;
    if (groups.length > 0) claims['webpubsub.group'] = groups;
    claims.iat = issuedAt;
    claims.exp = issuedAt + minutes * 60;
    claims.aud = `http://${host}/${CLIENT_PATHS[clientType]}${params.hub}`;
    const userId = query.get('userId');
    if (userId) claims.sub = userId;

    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode(accessKeys[0]));
    return { status: 200, body: { token } };
  },
};

/**
 * Rules for the query parameters of `:generateToken`, by name. Each returns an error message
 * or null.
 *
 * @type {Record<string, (values: string[]) => string | null>}
 */
export const GENERATE_TOKEN_QUERY_RULES = {
  userId: (values) => (values.length === 1 ? null : 'userId must appear at most once.'),
  role: () => null,
  minutesToExpire: (values) => {
    const [value] = values;
    return values.length === 1 && /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 2_147_483_647
      ? null
      : 'minutesToExpire must be one whole number of minutes, 1 or more.';
  },
  clientType: (values) =>
    values.length === 1 && Object.hasOwn(CLIENT_PATHS, values[0].toLowerCase())
      ? null
      : 'clientType must be Default, MQTT or SocketIO.',
};
