// @ts-check
/**
 * The upstream side of one client connection: the `connect` event that decides the
 * connection's identity, the `connected` and `disconnected` notifications, user events, and the
 * connection state (`ce-connectionState`) that blocking events may set.
 *
 * Events of one connection are delivered one at a time, in the order they happen, so that a
 * state set by one event is sent with the next one and `disconnected` always comes last.
 */
import { decodeJwt } from 'jose';
import { MAX_MESSAGE_BYTES, PayloadError, parseRestPayload } from './payload.js';

/**
 * Status of a failed upgrade when the upstream cannot be reached, fails abuse protection or
 * returns an invalid `connect` response.
 * NOTE: the status the service returns in these cases is not documented. The emulator uses 500.
 */
export const UPSTREAM_FAILURE_STATUS = 500;

/** Maximum length of an upstream rejection text passed on to the client, in characters. */
const MAX_REJECTION_TEXT_LENGTH = 1024;

/**
 * Identity a connection gets: from its token, changed by the `connect` response.
 *
 * @typedef {{ userId: string | null, roles: string[], groups: string[] }} ConnectionIdentity
 */

/**
 * Facts of the client's upgrade request that the `connect` event body reports.
 *
 * @typedef {object} ConnectRequestInfo
 * @property {string} token the verified access token, whose claims go into `claims`
 * @property {URLSearchParams} query query of the upgrade request
 * @property {Record<string, string[]>} headers headers of the upgrade request
 * @property {string[]} subprotocols offered subprotocols, in the client's order
 */

/**
 * Outcome of the `connect` event. A rejection has the status and text for the client, and a
 * reason for the log that never contains the upstream's text.
 *
 * @typedef {{ isAccepted: true, identity: ConnectionIdentity, subprotocol: string | null }
 *   | { isAccepted: false, status: number, text: string, reason: string }} ConnectOutcome
 */

/**
 * Outcome of a user event: a reply for the client, no reply, or a failure that closes the
 * connection.
 *
 * @typedef {{ kind: 'reply', payload: import('./payload.js').Payload }
 *   | { kind: 'no-reply' }
 *   | { kind: 'failed', reason: string }} UserEventOutcome
 */

/**
 * Upstream events of one connection.
 */
export class UpstreamSession {
  /**
   * @param {object} init
   * @param {import('./upstream.js').Upstream} init.upstream
   * @param {string} init.hubName
   * @param {string} init.connectionId
   * @param {import('./log.js').EventLogger} init.logger
   */
  constructor({ upstream, hubName, connectionId, logger }) {
    this.upstream = upstream;
    this.hubName = hubName;
    this.connectionId = connectionId;
    this.logger = logger;

    /** @type {string | null} */
    this.userId = null;

    /** @type {string | null} */
    this.subprotocol = null;

    /** Last `ce-connectionState` a blocking event returned, sent with every later event. */
    /** @type {string | null} */
    this.connectionState = null;

    /** Tail of the queue that delivers this connection's events in order. */
    /** @type {Promise<unknown>} */
    this.queue = Promise.resolve();
  }

  /**
   * @param {unknown} eventName
   * @returns {boolean} whether the upstream takes this user event
   */
  handlesUserEvent(eventName) {
    return this.upstream.handlesUserEvent(eventName);
  }

  /**
   * Runs `task` after every task queued before it. The returned promise settles with the
   * task's outcome. A failing task is logged and does not stop later ones.
   *
   * @template T
   * @param {() => Promise<T>} task
   * @returns {Promise<T>}
   */
  enqueue(task) {
    const result = this.queue.then(task);
    this.queue = result.catch((error) => {
      this.logger.error(error, { hub: this.hubName, connectionId: this.connectionId });
    });
    return result;
  }

