/**
 * Builds requests shaped like the ones Azure Web PubSub sends to an event handler: binary-mode
 * CloudEvents with `ce-*` headers, signed with HMAC-SHA256 of the connection id.
 *
 * Signatures are computed here with `crypto.subtle` directly, independently of the code under test.
 */

export const HUB = 'chat';
export const HANDLER_URL = 'http://localhost/api/webpubsub/hubs/chat/';
export const ORIGIN = 'demo.webpubsub.azure.com';
export const CONNECTION_ID = 'conn-0f6c1d';
export const PRIMARY_KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
export const SECONDARY_KEY = 'ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=';

/** Hex HMAC-SHA256 of `message` keyed with the UTF-8 bytes of `key`. */
export async function hmacHex(key: string, message: string): Promise<string> {
  const encoder = new TextEncoder();
  const cryptoKey = await crypto.subtle.importKey(
    'raw',
    encoder.encode(key),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(message)));
  return [...mac].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** `ce-signature` value with one `sha256=<hex>` entry per key, joined by commas. */
export async function signatureFor(keys: readonly string[], connectionId = CONNECTION_ID): Promise<string> {
  const entries = await Promise.all(keys.map(async (key) => `sha256=${await hmacHex(key, connectionId)}`));
  return entries.join(',');
}

/** Base64 of the UTF-8 JSON of `value`, as `ce-connectionState` carries it. */
export function encodeState(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  return btoa(String.fromCharCode(...bytes));
}

/** Inverse of {@link encodeState}. */
export function decodeState(header: string): unknown {
  const binary = atob(header);
  const bytes = Uint8Array.from(binary, (character) => character.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

export interface ServiceEventInit {
  /** `ce-type`, such as `azure.webpubsub.sys.connect`. */
  type: string;
  /** `ce-eventName`; derived from `type` when left out. */
  eventName?: string;
  hub?: string;
  connectionId?: string;
  userId?: string;
  /** Keys to sign with, `[PRIMARY_KEY]` when left out. Ignored when `signature` is given. */
  signWith?: readonly string[];
  /** Exact `ce-signature` values: one string, several repeated headers, or `null` for none. */
  signature?: string | readonly string[] | null;
  body?: BodyInit | null;
  contentType?: string;
  url?: string;
  /** Extra headers, or `null` values to remove default ones. */
  headers?: Record<string, string | null>;
}

/** Build a signed event request as the service sends it. */
export async function serviceEvent(init: ServiceEventInit): Promise<Request> {
  const connectionId = init.connectionId ?? CONNECTION_ID;
  const hub = init.hub ?? HUB;
  const eventName = init.eventName ?? init.type.split('.').pop() ?? '';
  const headers = new Headers({
    'ce-specversion': '1.0',
    'ce-type': init.type,
    'ce-source': `/hubs/${hub}/client/${connectionId}`,
    'ce-id': '1',
    'ce-time': '2026-12-04T10:00:00Z',
    'ce-awpsversion': '1.0',
    'ce-hub': hub,
    'ce-connectionId': connectionId,
    'ce-eventName': eventName,
    'WebHook-Request-Origin': ORIGIN,
  });
  if (init.userId !== undefined) headers.set('ce-userId', init.userId);
  if (init.contentType !== undefined) headers.set('Content-Type', init.contentType);

  if (init.signature === undefined) {
    headers.set('ce-signature', await signatureFor(init.signWith ?? [PRIMARY_KEY], connectionId));
  } else if (typeof init.signature === 'string') {
    headers.set('ce-signature', init.signature);
  } else if (init.signature !== null) {
    for (const value of init.signature) headers.append('ce-signature', value);
  }

  for (const [name, value] of Object.entries(init.headers ?? {})) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }

  return new Request(init.url ?? HANDLER_URL, { method: 'POST', headers, body: init.body ?? null });
}

/** Build a `connect` event with the body the service sends. */
export function connectEvent(
  body: Record<string, unknown> = {
    claims: { sub: ['alice'] },
    query: { room: ['lobby'] },
    headers: { 'user-agent': ['test'] },
    subprotocols: ['json.webpubsub.azure.v1'],
    clientCertificates: [],
  },
  init: Partial<ServiceEventInit> = {},
): Promise<Request> {
  return serviceEvent({
    type: 'azure.webpubsub.sys.connect',
    contentType: 'application/json',
    body: JSON.stringify(body),
    ...init,
  });
}

/** Build a `message` user event as the service sends it for a simple WebSocket client. */
export function messageEvent(body: BodyInit, contentType: string, init: Partial<ServiceEventInit> = {}): Promise<Request> {
  return serviceEvent({
    type: 'azure.webpubsub.user.message',
    userId: 'alice',
    contentType,
    body,
    ...init,
  });
}

/** Build an abuse-protection `OPTIONS` request. */
export function validationRequest(origin: string | null, url = HANDLER_URL): Request {
  const headers = new Headers({ 'ce-awpsversion': '1.0' });
  if (origin !== null) headers.set('WebHook-Request-Origin', origin);
  return new Request(url, { method: 'OPTIONS', headers });
}
