/**
 * Handlers of the two routes: `GET /negotiate` mints a client URL, `POST /broadcast` sends a
 * message through the Web PubSub REST API.
 */

import type { Context } from 'hono';
import type { Bindings } from './bindings.js';
import { WorkerError } from './errors.js';
import { BroadcastBody, NegotiateQuery, parseInput } from './schemas.js';
import { getServiceClient } from './service-client.js';

type WorkerContext = Context<{ Bindings: Bindings }>;

// Clients may join, leave and publish to any group. Narrow these to
// `webpubsub.joinLeaveGroup.<group>` and `webpubsub.sendToGroup.<group>` to restrict a user.
const CLIENT_ROLES = ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'];

/**
 * `GET /negotiate?userId=<id>[&groups=a,b]` returns `{ url }`, the WebSocket URL with a client
 * access token for that user, who joins `groups` on connect.
 */
export async function negotiate(c: WorkerContext): Promise<Response> {
  const query = parseInput(NegotiateQuery, c.req.query());
  const client = getServiceClient(c.env);

  const { url } = await client.getClientAccessToken({
    userId: query.userId,
    roles: CLIENT_ROLES,
    groups: query.groups,
  });
  return c.json({ url });
}

/**
 * `POST /broadcast` with `{ message, group?, userId? }` sends `message` as JSON to the group, to
 * the user, or else to every connection of the hub, and returns 202 `{ sent: true }`.
 */
export async function broadcast(c: WorkerContext): Promise<Response> {
  const body = parseInput(BroadcastBody, await readJson(c.req.raw));
  const client = getServiceClient(c.env);

  if (body.group !== undefined) {
    await client.group(body.group).sendToAll(body.message);
  } else if (body.userId !== undefined) {
    await client.sendToUser(body.userId, body.message);
  } else {
    await client.sendToAll(body.message);
  }
  return c.json({ sent: true }, 202);
}

// The body is parsed whatever its Content-Type, so `curl -d '{...}'` works without a header.
async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new WorkerError(400, 'INVALID_JSON', 'The body must be JSON, such as {"message": "hello"}.');
  }
}
