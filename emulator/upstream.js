// @ts-check
/**
 * The upstream event handler of the emulator: one webhook that receives client events as
 * CloudEvents in binary mode, with the attributes in `ce-*` headers and the data in the body,
 * as Azure Web PubSub sends them
 * (https://learn.microsoft.com/azure/azure-web-pubsub/reference-cloud-events).
 *
 * Before the first event to a URL, the emulator sends the abuse-protection `OPTIONS` request of
 * the CloudEvents HTTP webhook spec, section 4
 * (https://github.com/cloudevents/spec/blob/main/cloudevents/http-webhook.md), and delivers
 * events only after a 200 response whose `WebHook-Allowed-Origin` is `*` or names the
 * emulator's host.
 *
 * Each call is logged on one line with the event, hub, connection id and status. The log never
 * contains a signature, a key or the query string of the upstream URL, which can carry a secret
 * such as an Azure Functions `code`.
 */
import { createHmac, randomUUID } from 'node:crypto';

/** System events the service can deliver, in the order a connection produces them. */
export const SYSTEM_EVENTS = Object.freeze(['connect', 'connected', 'disconnected']);

/**
 * Maximum time an upstream gets to respond to one request, in milliseconds.
 * NOTE: the service's own upstream timeout is not documented. This value is the emulator's
 * choice.
 */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 10_000;

/** Time in-flight upstream requests get to finish when the emulator stops, in milliseconds. */
const SHUTDOWN_GRACE_MS = 1000;

/** Placeholders a URL template may contain. */
const PLACEHOLDER_PATTERN = /\{([^{}]*)\}/g;
const KNOWN_PLACEHOLDERS = new Set(['hub', 'event']);

/** Name of the event that `{event}` becomes in the abuse-protection `OPTIONS` URL. */
const VALIDATE_EVENT = 'validate';

/**
 * @typedef {'connect' | 'connected' | 'disconnected'} SystemEventName
 *
 * @typedef {object} UpstreamEvents
 * @property {readonly SystemEventName[]} [systemEvents] system events to deliver. Default: all
 *   three.
 * @property {string} [userEventPattern] user events to deliver: `*` for every event, or a
 *   comma-separated list of event names. An empty string delivers none. Default `*`.
 *
 * @typedef {object} UpstreamOptions
 * @property {string} urlTemplate absolute http or https URL. `{hub}` becomes the hub name and
 *   `{event}` the event name (`validate` for the abuse-protection request). `{event}` is not
 *   allowed in the host.
 * @property {UpstreamEvents} [events] which events go upstream. Default: every event.
 * @property {number} [timeoutInMs] time one request may take. Default 10000.
 */

/**
 * One event to deliver.
 *
 * @typedef {object} UpstreamEvent
 * @property {string} hub
 * @property {string} connectionId
 * @property {string | null} userId
 * @property {string | null} subprotocol
 * @property {string | null} connectionState value for `ce-connectionState`, if any
 * @property {string} eventName such as `connect` or `message`
 * @property {boolean} isSystemEvent true for `azure.webpubsub.sys.*`, false for
 *   `azure.webpubsub.user.*`
 * @property {string} contentType
 * @property {Buffer} body
 */

/**
 * Outcome of one delivery: the upstream's response, or the reason why there is none.
 *
 * @typedef {{ isDelivered: true, status: number, headers: Headers, body: Buffer }
 *   | { isDelivered: false, reason: string }} UpstreamResult
 */

/**
 * Checks upstream options and returns them with their defaults filled in.
 *
 * @param {UpstreamOptions} options
 * @returns {Required<UpstreamOptions> & { events: Required<UpstreamEvents> }}
 * @throws {TypeError} for a template that is not an http(s) URL, an unknown placeholder,
 *   `{event}` in the host, an unknown system event or an invalid timeout
 */
