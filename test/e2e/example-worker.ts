/**
 * Starts the example Worker in workerd under wrangler's `unstable_startWorker`, on loopback,
 * bound to a given emulator connection string.
 */
import { unstable_startWorker } from 'wrangler';

const REPOSITORY_ROOT = new URL('../../', import.meta.url);

export type DevWorker = Awaited<ReturnType<typeof unstable_startWorker>>;

/**
 * Start the Worker of `wrangler.toml` with `WEBPUBSUB_CONNECTION_STRING` bound to
 * `connectionString`, on `port` (0 for any free port), and resolve once it serves requests.
 */
export async function startExampleWorker(connectionString: string, port = 0): Promise<{ worker: DevWorker; url: string }> {
  // Keeps wrangler on loopback: no `cf` object download and no usage metrics.
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
  process.env.WRANGLER_SEND_METRICS = 'false';

  const worker = await unstable_startWorker({
    config: new URL('wrangler.toml', REPOSITORY_ROOT).pathname,
    bindings: { WEBPUBSUB_CONNECTION_STRING: { type: 'plain_text', value: connectionString } },
    sendMetrics: false,
    dev: {
      server: { hostname: '127.0.0.1', port },
      inspector: false,
      remote: false,
      watch: false,
      persist: false,
      logLevel: 'warn',
      enableContainers: false,
    },
  });
  await worker.ready;
  return { worker, url: (await worker.url).origin };
}