  /**
   * Sends the blocking `connect` event when the upstream takes it, and works out the identity
   * and subprotocol of the connection.
   *
   * A 2xx response accepts the connection. Its `userId` replaces the token's, its `roles`
   * replace the token's roles (an empty list removes them all), and its `groups` are joined in
   * addition to the token's groups. A 204 or an empty body keeps the token's identity. Its
   * `subprotocol` must be one the client offered, and without one the first supported
   * subprotocol offered is chosen. A 4xx or 5xx response rejects the upgrade with that status
   * and the response text. A connection that ends up without a user id is rejected with 401.
   *
   * @param {ConnectionIdentity} tokenIdentity
   * @param {ConnectRequestInfo} request
   * @param {ReadonlySet<string>} supportedSubprotocols
   * @returns {Promise<ConnectOutcome>}
   */
  connect(tokenIdentity, request, supportedSubprotocols) {
    const defaultSubprotocol =
      request.subprotocols.find((protocol) => supportedSubprotocols.has(protocol)) ?? null;

    if (!this.upstream.handlesSystemEvent('connect')) {
      return Promise.resolve(this.accept(tokenIdentity, defaultSubprotocol));
    }

    return this.enqueue(async () => {
      this.userId = tokenIdentity.userId;
      const body = {
        claims: readClaims(request.token),
        query: groupParameters(request.query),
        headers: request.headers,
        subprotocols: request.subprotocols,
        // Loopback HTTP has no TLS, so no client certificate is ever offered.
        clientCertificates: [],
      };
      const result = await this.upstream.send(this.event('connect', true, body));

      if (!result.isDelivered) {
        return this.fail(`The connect event was not delivered: ${result.reason}`);
      }

      if (result.status < 200 || result.status > 299) {
        return this.rejectWithUpstreamStatus(result.status, result.body);
      }

      let response;
      try {
        response = parseConnectResponse(result.body);
      } catch (error) {
        return this.fail(`Invalid connect response: ${/** @type {Error} */ (error).message}`);
      }

      const subprotocol = response.subprotocol ?? defaultSubprotocol;
      const selected = `The connect response selected subprotocol "${subprotocol}"`;
      if (subprotocol !== null && !request.subprotocols.includes(subprotocol)) {
        return this.fail(`${selected}, which the client did not offer.`);
      }

      if (subprotocol !== null && !supportedSubprotocols.has(subprotocol)) {
        return this.fail(`${selected}, which the emulator does not support.`);
      }

      const identity = {
        userId: response.userId ?? tokenIdentity.userId,
        roles: response.roles ?? tokenIdentity.roles,
        groups: [...new Set([...tokenIdentity.groups, ...(response.groups ?? [])])],
      };
      // NOTE: the reference for the connect event states that the service drops a connection
      // that has no user id from either the token or the response. The status it returns is not
      // documented. The emulator rejects the upgrade with 401.
      if (identity.userId === null) {
        const text =
          'The connection has no user id: the token has no "sub" claim and the connect ' +
          'response set no userId.';
        return { isAccepted: false, status: 401, text, reason: text };
      }

      this.storeConnectionState(result.headers);
      return this.accept(identity, subprotocol);
    });
  }

  /**
   * @param {ConnectionIdentity} identity
   * @param {string | null} subprotocol
   * @returns {ConnectOutcome}
   */
  accept(identity, subprotocol) {
    this.userId = identity.userId;
    this.subprotocol = subprotocol;
    return { isAccepted: true, identity, subprotocol };
  }

  /**
   * @param {string} reason
   * @returns {ConnectOutcome}
   */
  fail(reason) {
    this.logger.warn('upstream.connect-failed', {
      hub: this.hubName,
      connectionId: this.connectionId,
      status: UPSTREAM_FAILURE_STATUS,
      reason,
    });
    return { isAccepted: false, status: UPSTREAM_FAILURE_STATUS, text: reason, reason };
  }

  /**
   * @param {number} status
   * @param {Buffer} body
   * @returns {ConnectOutcome}
   */
  rejectWithUpstreamStatus(status, body) {
    if (status < 400 || status > 599) {
      return this.fail(`The connect response has status ${status}, neither 2xx nor an error.`);
    }

    const text = body.toString('utf8').slice(0, MAX_REJECTION_TEXT_LENGTH);
    const reason = `The upstream rejected the connect event with status ${status}.`;
    return { isAccepted: false, status, text, reason };
  }

  /** Queues the `connected` notification. Its response is only logged. */
  notifyConnected() {
    if (!this.upstream.handlesSystemEvent('connected')) {
      return;
    }

    void this.enqueue(() => this.upstream.send(this.event('connected', true, {})));
  }

  /**
   * Queues the `disconnected` notification with the reason the connection closed.
   *
   * @param {string} reason
   */
  notifyDisconnected(reason) {
    if (!this.upstream.handlesSystemEvent('disconnected')) {
      return;
    }

    void this.enqueue(() => this.upstream.send(this.event('disconnected', true, { reason })));
  }

  /**
   * Delivers a user event and reads the response. Call it from a task of {@link enqueue}, so
   * that it runs in order with the connection's other events.
   *
   * A 200 response with a body is a reply for the client, whose data type follows the
   * response's `Content-Type` (`text/plain`, `application/json` or `application/octet-stream`).
   * A 2xx without a body is no reply. Any other status, an unknown content type and an upstream
   * that cannot be reached are failures, after which the service closes the connection.
   *
   * @param {string} eventName
   * @param {import('./payload.js').Payload} payload
   * @returns {Promise<UserEventOutcome>}
   */
  async deliverUserEvent(eventName, payload) {
    const { contentType, body } = encodePayload(payload);
    const event = { ...this.event(eventName, false, {}), contentType, body };
    const result = await this.upstream.send(event);
    if (!result.isDelivered) {
      return { kind: 'failed', reason: result.reason };
    }

    if (result.status < 200 || result.status > 299) {
      return { kind: 'failed', reason: `The event handler returned status ${result.status}.` };
    }

    this.storeConnectionState(result.headers);
    if (result.status === 204 || result.body.byteLength === 0) {
      return { kind: 'no-reply' };
    }

    if (result.body.byteLength > MAX_MESSAGE_BYTES) {
      const reason = `The event handler's reply exceeds ${MAX_MESSAGE_BYTES} bytes.`;
      return { kind: 'failed', reason };
    }

    try {
      const contentType = result.headers.get('content-type') ?? undefined;
      return { kind: 'reply', payload: parseRestPayload(contentType, result.body) };
    } catch (error) {
      if (error instanceof PayloadError) {
        return { kind: 'failed', reason: `Invalid reply from the event handler: ${error.message}` };
      }
      throw error;
    }
  }

