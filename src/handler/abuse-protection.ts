/**
 * CloudEvents webhook abuse protection: the `OPTIONS` handshake with which the service checks
 * that the upstream accepts its events
 * (CloudEvents HTTP webhook spec, section 4:
 * https://github.com/cloudevents/spec/blob/main/cloudevents/http-webhook.md).
 *
 * Policy: without an allow-list every origin is accepted (`WebHook-Allowed-Origin: *`). With
 * one, `WebHook-Request-Origin` may list several hosts separated by commas (a resource with
 * replicas or a custom domain sends them all). Each listed host is trimmed, lower-cased and
 * compared with each allowed host as a whole string, never as a prefix or suffix. The response
 * names the hosts that matched, and is 400 when none did.
 */

import { ConfigError } from '../errors.js';
import { emptyResponse, textResponse } from './responses.js';

/**
 * Convert an `allowedEndpoints` entry (a URL such as `https://<name>.webpubsub.azure.com`, or a
 * bare host) to the lower-cased host that an origin must equal. A non-default port stays part
 * of the host.
 *
 * @throws {ConfigError} with `field` `allowedEndpoints` when the entry is not a URL or host.
 */
export function toAllowedHost(endpoint: string): string {
  const text = typeof endpoint === 'string' ? endpoint.trim() : '';
  const withScheme = text.includes('://') ? text : `https://${text}`;

  let host = '';
  try {
    host = new URL(withScheme).host;
  } catch {
    // Reported below, together with an empty host.
  }

  if (text === '' || host === '') {
    throw new ConfigError(
      'allowedEndpoints',
      `Invalid allowed endpoint ${JSON.stringify(endpoint)}: use a URL such as "https://<name>.webpubsub.azure.com".`,
    );
  }

  return host.toLowerCase();
}

/**
 * Convert `allowedEndpoints` to the set of allowed hosts, or `undefined` when the option is not
 * set.
 *
 * @throws {ConfigError} with `field` `allowedEndpoints` when the list is empty or an entry is
 * invalid.
 */
export function readAllowedHosts(
  endpoints: readonly string[] | undefined,
): ReadonlySet<string> | undefined {
  if (endpoints === undefined) return undefined;

  if (!Array.isArray(endpoints) || endpoints.length === 0) {
    throw new ConfigError(
      'allowedEndpoints',
      'allowedEndpoints is empty, so every validation request would fail. List the service endpoints, or leave it out to allow every origin.',
    );
  }

  return new Set(endpoints.map(toAllowedHost));
}

/**
 * Split a `WebHook-Request-Origin` value into lower-cased hosts. An entry written as a URL is
 * reduced to its host.
 */
export function parseRequestOrigins(header: string): string[] {
  const origins: string[] = [];
  for (const entry of header.split(',')) {
    const origin = entry.trim().toLowerCase();
    if (origin === '') continue;

    // A bare host is read as https, like allowed endpoints, so `host:443` equals `host`.
    origins.push(hostOf(origin.includes('://') ? origin : `https://${origin}`));
  }

  return origins;
}

/**
 * Build the response to the abuse-protection `OPTIONS` request.
 *
 * @param origin - the `WebHook-Request-Origin` value, or `null` when it is missing.
 * @param allowedHosts - hosts from {@link toAllowedHost}, or `undefined` to allow every origin.
 * @returns 200 with `WebHook-Allowed-Origin`, or 400 with a text reason.
 */
export function respondToValidation(
  origin: string | null,
  allowedHosts: ReadonlySet<string> | undefined,
): Response {
  if (origin === null) {
    return textResponse(400, 'Missing WebHook-Request-Origin header.');
  }

  const origins = parseRequestOrigins(origin);
  if (origins.length === 0) {
    return textResponse(400, 'Empty WebHook-Request-Origin header.');
  }

  if (allowedHosts === undefined) {
    return emptyResponse(200, { 'WebHook-Allowed-Origin': '*' });
  }

  const matched = origins.filter((host) => allowedHosts.has(host));
  if (matched.length === 0) {
    return textResponse(400, 'WebHook-Request-Origin is not in allowedEndpoints.');
  }

  return emptyResponse(200, { 'WebHook-Allowed-Origin': matched.join(', ') });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    // Not a URL: keep the text, which then matches no allowed host.
    return url;
  }
}
