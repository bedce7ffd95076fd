/**
 * Bindings of the example Worker, as declared in `wrangler.toml` and `.dev.vars`.
 */

/** Environment the Workers runtime passes to every request. */
export interface Bindings {
  /**
   * Connection string of the Web PubSub resource: a secret, set with
   * `wrangler secret put WEBPUBSUB_CONNECTION_STRING` in production and in `.dev.vars` locally.
   */
  WEBPUBSUB_CONNECTION_STRING?: string;
  /** Hub that clients join and broadcasts go to, set in `[vars]` of `wrangler.toml`. */
  WEBPUBSUB_HUB?: string;
}