  /**
   * Stores `ce-connectionState` from a blocking event's response. A response without the
   * header keeps the stored state, and an empty value clears it.
   *
   * @param {Headers} headers
   */
  storeConnectionState(headers) {
    const state = headers.get('ce-connectionState');
    if (state !== null) {
      this.connectionState = state === '' ? null : state;
    }
  }

  /**
   * Builds a system event with a JSON body, or the common fields of a user event.
   *
   * @param {string} eventName
   * @param {boolean} isSystemEvent
   * @param {unknown} body
   * @returns {import('./upstream.js').UpstreamEvent}
   */
  event(eventName, isSystemEvent, body) {
    return {
      hub: this.hubName,
      connectionId: this.connectionId,
      userId: this.userId,
      subprotocol: this.subprotocol,
      connectionState: this.connectionState,
      eventName,
      isSystemEvent,
      contentType: 'application/json',
      body: Buffer.from(JSON.stringify(body), 'utf8'),
    };
  }
}

/**
 * Reads what the `connect` event reports about an upgrade request.
 *
 * @param {import('node:http').IncomingMessage} request
 * @param {string} token the verified access token
 * @returns {ConnectRequestInfo}
 */
export function readUpgradeRequest(request, token) {
  const target = request.url ?? '';
  const queryStart = target.indexOf('?');
  const subprotocols = (request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((protocol) => protocol.trim())
    .filter((protocol) => protocol !== '');

  return {
    token,
    query: new URLSearchParams(queryStart === -1 ? '' : target.slice(queryStart + 1)),
    headers: /** @type {Record<string, string[]>} */ ({ ...request.headersDistinct }),
    subprotocols,
  };
}

/**
 * Encodes a client message as the body of a user event. The content type follows the data
 * type: text as `text/plain`, JSON as `application/json`, binary as `application/octet-stream`.
 *
 * @param {import('./payload.js').Payload} payload
 * @returns {{ contentType: string, body: Buffer }}
 */
export function encodePayload(payload) {
  switch (payload.dataType) {
    case 'text':
      return { contentType: 'text/plain', body: Buffer.from(payload.text, 'utf8') };
    case 'json':
      return { contentType: 'application/json', body: Buffer.from(payload.text, 'utf8') };
    case 'binary':
      return { contentType: 'application/octet-stream', body: payload.bytes };
  }
}

/**
 * Reads the claims of a verified token as the `connect` event sends them: each claim as a list
 * of strings. Objects are sent as their JSON text.
 *
 * @param {string} token
 * @returns {Record<string, string[]>}
 */
function readClaims(token) {
  /** @type {Record<string, string[]>} */
  const claims = {};
  for (const [name, value] of Object.entries(decodeJwt(token))) {
    const values = Array.isArray(value) ? value : [value];
    claims[name] = values.map((item) =>
      typeof item === 'object' ? JSON.stringify(item) : String(item),
    );
  }
  return claims;
}

/**
 * @param {URLSearchParams} parameters
 * @returns {Record<string, string[]>}
 */
function groupParameters(parameters) {
  /** @type {Record<string, string[]>} */
  const grouped = {};
  for (const [name, value] of parameters) {
    (grouped[name] ??= []).push(value);
  }
  return grouped;
}

/**
 * Parses the body of a 2xx `connect` response. An empty body is an empty object.
 *
 * @param {Buffer} body
 * @returns {{ userId?: string, roles?: string[], groups?: string[], subprotocol?: string }}
 * @throws {Error} when the body is not a JSON object or a field has the wrong type
 */
function parseConnectResponse(body) {
  if (body.byteLength === 0) {
    return {};
  }

  /** @type {unknown} */
  let value;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Error('the body is not JSON.');
  }

  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('the body is not a JSON object.');
  }

  const fields = /** @type {Record<string, unknown>} */ (value);
  /** @type {{ userId?: string, roles?: string[], groups?: string[], subprotocol?: string }} */
  const response = {};

  if (fields.userId !== undefined && fields.userId !== null) {
    if (typeof fields.userId !== 'string') throw new Error('"userId" must be a string.');
    if (fields.userId !== '') response.userId = fields.userId;
  }

  for (const name of /** @type {const} */ (['roles', 'groups'])) {
    const list = fields[name];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
      throw new Error(`"${name}" must be an array of strings.`);
    }
    response[name] = list;
  }

  if (fields.subprotocol !== undefined && fields.subprotocol !== null) {
    if (typeof fields.subprotocol !== 'string') throw new Error('"subprotocol" must be a string.');
    if (fields.subprotocol !== '') response.subprotocol = fields.subprotocol;
  }

  return response;
}
