/**
 * Runs one named REST operation: checks that the pinned api-version has it, then sends it with
 * the caller's abort signal and time limits.
 */

import { type HttpPipeline, type RestRequest, type RestResponse, sendRequest } from '../internal/http.js';
import { assertOperationSupported, type OperationName } from './api-versions.js';
import type { OperationOptions } from './options.js';
import { checkDuration } from './pipeline.js';

/** A request of an operation. It counts as idempotent unless `idempotent` is false. */
export type OperationRequest = Omit<RestRequest, 'idempotent' | 'abortSignal' | 'timeoutInMs' | 'totalTimeoutInMs'> & {
  idempotent?: boolean;
};

/** Send `request` as `operation`, after the api-version check. */
export function callOperation(
  pipeline: HttpPipeline,
  operation: OperationName,
  request: OperationRequest,
  options: OperationOptions = {},
): Promise<RestResponse> {
  assertOperationSupported(pipeline.apiVersion, operation);
  if (options.timeoutInMs !== undefined) checkDuration('timeoutInMs', options.timeoutInMs);
  if (options.totalTimeoutInMs !== undefined) checkDuration('totalTimeoutInMs', options.totalTimeoutInMs);
  return sendRequest(pipeline, {
    idempotent: true,
    ...request,
    abortSignal: options.abortSignal,
    timeoutInMs: options.timeoutInMs,
    totalTimeoutInMs: options.totalTimeoutInMs,
  });
}

/** Send a HEAD request and map 2xx to `true` and 404 to `false`; other statuses throw. */
export async function checkExists(
  pipeline: HttpPipeline,
  operation: OperationName,
  path: string,
  options: OperationOptions = {},
  query?: RestRequest['query'],
): Promise<boolean> {
  const response = await callOperation(pipeline, operation, { method: 'HEAD', path, query, returnedErrorStatuses: [404] }, options);
  return response.status !== 404;
}