export function normalizeUpstreamOptions(options) {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      'upstream must be an object such as { urlTemplate: "http://127.0.0.1:8787/eventhandler" }.',
    );
  }

  const { urlTemplate, events = {}, timeoutInMs = DEFAULT_UPSTREAM_TIMEOUT_MS } = options;
  validateUrlTemplate(urlTemplate);

  const { systemEvents = SYSTEM_EVENTS, userEventPattern = '*' } = events;
  if (!Array.isArray(systemEvents) || !systemEvents.every((name) => SYSTEM_EVENTS.includes(name))) {
    throw new TypeError(`upstream.events.systemEvents must list only ${SYSTEM_EVENTS.join(', ')}.`);
  }

  if (typeof userEventPattern !== 'string') {
    throw new TypeError(
      'upstream.events.userEventPattern must be "*" or a comma-separated list of event names.',
    );
  }

  if (!Number.isInteger(timeoutInMs) || timeoutInMs <= 0) {
    throw new TypeError(
      `Invalid upstream.timeoutInMs ${String(timeoutInMs)}: use a positive whole number of ms.`,
    );
  }

  return {
    urlTemplate,
    events: { systemEvents: [...systemEvents], userEventPattern },
    timeoutInMs,
  };
}

/**
 * @param {unknown} urlTemplate
 * @returns {asserts urlTemplate is string}
 */
function validateUrlTemplate(urlTemplate) {
  if (typeof urlTemplate !== 'string' || urlTemplate === '') {
    throw new TypeError(
      'upstream.urlTemplate must be a URL such as "http://127.0.0.1:8787/eventhandler".',
    );
  }

  for (const [, name] of urlTemplate.matchAll(PLACEHOLDER_PATTERN)) {
    if (!KNOWN_PLACEHOLDERS.has(name)) {
      throw new TypeError(
        `Unknown placeholder {${name}} in the upstream URL template. Use {hub} and {event}.`,
      );
    }
  }

  let first;
  let second;
  try {
    first = new URL(fillTemplate(urlTemplate, 'hubA', 'eventA'));
    second = new URL(fillTemplate(urlTemplate, 'hubB', 'eventB'));
  } catch {
    throw new TypeError(
      `Invalid upstream URL template "${urlTemplate}": it must be an absolute URL.`,
    );
  }

  if (first.protocol !== 'http:' && first.protocol !== 'https:') {
    throw new TypeError(`Invalid upstream URL template "${urlTemplate}": use http or https.`);
  }

  if (first.host !== second.host) {
    throw new TypeError(
      `Invalid upstream URL template "${urlTemplate}": {hub} and {event} are not allowed in the host.`,
    );
  }
}

/**
 * @param {string} template
 * @param {string} hub
 * @param {string} eventName
 */
function fillTemplate(template, hub, eventName) {
  return template.replace(PLACEHOLDER_PATTERN, (_match, /** @type {string} */ name) =>
    encodeURIComponent(name === 'hub' ? hub : eventName),
  );
}

/**
 * Computes `ce-signature`: one `sha256=<hex>` entry per access key, each the HMAC-SHA256 of the
 * connection id keyed with the UTF-8 bytes of the key string.
 *
 * @param {string} connectionId
 * @param {readonly string[]} accessKeys
 * @returns {string}
 */
export function signConnectionId(connectionId, accessKeys) {
  return accessKeys
    .map((key) => {
      const hmac = createHmac('sha256', Buffer.from(key, 'utf8')).update(connectionId, 'utf8');
      return `sha256=${hmac.digest('hex')}`;
    })
    .join(',');
}

/**
 * Returns the URL without its query string and fragment, for the log.
 *
 * @param {string} url
 */
