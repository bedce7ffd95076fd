/**
 * Mapping of caught errors to JSON error responses and one structured log line each.
 *
 * Every error body is `{ "error": { "code": "...", "message": "...", ...details } }`. Messages of
 * `webpubsub-edge` errors never contain the access key or a token, so they are safe to return
 * and to log.
 */

import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isWebPubSubError, type ConfigError, type RestError } from '../../src/index.js';

/** An error the Worker raises itself, with the status and code to respond with. */
export class WorkerError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'WorkerError';
  }
}

/** Status, JSON body and log fields for one caught error. */
export interface ErrorResponse {
  status: ContentfulStatusCode;
  body: { error: { code: string; message: string } & Record<string, unknown> };
  logFields: Record<string, unknown>;
}

/** Maps a caught error to the response that reports it. */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof WorkerError) {
    return respond(error.status, error.code, error.message, error.details);
  }

  if (!isWebPubSubError(error)) {
    const name = error instanceof Error ? error.name : typeof error;
    const message = error instanceof Error ? error.message : undefined;
    return respond(500, 'INTERNAL_ERROR', 'The worker failed to handle the request. See the worker log.', {}, {
      errorName: name,
      errorMessage: message,
    });
  }

  switch (error.code) {
    case 'INVALID_ARGUMENT': {
      // The argument came from the request, such as a group name longer than the service allows.
      const { field } = error as ConfigError;
      return respond(400, 'INVALID_ARGUMENT', error.message, { field });
    }

    case 'INVALID_CONFIGURATION':
    case 'UNSUPPORTED_API_VERSION': {
      const { field } = error as ConfigError;
      return respond(500, 'INVALID_CONFIGURATION', `The worker's Web PubSub settings are invalid: ${error.message}`, { field });
    }

    case 'REQUEST_FAILED': {
      const { status, details, requestId } = error as RestError;
      const body = { serviceStatus: status, serviceCode: details?.code, requestId };
      const message = `The Web PubSub service rejected the request with status ${status}.`;
      return respond(502, 'SERVICE_ERROR', message, body, { serviceMessage: error.message });
    }

    case 'TIMEOUT':
      return respond(504, 'SERVICE_TIMEOUT', `The Web PubSub service did not respond in time: ${error.message}`);

    case 'NETWORK_ERROR':
    case 'ABORTED':
      return respond(502, 'SERVICE_UNREACHABLE', `The Web PubSub service could not be reached: ${error.message}`);

    default:
      return respond(500, 'INTERNAL_ERROR', `Unexpected ${error.code} error: ${error.message}`);
  }
}

/**
 * Writes one JSON line for a request that ended with an error response: `warn` for 4xx,
 * `error` for 5xx. The line has the method, route, status, code and message, and never the
 * request body, the access key or a token.
 */
export function logErrorResponse(request: { method: string; route: string }, response: ErrorResponse): void {
  // Validation issues can quote parts of the request, so only their count is logged.
  const { code, message, issues, ...details } = response.body.error;
  const entry = {
    level: response.status >= 500 ? 'error' : 'warn',
    event: 'request.failed',
    method: request.method,
    route: request.route,
    status: response.status,
    code,
    ...details,
    issueCount: Array.isArray(issues) ? issues.length : undefined,
    message,
    ...response.logFields,
  };
  if (response.status >= 500) {
    console.error(JSON.stringify(entry));
  } else {
    console.warn(JSON.stringify(entry));
  }
}

function respond(
  status: ContentfulStatusCode,
  code: string,
  message: string,
  details: Record<string, unknown> = {},
  logFields: Record<string, unknown> = {},
): ErrorResponse {
  return { status, body: { error: { code, message, ...details } }, logFields };
}
