/**
 * `POST|OPTIONS /eventhandler`: the hub's upstream webhook, built on `WebPubSubEventHandler`,
 * running a small chat.
 *
 * - `connect` accepts only connections with a user id and puts each one in a room: the `room`
 *   query parameter of the client URL, or else the first group of its token. The room goes into
 *   the connection state, which the service sends back with every later event.
 * - The user event `message` with text (or JSON `{"text": "..."}`) is broadcast through the REST
 *   API as `{ from, text }` to the sender's room, or to the whole hub when it has none. The sender
 *   gets the reply `{ sent, group, count }`, where `count` is its number of messages so far.
 *
 * Requests are verified with the access key of `WEBPUBSUB_CONNECTION_STRING` before any callback
 * runs, so a forged or unsigned request gets 401.
 */

import type { Context } from 'hono';
import {
  EventHandlerError,
  WebPubSubEventHandler,
  type ConnectRequest,
  type ConnectResponse,
  type UserEventRequest,
  type UserEventResponse,
} from '../../src/index.js';
import type { Bindings } from './bindings.js';
import { WorkerError } from './errors.js';
import { getServiceClient } from './service-client.js';

type WorkerContext = Context<{ Bindings: Bindings }>;

/** Path of the route, which also matches paths below it such as `/eventhandler/connect`. */
export const EVENT_HANDLER_PATH = '/eventhandler';

/** The only user event the chat handles. Clients without a subprotocol send every frame as it. */
const CHAT_EVENT = 'message';

/** Maximum length of a group name that the service accepts, in characters. */
const MAX_ROOM_LENGTH = 1024;

// One handler per isolate, like the service client. Its callbacks use only the connection string
// and the hub, which are also the cache key, so a cached handler never serves other bindings.
let cached: { connectionString: string; hub: string; handler: WebPubSubEventHandler } | undefined;

/**
 * Handles the service's requests to `/eventhandler`: the abuse-protection `OPTIONS` and the
 * CloudEvents `POST` requests of the configured hub. Rejected requests are logged as one line.
 *
 * @throws {WorkerError} 404 for a request that is not a Web PubSub event of the configured hub,
 * and when a binding is missing.
 */
export async function handleEvent(c: WorkerContext): Promise<Response> {
  const handler = getEventHandler(c.env);
  const response = await handler.handle(c.req.raw);
  if (response === undefined) {
    const hub = c.env.WEBPUBSUB_HUB ?? '';
    throw new WorkerError(
      404,
      'NOT_FOUND',
      `${EVENT_HANDLER_PATH} accepts only requests from Azure Web PubSub for hub "${hub}": OPTIONS with WebHook-Request-Origin, or POST with the ce-* headers.`,
    );
  }

  if (response.status >= 400) {
    logRejectedEvent(c.req.raw, response.status);
  }
  return response;
}

/**
 * Returns the event handler for the bindings, reusing the cached one while the connection
 * string and hub stay the same.
 *
 * @throws {WorkerError} when `WEBPUBSUB_CONNECTION_STRING` or `WEBPUBSUB_HUB` is not set.
 * @throws {ConfigError} when the connection string or hub name is invalid.
 */
function getEventHandler(env: Bindings): WebPubSubEventHandler {
  // Checks both bindings and reports a missing one the way the other routes do.
  getServiceClient(env);
  const connectionString = env.WEBPUBSUB_CONNECTION_STRING!;
  const hub = env.WEBPUBSUB_HUB!;

  if (cached?.connectionString === connectionString && cached.hub === hub) {
    return cached.handler;
  }

  const bindings: Bindings = { WEBPUBSUB_CONNECTION_STRING: connectionString, WEBPUBSUB_HUB: hub };
  const handler = new WebPubSubEventHandler(hub, {
    path: EVENT_HANDLER_PATH,
    connectionString,
    handleConnect,
    handleUserEvent: (request) => handleChatMessage(request, bindings),
    onConnected: ({ context }) => logLine('info', 'client.connected', { hub: context.hub, connectionId: context.connectionId, userId: context.userId }),
    onDisconnected: ({ context, reason }) =>
      logLine('info', 'client.disconnected', { hub: context.hub, connectionId: context.connectionId, userId: context.userId, reason }),
    onError: (error, context) =>
      logLine('error', 'eventhandler.failed', {
        hub: context?.hub,
        connectionId: context?.connectionId,
        eventName: context?.eventName,
        errorName: error instanceof Error ? error.name : typeof error,
        errorMessage: error instanceof Error ? error.message : undefined,
      }),
  });
  cached = { connectionString, hub, handler };
  return handler;
}

/** Accepts a connection that has a user id, in the room it asked for. */
function handleConnect(request: ConnectRequest): ConnectResponse {
  const userId = request.context.userId;
  if (userId === undefined) {
    throw new EventHandlerError(401, 'Anonymous connections are not allowed. Get a client URL from GET /negotiate?userId=<id>.');
  }

  const room = request.queries?.room?.[0] ?? request.claims?.['webpubsub.group']?.[0];
  if (room === undefined) {
    return { userId };
  }

  if (room.trim() === '' || room.length > MAX_ROOM_LENGTH) {
    throw new EventHandlerError(400, `The room must be 1 to ${MAX_ROOM_LENGTH} characters and not only whitespace.`);
  }

  request.setState('room', room);
  return { userId, groups: [room] };
}

/** Broadcasts a chat message to the sender's room, or to the whole hub when the sender has none. */
async function handleChatMessage(request: UserEventRequest, bindings: Bindings): Promise<UserEventResponse> {
  const { eventName, states, userId } = request.context;
  if (eventName !== CHAT_EVENT) {
    throw new EventHandlerError(400, `Unknown event "${eventName}". This hub handles only "${CHAT_EVENT}".`);
  }

  const text = readText(request);
  if (text === undefined) {
    throw new EventHandlerError(400, 'Send the message as text, or as JSON {"text": "..."}.');
  }

  const room = typeof states.room === 'string' ? states.room : undefined;
  const count = (typeof states.count === 'number' ? states.count : 0) + 1;
  request.setState('count', count);

  const client = getServiceClient(bindings);
  const message = { from: userId ?? null, text };
  if (room === undefined) {
    await client.sendToAll(message);
  } else {
    await client.group(room).sendToAll(message);
  }

  return { data: { sent: true, group: room ?? null, count }, dataType: 'json' };
}

function readText(request: UserEventRequest): string | undefined {
  if (request.dataType === 'text') {
    return request.data;
  }

  if (request.dataType === 'json' && typeof request.data === 'object' && request.data !== null) {
    const { text } = request.data as { text?: unknown };
    return typeof text === 'string' ? text : undefined;
  }

  return undefined;
}

/**
 * Writes one line for a rejected event request, with the event type and connection id and
 * never the signature.
 */
function logRejectedEvent(request: Request, status: number): void {
  logLine('warn', 'eventhandler.rejected', {
    method: request.method,
    route: EVENT_HANDLER_PATH,
    status,
    eventType: request.headers.get('ce-type') ?? undefined,
    connectionId: request.headers.get('ce-connectionId') ?? undefined,
  });
}

function logLine(level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ level, event, ...fields });
  if (level === 'error') {
    console.error(line);
  } else if (level === 'warn') {
    console.warn(line);
  } else {
    console.log(line);
  }
}
