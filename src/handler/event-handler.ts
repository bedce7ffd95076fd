/**
 * `WebPubSubEventHandler`: a fetch-native handler of the events that Azure Web PubSub delivers
 * to an upstream webhook
 * (https://learn.microsoft.com/azure/azure-web-pubsub/reference-cloud-events).
 */

import { ConfigError } from '../errors.js';
import { readAllowedHosts, respondToValidation } from './abuse-protection.js';
import { createAccessKeyReader } from './access-keys.js';
import {
  decodeUserEventData,
  isServiceEventRequest,
  parseJsonObject,
  readBody,
  readConnectionContext,
  readConnectionId,
  readEventType,
  type EventKind,
} from './cloud-events.js';
import { ConnectionStateChanges } from './connection-state.js';
import { isEventHandlerError } from './errors.js';
import {
  DEFAULTS,
  validateHubName,
  validateMaxBodyBytes,
  type WebPubSubEventHandlerOptions,
} from './options.js';
import { isHandlerPath, normalizeHandlerPath } from './path.js';
import {
  connectSuccessResponse,
  emptyResponse,
  failureResponse,
  internalErrorResponse,
  textResponse,
  userEventSuccessResponse,
} from './responses.js';
import { SignatureVerifier } from './signature.js';
import type {
  ConnectionContext,
  ConnectRequest,
  DisconnectedRequest,
  MqttDisconnectedProperties,
} from './types.js';

/**
 * Handles the CloudEvents requests that Azure Web PubSub sends to an upstream webhook. It uses
 * only the Fetch API and Web Crypto, so it needs no Node built-ins.
 *
 * It responds to the abuse-protection `OPTIONS` handshake, verifies `ce-signature` before any
 * callback runs, and dispatches `connect`, `connected`, `disconnected` and user events to the
 * callbacks in the options. Unlike `@azure/web-pubsub-express`, callbacks return their result
 * (or throw an `EventHandlerError`) instead of calling a response object.
 *
 * @example
 * ```ts
 * const handler = new WebPubSubEventHandler('chat', {
 *   connectionString: env.WEB_PUBSUB_CONNECTION_STRING,
 *   handleConnect: (request) => ({ userId: request.claims?.sub?.[0], groups: ['lobby'] }),
 *   handleUserEvent: (request) => {
 *     if (request.dataType !== 'text') throw new EventHandlerError(400, 'Send text.');
 *     return { data: `echo: ${request.data}` };
 *   },
 * });
 *
 * export default {
 *   async fetch(request: Request): Promise<Response> {
 *     return (await handler.handle(request)) ?? new Response('Not found', { status: 404 });
 *   },
 * };
 * ```
 */
export class WebPubSubEventHandler {
  /** Lower-cased path the handler serves, ending with `/`, such as `/api/webpubsub/hubs/chat/`. */
  readonly path: string;

  readonly #hub: string;
  readonly #handlerPath: string;
  readonly #options: WebPubSubEventHandlerOptions;
  readonly #allowedHosts: ReadonlySet<string> | undefined;
  readonly #verifier: SignatureVerifier | undefined;
  readonly #maxBodyBytes: number;

  /**
   * @param hub - hub whose events this handler serves, compared with `ce-hub` case-insensitively.
   * @param options - callbacks, signature keys and limits, described in
   * {@link WebPubSubEventHandlerOptions}.
   * @throws {ConfigError} when the hub, path, keys, `allowedEndpoints` or `maxBodyBytes` are
   * invalid, and when signature verification is on but no access key is configured.
   */
  constructor(hub: string, options: WebPubSubEventHandlerOptions = {}) {
    this.#hub = validateHubName(hub).toLowerCase();
    this.#options = options;
    const path = (options.path ?? DEFAULTS.path).replaceAll('{hub}', hub);
    this.#handlerPath = normalizeHandlerPath(path);
    this.path = `${this.#handlerPath}/`;
    this.#maxBodyBytes = validateMaxBodyBytes(options.maxBodyBytes ?? DEFAULTS.maxBodyBytes);
    this.#allowedHosts = readAllowedHosts(options.allowedEndpoints);

    const readKeys = createAccessKeyReader(options.connectionString, options.accessKeys);
    if (options.verifySignature ?? DEFAULTS.verifySignature) {
      if (readKeys === undefined) {
        throw new ConfigError(
          'accessKeys',
          'Signature verification is on but no access key is configured. Pass connectionString or accessKeys (the primary and the secondary key), or set verifySignature: false if the upstream is authenticated another way.',
        );
      }

      this.#verifier = new SignatureVerifier(readKeys);
    }
  }

  /**
   * Handles one request.
   *
   * @param request - any incoming request. Requests for other paths, methods or hubs are left
   * alone.
   * @returns the response to send, or `undefined` when the request is not for this handler: a
   * method other than `OPTIONS` and `POST`, another path or hub, or a request without the
   * `ce-awpsversion` and `WebHook-Request-Origin` headers that the service always sends. The
   * promise never rejects: a failing callback gives a 500 response and is passed to `onError`.
   *
   * @example
   * ```ts
   * app.all('/api/webpubsub/*', async (c) => (await handler.handle(c.req.raw)) ?? c.notFound());
   * ```
   */
  async handle(request: Request): Promise<Response | undefined> {
    try {
      return await this.#route(request);
    } catch (error) {
      await this.#report(error, undefined);
      return internalErrorResponse();
    }
  }