function redactUrl(url) {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/**
 * Tells whether a `WebHook-Allowed-Origin` value allows `origin`: `*`, or a comma-separated
 * list that contains it, compared case-insensitively.
 *
 * @param {string | null} allowedOrigin
 * @param {string} origin
 */
export function isOriginAllowed(allowedOrigin, origin) {
  if (allowedOrigin === null) {
    return false;
  }

  const expected = origin.toLowerCase();
  return allowedOrigin
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .some((entry) => entry === '*' || entry === expected);
}

/**
 * Sends events of every hub to one upstream URL template.
 */
export class Upstream {
  /**
   * @param {object} init
   * @param {UpstreamOptions} init.options
   * @param {readonly string[]} init.accessKeys every key signs `ce-signature`
   * @param {string} init.origin host of the emulator for `WebHook-Request-Origin`, such as
   *   `127.0.0.1:8092`
   * @param {import('./log.js').EventLogger} init.logger
   * @throws {TypeError} for invalid options
   */
  constructor({ options, accessKeys, origin, logger }) {
    const normalized = normalizeUpstreamOptions(options);
    this.urlTemplate = normalized.urlTemplate;
    this.timeoutInMs = normalized.timeoutInMs;
    this.systemEvents = new Set(normalized.events.systemEvents);
    this.userEventPattern = normalized.events.userEventPattern.trim();
    this.userEventNames = new Set(
      this.userEventPattern
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== ''),
    );
    this.accessKeys = accessKeys;
    this.origin = origin;
    this.logger = logger;

    /** Validation URLs whose abuse-protection response allowed the emulator's origin. */
    this.validatedUrls = new Set();

    /**
     * Validations in progress, shared by events that arrive meanwhile. A failed validation is
     * forgotten, so the next event tries again.
     * @type {Map<string, Promise<boolean>>}
     */
    this.pendingValidations = new Map();

    /** Aborts every request when the emulator stops. */
    this.shutdown = new AbortController();

    /** @type {Set<Promise<unknown>>} */
    this.inFlight = new Set();
  }

  /**
   * @param {string} name
   * @returns {boolean}
   */
  handlesSystemEvent(name) {
    return this.systemEvents.has(/** @type {SystemEventName} */ (name));
  }

  /**
   * @param {unknown} name
   * @returns {boolean}
   */
  handlesUserEvent(name) {
    if (typeof name !== 'string' || name === '') {
      return false;
    }

    return this.userEventPattern === '*' || this.userEventNames.has(name);
  }

  /**
   * Delivers one event and resolves with the upstream's response. Never rejects: a failed
   * validation, a network error, a timeout or a stopping emulator gives `isDelivered: false`.
   *
   * @param {UpstreamEvent} event
   * @returns {Promise<UpstreamResult>}
   */
  send(event) {
    const delivery = this.deliver(event);
    this.inFlight.add(delivery);
    return delivery.finally(() => this.inFlight.delete(delivery));
  }

  /**
   * @param {UpstreamEvent} event
   * @returns {Promise<UpstreamResult>}
   */
  async deliver(event) {
    const ids = { hub: event.hub, connectionId: event.connectionId, eventName: event.eventName };
    if (this.shutdown.signal.aborted) {
      return { isDelivered: false, reason: 'The emulator is shutting down.' };
    }

    const validateUrl = fillTemplate(this.urlTemplate, event.hub, VALIDATE_EVENT);
    if (!(await this.validate(validateUrl))) {
      const reason = 'The upstream did not pass abuse protection, so the event was not delivered.';
      this.logger.warn('upstream.undelivered', { ...ids, reason });
      return { isDelivered: false, reason };
    }

    const url = fillTemplate(this.urlTemplate, event.hub, event.eventName);
    const startedAt = Date.now();
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: this.buildHeaders(event),
        // A copy, because fetch's types accept only bytes backed by an ArrayBuffer.
        body: new Uint8Array(event.body),
        redirect: 'manual',
        signal: this.requestSignal(),
      });
      const body = Buffer.from(await response.arrayBuffer());
      const fields = { ...ids, status: response.status, durationMs: Date.now() - startedAt };
      if (response.ok) {
        this.logger.info('upstream.request', fields);
      } else {
        this.logger.warn('upstream.request', fields);
      }

      return { isDelivered: true, status: response.status, headers: response.headers, body };
    } catch (error) {
      const reason = describeFetchError(error, this.timeoutInMs);
      this.logger.warn('upstream.failed', { ...ids, url: redactUrl(url), reason });
      return { isDelivered: false, reason };
    }
  }

  /**
   * Builds the CloudEvents headers of an event. `ce-userId`, `ce-subprotocol` and
   * `ce-connectionState` are left out when the connection has no such value.
   *
   * @param {UpstreamEvent} event
   * @returns {Record<string, string>}
   */
  buildHeaders(event) {
    const prefix = event.isSystemEvent ? 'azure.webpubsub.sys.' : 'azure.webpubsub.user.';
    /** @type {Record<string, string>} */
    const headers = {
      'content-type': event.contentType,
      'ce-specversion': '1.0',
      'ce-type': `${prefix}${event.eventName}`,
      'ce-source': `/hubs/${event.hub}/client/${event.connectionId}`,
      'ce-id': randomUUID(),
      'ce-time': new Date().toISOString(),
      'ce-awpsversion': '1.0',
      'ce-hub': event.hub,
      'ce-connectionId': event.connectionId,
      'ce-eventName': event.eventName,
      'ce-signature': signConnectionId(event.connectionId, this.accessKeys),
      'WebHook-Request-Origin': this.origin,
    };

    if (event.userId !== null) headers['ce-userId'] = event.userId;
    if (event.subprotocol !== null) headers['ce-subprotocol'] = event.subprotocol;
    if (event.connectionState !== null) headers['ce-connectionState'] = event.connectionState;

    return headers;
  }

  /**
   * Runs the abuse-protection handshake for a URL once. Events that arrive while it runs wait
   * for the same attempt.
   *
   * @param {string} url
   * @returns {Promise<boolean>} whether events may be delivered
   */
  validate(url) {
    if (this.validatedUrls.has(url)) {
      return Promise.resolve(true);
    }

    let pending = this.pendingValidations.get(url);
    if (pending === undefined) {
      pending = this.requestValidation(url).then((isAllowed) => {
        this.pendingValidations.delete(url);
        if (isAllowed) {
          this.validatedUrls.add(url);
        }
        return isAllowed;
      });
      this.pendingValidations.set(url, pending);
    }

    return pending;
  }

  /**
   * @param {string} url
   * @returns {Promise<boolean>}
   */
  async requestValidation(url) {
    const fields = { url: redactUrl(url) };
    try {
      const response = await fetch(url, {
        method: 'OPTIONS',
        headers: { 'WebHook-Request-Origin': this.origin, 'ce-awpsversion': '1.0' },
        redirect: 'manual',
        signal: this.requestSignal(),
      });
      await response.arrayBuffer();

      const allowedOrigin = response.headers.get('WebHook-Allowed-Origin');
      const isAllowed = response.status === 200 && isOriginAllowed(allowedOrigin, this.origin);
      if (isAllowed) {
        this.logger.info('upstream.validated', { ...fields, status: response.status });
        return true;
      }

      const allowed = allowedOrigin === null ? 'missing' : `"${allowedOrigin}"`;
      const reason =
        response.status === 200
          ? `WebHook-Allowed-Origin is ${allowed}, not "*" or "${this.origin}".`
          : `The OPTIONS request returned status ${response.status}, not 200.`;
      const status = response.status;
      this.logger.warn('upstream.validation-failed', { ...fields, status, reason });
      return false;
    } catch (error) {
      const reason = describeFetchError(error, this.timeoutInMs);
      this.logger.warn('upstream.validation-failed', { ...fields, reason });
      return false;
    }
  }

  /** @returns {AbortSignal} */
  requestSignal() {
    return AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.timeoutInMs)]);
  }

  /**
   * Stops delivering: requests still running get a short grace period, then are aborted.
   *
   * @returns {Promise<void>}
   */
  async close() {
    const pending = [...this.inFlight];
    if (pending.length > 0) {
      /** @type {NodeJS.Timeout | undefined} */
      let timer;
      const grace = new Promise((resolve) => {
        timer = setTimeout(resolve, SHUTDOWN_GRACE_MS);
      });
      await Promise.race([Promise.allSettled(pending), grace]);
      clearTimeout(timer);
    }

    this.shutdown.abort();
    await Promise.allSettled([...this.inFlight]);
  }
}

/**
 * @param {unknown} error
 * @param {number} timeoutInMs
 * @returns {string}
 */
function describeFetchError(error, timeoutInMs) {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return `The upstream did not respond within ${timeoutInMs} ms.`;
  }

  if (error instanceof Error && error.name === 'AbortError') {
    return 'The request was aborted because the emulator is shutting down.';
  }

  const hasCause = error instanceof Error && error.cause instanceof Error;
  const cause = hasCause ? `: ${/** @type {Error} */ (error.cause).message}` : '';
  const message = error instanceof Error ? error.message : String(error);
  return `The request failed (${message}${cause}).`;
}
