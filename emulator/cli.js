#!/usr/bin/env node
// @ts-check
/**
 * Command line for the emulator: `node emulator/cli.js [--port N] [--host H] [--upstream URL]`.
 *
 * Log entries go to stdout as JSON lines. The connection string and endpoint URLs go to
 * stderr, so stdout stays machine-readable. The emulator runs until SIGINT or SIGTERM.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_PORT, startEmulator } from './server.js';
import { normalizeUpstreamOptions } from './upstream.js';

const USAGE = `Usage: node emulator/cli.js [--port N] [--host H] [--upstream URL_TEMPLATE]

Starts a local Azure Web PubSub emulator.

Options:
  --port N                  TCP port to listen on; 0 picks a free port.
                            Default: $WEBPUBSUB_EMULATOR_PORT, else ${DEFAULT_PORT}.
  --host H                  Interface to listen on. Default: 127.0.0.1.
  --upstream URL_TEMPLATE   Event handler that receives every hub's events as CloudEvents,
                            such as http://127.0.0.1:8787/eventhandler. {hub} and {event}
                            in it become the hub and event names.
                            Default: $WEBPUBSUB_EMULATOR_UPSTREAM, else none.
  --help                    Print this help.
`;

/**
 * @param {string} message
 * @returns {never}
 */
function exitWithError(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/**
 * @param {string} value
 * @param {string} source where the value came from, for the error message
 * @returns {number}
 */
function parsePort(value, source) {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    exitWithError(`Invalid port "${value}" in ${source}. Use an integer from 0 to 65535.`);
  }
  return port;
}

/** @returns {{ host: string, port: number, upstream: string | undefined }} */
function readOptions() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        upstream: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    exitWithError(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }

  if (parsed.values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }

  const environmentPort = process.env.WEBPUBSUB_EMULATOR_PORT;
  let port = DEFAULT_PORT;
  if (parsed.values.port !== undefined) {
    port = parsePort(parsed.values.port, '--port');
  } else if (environmentPort !== undefined && environmentPort !== '') {
    port = parsePort(environmentPort, 'WEBPUBSUB_EMULATOR_PORT');
  }

  const environmentUpstream = process.env.WEBPUBSUB_EMULATOR_UPSTREAM;
  const upstream = parsed.values.upstream ?? (environmentUpstream || undefined);
  if (upstream !== undefined) {
    const source =
      parsed.values.upstream === undefined ? 'WEBPUBSUB_EMULATOR_UPSTREAM' : '--upstream';
    try {
      normalizeUpstreamOptions({ urlTemplate: upstream });
    } catch (error) {
      exitWithError(`${error instanceof Error ? error.message : String(error)} (from ${source})`);
    }
  }

  return { host: parsed.values.host ?? '127.0.0.1', port, upstream };
}

async function main() {
  const { host, port, upstream } = readOptions();

  let emulator;
  try {
    const upstreamOptions = upstream === undefined ? undefined : { urlTemplate: upstream };
    emulator = await startEmulator({ host, port, upstream: upstreamOptions });
  } catch (error) {
    const code = /** @type {NodeJS.ErrnoException} */ (error).code;
    if (code === 'EADDRINUSE') {
      exitWithError(
        `Port ${port} on ${host} is already in use. ` +
          'Stop the other process or pass --port <n> (0 picks a free port).',
      );
    }
    if (code === 'EADDRNOTAVAIL') {
      exitWithError(
        `Host ${host} is not an address of this machine. Pass --host 127.0.0.1 or ::1.`,
      );
    }
    throw error;
  }

  // Handlers go in before the banner, so that a signal sent as soon as the banner appears
  // still stops the emulator cleanly.
  let isStopping = false;
  const stop = (/** @type {NodeJS.Signals} */ signal) => {
    if (isStopping) {
      process.stderr.write(`Received ${signal} again; exiting without a clean shutdown.\n`);
      process.exit(1);
    }

    isStopping = true;
    emulator.close().then(
      () => process.exit(0),
      (error) => {
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(`The emulator failed to stop cleanly: ${message}\n`);
        process.exit(1);
      },
    );
  };

  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const clientUrl = emulator.url.replace(/^http/, 'ws');
  // The query string is left out, because it can carry a secret such as a `code`.
  const eventHandler =
    upstream === undefined ? 'none (pass --upstream URL_TEMPLATE)' : upstream.split('?')[0];
  process.stderr.write(
    [
      'Azure Web PubSub emulator is running.',
      `  Connection string: ${emulator.connectionString}`,
      `  REST API:          ${emulator.url}/api/hubs/{hub}/...`,
      `  Client WebSocket:  ${clientUrl}/client/hubs/{hub}?access_token=<token>`,
      `  Event handler:     ${eventHandler}`,
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch((error) => {
  const details = error instanceof Error ? error.stack : String(error);
  process.stderr.write(`The emulator failed to start: ${details}\n`);
  process.exit(1);
});