  async #route(request: Request): Promise<Response | undefined> {
    const method = request.method.toUpperCase();
    if (method !== 'OPTIONS' && method !== 'POST') return undefined;

    if (!isHandlerPath(new URL(request.url).pathname, this.#handlerPath)) return undefined;

    if (method === 'OPTIONS') {
      const origin = request.headers.get('WebHook-Request-Origin');
      // Without both headers this is not the service, such as a browser's CORS preflight.
      if (origin === null && !request.headers.has('ce-awpsversion')) return undefined;

      return respondToValidation(origin, this.#allowedHosts);
    }

    if (!isServiceEventRequest(request.headers)) return undefined;

    const hub = request.headers.get('ce-hub')?.trim().toLowerCase();
    if (hub !== this.#hub) return undefined;

    return this.#handleEvent(request);
  }

  async #handleEvent(request: Request): Promise<Response> {
    const { headers } = request;
    let context: ConnectionContext | undefined;
    try {
      const connectionId = readConnectionId(headers);
      if (this.#verifier !== undefined) {
        const isValid = await this.#verifier.verify(connectionId, headers.get('ce-signature'));
        if (!isValid) return textResponse(401, 'Missing or invalid ce-signature header.');
      }

      const { kind, eventName } = readEventType(headers);
      context = readConnectionContext(headers, connectionId, eventName);
      const body = await readBody(request, this.#maxBodyBytes);
      return await this.#dispatch(kind, context, body, headers.get('Content-Type'));
    } catch (error) {
      if (isEventHandlerError(error)) return failureResponse(error);

      await this.#report(error, context);
      return internalErrorResponse();
    }
  }

  async #dispatch(
    kind: EventKind,
    context: ConnectionContext,
    body: Uint8Array,
    contentType: string | null,
  ): Promise<Response> {
    switch (kind) {
      case 'connect':
        return this.#handleConnect(context, parseJsonObject(body, context.eventName));
      case 'user':
        return this.#handleUserEvent(context, body, contentType);
      case 'connected':
        await this.#options.onConnected?.({ context });
        return emptyResponse(204);
      case 'disconnected': {
        const request = toDisconnectedRequest(context, parseJsonObject(body, context.eventName));
        await this.#options.onDisconnected?.(request);
        return emptyResponse(204);
      }
      case 'unknown-system':
        // A system event newer than this handler: acknowledge it rather than fail the connection.
        return emptyResponse(204);
    }
  }

  async #handleConnect(
    context: ConnectionContext,
    body: Record<string, unknown>,
  ): Promise<Response> {
    const handleConnect = this.#options.handleConnect;
    if (handleConnect === undefined) return connectSuccessResponse(undefined);

    const state = new ConnectionStateChanges(context.states);
    const request = {
      ...body,
      context,
      queries: body.query,
      setState: state.setState,
    } as ConnectRequest;
    const mqttProtocolVersion =
      context.clientProtocol === 'mqtt' ? Number(request.mqtt?.protocolVersion ?? 4) : undefined;

    try {
      const result = await handleConnect(request);
      if (isEventHandlerError(result)) return failureResponse(result, mqttProtocolVersion);

      return connectSuccessResponse(result ?? undefined, state.toHeaderValue());
    } catch (error) {
      if (isEventHandlerError(error)) return failureResponse(error, mqttProtocolVersion);

      throw error;
    }
  }

  async #handleUserEvent(
    context: ConnectionContext,
    body: Uint8Array,
    contentType: string | null,
  ): Promise<Response> {
    // Without a callback no code reads the body. A body that would not decode must then not turn
    // into a 400, because a 400 makes the service close the client's connection.
    const handleUserEvent = this.#options.handleUserEvent;
    if (handleUserEvent === undefined) return emptyResponse(204);
    const data = decodeUserEventData(body, contentType, context.eventName);

    const state = new ConnectionStateChanges(context.states);
    const result = await handleUserEvent({ context, ...data, setState: state.setState });
    if (isEventHandlerError(result)) return failureResponse(result);

    return userEventSuccessResponse(result ?? undefined, state.toHeaderValue());
  }

  async #report(error: unknown, context: ConnectionContext | undefined): Promise<void> {
    try {
      await this.#options.onError?.(error, context);
    } catch {
      // onError is the caller's logger; its own failure must not change the response.
    }
  }
}

function toDisconnectedRequest(
  context: ConnectionContext,
  body: Record<string, unknown>,
): DisconnectedRequest {
  const request: DisconnectedRequest = { context };
  if (typeof body.reason === 'string') request.reason = body.reason;
  if (typeof body.mqtt === 'object' && body.mqtt !== null) {
    request.mqtt = body.mqtt as MqttDisconnectedProperties;
  }

  return request;
}
