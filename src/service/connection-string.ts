/**
 * Parser for Azure Web PubSub connection strings such as
 * `Endpoint=https://<name>.webpubsub.azure.com;AccessKey=<key>;Version=1.0;`.
 */

import { ConfigError } from '../errors.js';

/** The parts of a connection string that the service client uses. */
export interface ConnectionStringParts {
  /** Service endpoint with the port applied, ending with `/`, e.g. `https://x.webpubsub.azure.com/`. */
  endpoint: string;
  /** Access key, used as text to sign tokens. */
  accessKey: string;
}

/**
 * Parses a connection string. Key names are case-insensitive; `Endpoint` and `AccessKey` are
 * required; `Port` is applied to the endpoint; `Version` and unknown keys are ignored. Whitespace
 * around segments, empty segments and a trailing `;` are allowed, and a value may contain `=`.
 * An endpoint without a scheme gets `https://`.
 *
 * @param connectionString - the connection string from the Azure portal or the emulator.
 * @returns the endpoint and access key.
 * @throws {ConfigError} when a required key is missing or a value is invalid. The message names
 * the field and never contains the access key.
 *
 * @example
 * ```ts
 * const { endpoint } = parseConnectionString(
 *   'Endpoint=https://demo.webpubsub.azure.com;AccessKey=<key>;Version=1.0;',
 * );
 * // endpoint === 'https://demo.webpubsub.azure.com/'
 * ```
 */
export function parseConnectionString(connectionString: string): ConnectionStringParts {
  if (typeof connectionString !== 'string' || connectionString.trim() === '') {
    throw new ConfigError(
      'connectionString',
      'The connection string is empty. Copy it from the Keys page of the Web PubSub resource: "Endpoint=https://<name>.webpubsub.azure.com;AccessKey=<key>;Version=1.0;".',
    );
  }

  const values = new Map<string, string>();
  const segments = connectionString.split(';');
  for (const [index, segment] of segments.entries()) {
    const separator = segment.indexOf('=');
    if (separator === -1) {
      if (segment.trim() === '') continue;
      // The segment itself is not shown: it may be an access key whose "AccessKey=" was lost.
      throw new ConfigError(
        'connectionString',
        `Segment ${index + 1} of the connection string has no "=". Use "Key=Value" pairs separated by ";".`,
      );
    }
    values.set(segment.slice(0, separator).trim().toLowerCase(), segment.slice(separator + 1).trim());
  }

  const rawEndpoint = values.get('endpoint');
  if (!rawEndpoint) {
    throw new ConfigError('Endpoint', 'The connection string has no Endpoint. Add "Endpoint=https://<name>.webpubsub.azure.com;".');
  }
  const accessKey = values.get('accesskey');
  if (!accessKey) {
    throw new ConfigError('AccessKey', 'The connection string has no AccessKey. Add "AccessKey=<key>;" from the Keys page of the resource.');
  }

  return { endpoint: normalizeEndpoint(rawEndpoint, values.get('port')), accessKey };
}

/**
 * Normalizes a service endpoint: adds `https://` when the scheme is missing, applies `port`, and
 * ends the result with `/`.
 *
 * @throws {ConfigError} when the endpoint is not an http(s) URL or the port is invalid.
 */
export function normalizeEndpoint(endpoint: string, port?: string): string {
  // Values are not quoted in these messages: a mistyped connection string can put the access
  // key where the endpoint or port belongs.
  if (/[?#]/.test(endpoint)) {
    throw new ConfigError('Endpoint', 'The endpoint must not contain "?" or "#". Use "https://<name>.webpubsub.azure.com".');
  }

  const withScheme = /^https?:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError('Endpoint', 'The endpoint is not a valid URL. Use "https://<name>.webpubsub.azure.com".');
  }
  if (url.username || url.password) {
    throw new ConfigError('Endpoint', 'The endpoint must not contain user info. Pass the access key as AccessKey.');
  }

  if (port !== undefined && port !== '') {
    const number = Number(port);
    if (!/^\d+$/.test(port) || number < 1 || number > 65535) {
      throw new ConfigError('Port', 'The port is invalid. Use a whole number from 1 to 65535.');
    }
    url.port = port;
  }

  // One slash between the host (or path prefix) and the paths appended to it, so that `aud` and
  // request URLs never get `//`.
  url.pathname = url.pathname.replace(/\/+$/, '') + '/';
  return url.toString();
}
