/**
 * Client access tokens issued by the service: `POST /api/hubs/{hub}/:generateToken`, which a
 * client authenticated with Microsoft Entra ID uses because it has no access key. The query
 * carries `userId`, one `role` per role, `minutesToExpire`, one `group` per group and
 * `clientType`, as `@azure/web-pubsub` 1.2.0 sends them; the response is `{ "token": "…" }`.
 */

import { ConfigError, RestError } from '../errors.js';
import { type HttpPipeline, parseJson } from '../internal/http.js';
import { assertOptionSupported, isAtLeast, OPTION_MINIMUM_VERSIONS } from './api-versions.js';
import type { GenerateClientTokenOptions } from './client-access-token.js';
import { callOperation } from './rest-operation.js';

const DEFAULT_MINUTES_TO_EXPIRE = 60;

/**
 * Ask the service for a client access token.
 *
 * @throws {ConfigError} when `expirationTimeInMinutes` is not a whole number, or the pinned
 * api-version lacks the operation or an option.
 * @throws {RestError} when the service rejects the call or returns no token.
 */
export async function generateTokenFromService(
  pipeline: HttpPipeline,
  hubPath: string,
  options: GenerateClientTokenOptions,
): Promise<string> {
  const operation = 'getClientAccessToken';
  const query: Array<[string, string]> = [];

  if (options.userId) query.push(['userId', options.userId]);
  for (const role of options.roles ?? []) query.push(['role', role]);
  query.push(['minutesToExpire', String(minutesToExpire(options))]);

  if (options.groups !== undefined && options.groups.length > 0) {
    assertOptionSupported(pipeline.apiVersion, operation, 'generateTokenGroups', 'The groups option');
    for (const group of options.groups) query.push(['group', group]);
  }

  const protocol = options.clientProtocol;
  if (protocol !== undefined && protocol !== 'default') {
    assertOptionSupported(pipeline.apiVersion, operation, 'clientType', `The clientProtocol "${protocol}"`);
  }
  // Versions before clientType existed issue default tokens, so "default" is left out for them.
  if (protocol !== undefined && (protocol !== 'default' || isAtLeast(pipeline.apiVersion, OPTION_MINIMUM_VERSIONS.clientType))) {
    query.push(['clientType', protocol]);
  }

  const response = await callOperation(
    pipeline,
    operation,
    { method: 'POST', path: `${hubPath}/:generateToken`, query, accept: 'application/json, text/json' },
    { abortSignal: options.abortSignal },
  );

  const token = (parseJson(response.bodyText) as { token?: unknown } | undefined)?.token;
  if (typeof token !== 'string' || token === '') {
    throw new RestError({
      status: response.status,
      method: 'POST',
      url: response.url,
      requestId: response.headers.get('x-ms-request-id') ?? undefined,
      details: { message: 'The :generateToken response has no "token".' },
    });
  }
  return token;
}

function minutesToExpire(options: GenerateClientTokenOptions): number {
  const minutes = options.expirationTimeInMinutes ?? DEFAULT_MINUTES_TO_EXPIRE;
  if (!Number.isInteger(minutes) || minutes < 1) {
    throw new ConfigError(
      'expirationTimeInMinutes',
      `The expirationTimeInMinutes ${JSON.stringify(minutes)} cannot be sent to :generateToken, which takes whole minutes from 1. Pass a whole number.`,
      'INVALID_ARGUMENT',
    );
  }
  return minutes;
}
