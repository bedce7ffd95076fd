/**
 * The shared body of every send operation: validate the options, encode the message, and POST it.
 */

import { ConfigError } from '../errors.js';
import { type HttpPipeline, type QueryEntries, sendRequest } from '../internal/http.js';
import { encodeMessage } from './content.js';
import type { HubSendToAllOptions } from './options.js';

const MAX_MESSAGE_TTL_SECONDS = 300;

/** Which query options a send operation takes, as the REST API defines per route. */
export interface SendCapabilities {
  excluded: boolean;
  filter: boolean;
}

/** POST `message` to the `:send` route at `path`. */
export async function sendMessage(
  pipeline: HttpPipeline,
  path: string,
  message: unknown,
  options: HubSendToAllOptions,
  capabilities: SendCapabilities,
): Promise<void> {
  const body = encodeMessage(message, options.contentType);
  await sendRequest(pipeline, {
    method: 'POST',
    path,
    query: sendQuery(options, capabilities),
    body,
    abortSignal: options.abortSignal,
  });
}

function sendQuery(options: HubSendToAllOptions, capabilities: SendCapabilities): QueryEntries {
  const query: Array<[string, string]> = [];

  if (capabilities.excluded && options.excludedConnections !== undefined) {
    if (!Array.isArray(options.excludedConnections) || options.excludedConnections.some((id) => typeof id !== 'string' || id === '')) {
      throw new ConfigError('excludedConnections', 'The excludedConnections option must be an array of connection ids.', 'INVALID_ARGUMENT');
    }
    for (const connectionId of options.excludedConnections) query.push(['excluded', connectionId]);
  }

  if (capabilities.filter && options.filter !== undefined) {
    if (typeof options.filter !== 'string' || options.filter.trim() === '') {
      throw new ConfigError('filter', 'The filter option must be a non-empty OData expression, such as "userId ne \'bob\'".', 'INVALID_ARGUMENT');
    }
    query.push(['filter', options.filter]);
  }

  const ttl = options.messageTtlSeconds;
  if (ttl !== undefined) {
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_MESSAGE_TTL_SECONDS) {
      throw new ConfigError(
        'messageTtlSeconds',
        `The messageTtlSeconds ${JSON.stringify(ttl)} is invalid. Pass a whole number of seconds from 0 (never expires) to ${MAX_MESSAGE_TTL_SECONDS}.`,
        'INVALID_ARGUMENT',
      );
    }
    query.push(['messageTtlSeconds', String(ttl)]);
  }

  return query;
}
