/**
 * Example Cloudflare Worker for `webpubsub-edge`: a Hono app that hands out client URLs for
 * Azure Web PubSub, broadcasts messages to a hub, a group or a user, and handles the hub's events
 * at `/eventhandler`.
 */

import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Bindings } from './bindings.js';
import { WorkerError, logErrorResponse, toErrorResponse } from './errors.js';
import { EVENT_HANDLER_PATH, handleEvent } from './event-handler.js';
import { broadcast, negotiate } from './routes.js';

/** Largest `POST /broadcast` body this example accepts, in bytes. */
const MAX_BODY_SIZE_IN_BYTES = 1024 * 1024;

const app = new Hono<{ Bindings: Bindings }>();

app.get('/negotiate', negotiate);

app.post(
  '/broadcast',
  bodyLimit({
    maxSize: MAX_BODY_SIZE_IN_BYTES,
    onError: () => {
      throw new WorkerError(413, 'PAYLOAD_TOO_LARGE', `The body is larger than ${MAX_BODY_SIZE_IN_BYTES} bytes.`);
    },
  }),
  broadcast,
);

// The service sends OPTIONS and POST. The handler also serves paths below the route, for an
// upstream URL template that ends in /{event}.
app.on(['OPTIONS', 'POST'], [EVENT_HANDLER_PATH, `${EVENT_HANDLER_PATH}/*`], handleEvent);

app.notFound((c) => {
  return c.json({ error: { code: 'NOT_FOUND', message: 'Not found. The routes are GET /negotiate, POST /broadcast and POST /eventhandler.' } }, 404);
});

app.onError((error, c) => {
  const response = toErrorResponse(error);
  logErrorResponse({ method: c.req.method, route: c.req.path }, response);
  return c.json(response.body, response.status);
});

export default app;
