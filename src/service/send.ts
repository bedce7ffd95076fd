/**
 * The shared body of every send operation: validate the options, encode the message, and POST it.
 */

import { ConfigError } from '../errors.js';
import type { HttpPipeline, QueryEntries } from '../internal/http.js';
import { assertOptionSupported, type OperationName } from './api-versions.js';
import { encodeMessage } from './content.js';
import type { HubSendToAllOptions } from './options.js';
import { callOperation } from './rest-operation.js';
import { assertConnectionIds, assertFilter } from './validation.js';

const MAX_MESSAGE_TTL_SECONDS = 300;

/** The query options that a send operation takes, per route of the REST API. */
export interface SendCapabilities {
  excluded: boolean;
  filter: boolean;
}

/**
 * POST `message` to the `:send` route at `path`. A send is not idempotent: the settings decide
 * whether it retries after a network error.
 */
export async function sendMessage(
  pipeline: HttpPipeline,
  operation: OperationName,
  path: string,
  message: unknown,
  options: HubSendToAllOptions,
  capabilities: SendCapabilities,
): Promise<void> {
  const query = sendQuery(pipeline.apiVersion, operation, options, capabilities);
  const body = encodeMessage(message, options.contentType);
  await callOperation(pipeline, operation, { method: 'POST', path, query, body, idempotent: false }, options);
}

function sendQuery(apiVersion: string, operation: OperationName, options: HubSendToAllOptions, capabilities: SendCapabilities): QueryEntries {
  const query: Array<[string, string]> = [];

  if (capabilities.excluded) {
    assertConnectionIds('excludedConnections', options.excludedConnections);
    for (const connectionId of options.excludedConnections ?? []) query.push(['excluded', connectionId]);
  }

  if (capabilities.filter && options.filter !== undefined) {
    assertFilter(options.filter);
    assertOptionSupported(apiVersion, operation, 'filter', 'The filter option');
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
    assertOptionSupported(apiVersion, operation, 'messageTtlSeconds', 'The messageTtlSeconds option');
    query.push(['messageTtlSeconds', String(ttl)]);
  }

  return query;
}
