/**
 * Example Cloudflare Worker for `webpubsub-edge`: a Hono app that hands out client URLs for
 * Azure Web PubSub and broadcasts messages to a hub, a group or a user.
 */

import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Bindings } from './bindings.js';
import { WorkerError, logErrorResponse, toErrorResponse } from './errors.js';
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

app.notFound((c) => {
  return c.json({ error: { code: 'NOT_FOUND', message: 'Not found. The routes are GET /negotiate and POST /broadcast.' } }, 404);
});

app.onError((error, c) => {
  const response = toErrorResponse(error);
  logErrorResponse({ method: c.req.method, route: c.req.path }, response);
  return c.json(response.body, response.status);
});

export default app;
