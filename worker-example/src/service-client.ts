/**
 * One `WebPubSubServiceClient` per isolate, built from the bindings on first use.
 */

import { WebPubSubServiceClient } from '../../src/index.js';
import type { Bindings } from './bindings.js';
import { WorkerError } from './errors.js';

// The client is built synchronously, so the cache contains a finished object and no request
// ever waits on a promise that another request started. A failed build is not cached.
let cached: { connectionString: string; hub: string; client: WebPubSubServiceClient } | undefined;

/**
 * Returns the service client for the bindings, reusing the cached one while the connection
 * string and hub stay the same.
 *
 * @throws {WorkerError} when `WEBPUBSUB_CONNECTION_STRING` or `WEBPUBSUB_HUB` is not set.
 * @throws {ConfigError} when the connection string or hub name is invalid.
 */
export function getServiceClient(env: Bindings): WebPubSubServiceClient {
  const connectionString = env.WEBPUBSUB_CONNECTION_STRING;
  if (!connectionString) {
    throw new WorkerError(
      500,
      'MISSING_CONNECTION_STRING',
      'WEBPUBSUB_CONNECTION_STRING is not set. Locally, add it to .dev.vars (npm start does this for you); in production, run `wrangler secret put WEBPUBSUB_CONNECTION_STRING`.',
    );
  }

  const hub = env.WEBPUBSUB_HUB;
  if (!hub) {
    throw new WorkerError(500, 'MISSING_HUB', 'WEBPUBSUB_HUB is not set. Add it under [vars] in wrangler.toml, such as WEBPUBSUB_HUB = "chat".');
  }

  if (cached?.connectionString === connectionString && cached.hub === hub) {
    return cached.client;
  }

  const client = new WebPubSubServiceClient(connectionString, hub);
  cached = { connectionString, hub, client };
  return client;
}
