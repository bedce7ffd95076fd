// @ts-check
/**
 * A local Azure Web PubSub service for development and tests. One HTTP server on loopback
 * serves the data-plane REST API under `/api` and the client WebSocket endpoint under
 * `/client/hubs/{hub}`, with the same token checks as the real service.
 */
import { createServer } from 'node:http';
import { createClientEndpoint } from './client-endpoint.js';
import { createHooks } from './hooks.js';
import { createRestHandler } from './http-api.js';
import { HubRegistry } from './hub-state.js';
import { EventLogger, defaultLogger } from './log.js';
import { Upstream, normalizeUpstreamOptions } from './upstream.js';

export { defaultLogger } from './log.js';

/**
 * Primary access key of the emulator. It is public, like Azurite's account key, so never use
 * it for a real resource.
 */
export const DEV_PRIMARY_KEY = 'toEVcQeUfXCQhw6sfx9Ssz3IslTv8GgeItWempuZ3PQ=';

/** Secondary access key of the emulator. Public as well. */
export const DEV_SECONDARY_KEY = 'keKoU9YJVuIpcwM3OFrluuhQ2nPbckkeiFXgQY62qwc=';

/** Port of the command-line emulator when none is given. */
export const DEFAULT_PORT = 8092;

/** Time that clients get to reply to the close frame when the emulator stops, in milliseconds. */
const SHUTDOWN_CLOSE_TIMEOUT_MS = 1000;

/**
 * @typedef {object} EmulatorOptions
 * @property {string} [host] interface to listen on. Default `127.0.0.1`.
 * @property {number} [port] TCP port. Default 0, which picks a free port.
 * @property {string[]} [accessKeys] keys that sign valid tokens. The first one goes into
 *   `connectionString`. Default `[DEV_PRIMARY_KEY, DEV_SECONDARY_KEY]`.
 * @property {import('./log.js').LogSink} [log] receives one entry object per event.
 *   Default: one JSON line per entry on stdout.
 * @property {import('./entra-auth.js').EntraIssuerOptions} [entraIssuer] a local Microsoft Entra
 *   ID issuer whose bearer tokens the REST API also accepts, for tests of the Entra ID path.
 *   Default: none, so only access-key tokens are accepted.
 * @property {import('./upstream.js').UpstreamOptions} [upstream] an upstream event handler that
 *   receives the hub's events as CloudEvents, such as
 *   `{ urlTemplate: 'http://127.0.0.1:8787/eventhandler' }`. Default: none, so `event` frames
 *   are acknowledged without a handler and frames of clients without a subprotocol are dropped.
 */

/**
 * @typedef {object} Emulator
 * @property {string} url base URL, such as `http://127.0.0.1:8092`
 * @property {number} port the port actually bound
 * @property {readonly string[]} accessKeys
 * @property {string} connectionString `Endpoint=<url>;AccessKey=<first key>;Version=1.0;`
 * @property {() => Promise<void>} close closes every client socket and the server; later
 *   calls return the same promise
 * @property {import('./hooks.js').EmulatorHooks} hooks fault-injection hooks for tests
 */

/**
 * Starts the emulator and resolves once it is listening.
 *
 * @example
 * const emulator = await startEmulator({ port: 0 });
 * const serviceClient = new WebPubSubServiceClient(emulator.connectionString, 'chat', {
 *   allowInsecureConnection: true,
 * });
 * await serviceClient.sendToAll('hello', { contentType: 'text/plain' });
 * await emulator.close();
 *
 * @param {EmulatorOptions} [options]
 * @returns {Promise<Emulator>}
 * @throws {Error} when the port is in use (`code` `EADDRINUSE`) or the options are invalid
 */
export async function startEmulator(options = {}) {
  const {
    host = '127.0.0.1',
    port = 0,
    accessKeys = [DEV_PRIMARY_KEY, DEV_SECONDARY_KEY],
    log = defaultLogger,
    entraIssuer,
  } = options;
  // Checked before listening, so that a bad template fails without opening the port.
  const upstreamOptions =
    options.upstream === undefined ? undefined : normalizeUpstreamOptions(options.upstream);

  const hasValidKeys =
    Array.isArray(accessKeys) &&
    accessKeys.length > 0 &&
    accessKeys.every((key) => typeof key === 'string' && key !== '');
  if (!hasValidKeys) {
    throw new TypeError('accessKeys must be a non-empty array of non-empty strings.');
  }

  const keys = Object.freeze([...accessKeys]);
  const logger = new EventLogger(log);
  const registry = new HubRegistry();
  let isClosing = false;
  /** @type {Upstream | null} created once the URL, which gives its origin, is known */
  let upstream = null;

  const server = createServer();
  const clientEndpoint = createClientEndpoint({
    registry,
    accessKeys: keys,
    logger,
    isClosing: () => isClosing,
    upstream: () => upstream,
  });
  server.on('request', createRestHandler({ registry, accessKeys: keys, logger, entraIssuer }));
  server.on('upgrade', clientEndpoint.handleUpgrade);
  server.on('clientError', (/** @type {NodeJS.ErrnoException} */ error, socket) => {
    // A client that resets an idle keep-alive connection is not an error worth a response.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }

    const reason = `Malformed HTTP request: ${error.message}`;
    logger.rejected('rest.rejected', { status: 400, reason });
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  await listen(server, port, host);
  server.on('error', (error) => logger.error(error, { host, port }));

  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${hostInUrl}:${address.port}`;
  if (upstreamOptions !== undefined) {
    const origin = new URL(url).host;
    upstream = new Upstream({ options: upstreamOptions, accessKeys: keys, origin, logger });
  }
  logger.info('emulator.start', {
    url,
    host: address.address,
    port: address.port,
    accessKeyCount: keys.length,
    // The query string is left out, because it can carry a secret such as a `code`.
    ...(upstreamOptions ? { upstreamUrlTemplate: upstreamOptions.urlTemplate.split('?')[0] } : {}),
  });

  /** @type {Promise<void> | undefined} */
  let closed;

  const close = () => {
    closed ??= (async () => {
      isClosing = true;
      const serverClosed = new Promise((resolve) => server.close(resolve));

      const connections = registry.allConnections();
      await Promise.all(
        connections.map((connection) => connection.shutdown(SHUTDOWN_CLOSE_TIMEOUT_MS)),
      );
      clientEndpoint.destroyPendingSockets();
      // Disconnected events of the connections just closed get a short grace period.
      await upstream?.close();
      server.closeAllConnections();
      await serverClosed;

      logger.flush();
      logger.info('emulator.stop', { url });
    })();
    return closed;
  };

  return {
    url,
    port: address.port,
    accessKeys: keys,
    connectionString: `Endpoint=${url};AccessKey=${keys[0]};Version=1.0;`,
    close,
    hooks: createHooks(registry),
  };
}

/**
 * @param {import('node:http').Server} server
 * @param {number} port
 * @param {string} host
 * @returns {Promise<void>}
 */
function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    const onError = (/** @type {Error} */ error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
