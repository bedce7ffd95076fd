/**
 * Event requests that a `WebPubSubEventHandler` passes to its callbacks, and the values the
 * callbacks return.
 *
 * The shapes follow the CloudEvents binding of Azure Web PubSub
 * (https://learn.microsoft.com/azure/azure-web-pubsub/reference-cloud-events) and keep the names
 * of `@azure/web-pubsub-express` 1.1.0.
 */

import type { EventHandlerError } from './errors.js';

/** Data type of a user event body or of a user event response. */
export type WebPubSubDataType = 'text' | 'json' | 'binary';

/** MQTT user property, sent in CONNECT, CONNACK and DISCONNECT packets. */
export interface MqttUserProperty {
  /** Property name. */
  name: string;
  /** Property value. */
  value: string;
}

/** Connection identifiers that only MQTT connections have. */
export interface MqttConnectionContextProperties {
  /** Id of the network connection, from `ce-physicalConnectionId`. */
  physicalConnectionId: string;
  /** Id of the MQTT session, from `ce-sessionId`. The `connect` event has none. */
  sessionId?: string;
}

/** Connection facts shared by every event, read from the `ce-*` headers. */
export interface ConnectionContext {
  /** Hub of the connection, from `ce-hub`. */
  hub: string;
  /** Connection id, from `ce-connectionId`. */
  connectionId: string;
  /** Event name, from `ce-eventName`, such as `connect` or `message`. */
  eventName: string;
  /** Host name of the service instance, from `WebHook-Request-Origin`. */
  origin: string;
  /** User id of the connection, from `ce-userId`. Absent for anonymous connections. */
  userId?: string;
  /** WebSocket subprotocol of the connection, from `ce-subprotocol`. */
  subprotocol?: string;
  /**
   * Value of `ce-signature`. The handler has already verified it, unless `verifySignature` is
   * `false`.
   */
  signature?: string;
  /**
   * Connection state decoded from `ce-connectionState` (base64-encoded JSON object), or `{}`.
   * `setState` on a blocking event request updates this object.
   */
  states: Record<string, unknown>;
  /**
   * Protocol of the client: `mqtt` when `ce-subprotocol` contains `mqtt` and
   * `ce-physicalConnectionId` is present, otherwise `default` (a WebSocket client).
   */
  clientProtocol: 'default' | 'mqtt';
  /** MQTT identifiers, present when `clientProtocol` is `mqtt`. */
  mqtt?: MqttConnectionContextProperties;
}

/** Client certificate offered in the handshake. */
export interface Certificate {
  /** Certificate thumbprint. */
  thumbprint: string;
  /** Certificate in PEM format. */
  content?: string;
}

/** CONNECT packet properties of an MQTT client. */
export interface MqttConnectProperties {
  /** MQTT protocol version: 4 for MQTT 3.1.1, 5 for MQTT 5.0. */
  protocolVersion: number;
  /** Whether the client asked for a new session. */
  cleanStart?: boolean;
  /** User name from the CONNECT packet. */
  username?: string;
  /** Password from the CONNECT packet, base64-encoded. */
  password?: string;
  /** User properties from the CONNECT packet. */
  userProperties?: MqttUserProperty[];
}

/** Methods of blocking events, whose response may update the connection state. */
export interface ConnectionStateWriter {
  /**
   * Set one connection state entry. The response then carries the whole merged state in
   * `ce-connectionState`, and later events of the connection receive it in `context.states`.
   * Set `undefined` to remove an entry. Values must be JSON-serializable.
   *
   * Note: the state is sent only with a successful response.
   *
   * @example
   * ```ts
   * handleUserEvent(request) {
   *   const count = Number(request.context.states.count ?? 0) + 1;
   *   request.setState('count', count);
   *   return { data: `message ${count}` };
   * }
   * ```
   */
  setState(name: string, value: unknown): void;
}

/** The blocking `connect` event (`azure.webpubsub.sys.connect`), sent before the handshake ends. */
export interface ConnectRequest extends ConnectionStateWriter {
  /** Connection facts. */
  context: ConnectionContext;
  /** Claims of the client access token, each as a list of values. */
  claims?: Record<string, string[]>;
  /** Query parameters of the client's handshake request. */
  queries?: Record<string, string[]>;
  /**
   * Same as `queries`, under the name the service uses.
   * @deprecated Use `queries`, as in `@azure/web-pubsub-express`.
   */
  query?: Record<string, string[]>;
  /** Headers of the client's handshake request. */
  headers?: Record<string, string[]>;
  /** WebSocket subprotocols the client offered. */
  subprotocols?: string[];
  /** Client certificates, when client certificate authentication is enabled. */
  clientCertificates?: Certificate[];
  /** CONNECT packet properties, present for MQTT clients. */
  mqtt?: MqttConnectProperties;
}

/** MQTT CONNACK properties of a successful `connect` response. */
export interface MqttConnectResponseProperties {
  /** User properties to send in the CONNACK packet. */
  userProperties?: MqttUserProperty[];
}

/**
 * Acceptance of a connection that changes its identity. Only the fields you set are sent, and a
 * value with no field set gives the same empty 204 as returning nothing.
 *
 * @example
 * ```ts
 * handleConnect: (request) => ({ userId: request.claims?.sub?.[0], groups: ['lobby'] })
 * ```
 */
export interface ConnectResponse {
  /** User id of the connection, replacing the token's. */
  userId?: string;
  /** Groups the connection joins. */
  groups?: string[];
  /** Roles of the connection, replacing the token's. An empty list removes all roles. */
  roles?: string[];
  /** One of the offered subprotocols to select. An empty string is left out. */
  subprotocol?: string;
  /** CONNACK properties for MQTT clients. */
  mqtt?: MqttConnectResponseProperties;
}

/** CONNACK code and reason that reject an MQTT client's `connect`. */
export interface MqttConnectErrorResponseProperties {
  /** MQTT 3.1.1 connect return code (1 to 5) or MQTT 5 connect reason code (128 to 159). */
  code: number;
  /** Reason string, sent to MQTT 5 clients. */
  reason?: string;
  /** User properties, sent to MQTT 5 clients. */
  userProperties?: MqttUserProperty[];
}

/** The `connected` event (`azure.webpubsub.sys.connected`), a notification. */
export interface ConnectedRequest {
  /** Connection facts. */
  context: ConnectionContext;
}

/** DISCONNECT packet of an MQTT client. */
export interface MqttDisconnectPacket {
  /** MQTT disconnect reason code. */
  code: number;
  /** User properties of the DISCONNECT packet. */
  userProperties?: MqttUserProperty[];
}

/** End of an MQTT connection: who closed it, and the client's DISCONNECT packet. */
export interface MqttDisconnectedProperties {
  /** Whether the client ended the connection. */
  initiatedByClient: boolean;
  /** The client's DISCONNECT packet, if it sent one. */
  disconnectPacket?: MqttDisconnectPacket;
}

/** The `disconnected` event (`azure.webpubsub.sys.disconnected`), a notification. */
export interface DisconnectedRequest {
  /** Connection facts. */
  context: ConnectionContext;
  /** Reason the connection closed, if the service reports one. */
  reason?: string;
  /** Disconnect details, present for MQTT clients. */
  mqtt?: MqttDisconnectedProperties;
}

/**
 * A user event (`azure.webpubsub.user.<event>`): a message a client sent to the server. Simple
 * WebSocket clients send every frame as the event `message`. `dataType` comes from the request
 * `Content-Type` and determines the type of `data`.
 *
 * @example
 * ```ts
 * handleUserEvent(request) {
 *   if (request.dataType === 'json') return { data: { received: request.data } };
 *   if (request.dataType === 'binary') return { data: request.data.byteLength.toString() };
 *   return { data: request.data.toUpperCase() };
 * }
 * ```
 */
export type UserEventRequest = ConnectionStateWriter &
  (
    | { context: ConnectionContext; dataType: 'text'; data: string }
    | { context: ConnectionContext; dataType: 'json'; data: unknown }
    | { context: ConnectionContext; dataType: 'binary'; data: Uint8Array }
  );

/**
 * Reply to a user event, sent back to the client that sent it.
 *
 * Without `dataType`, the type follows `data`: a string is `text`, bytes are `binary`, anything
 * else is `json`. A string with `dataType: 'binary'` is sent as its UTF-8 bytes.
 * Note: `@azure/web-pubsub-express` sends data without a `dataType` as binary.
 *
 * @example
 * ```ts
 * return { data: { ok: true } }; // application/json
 * return { data: 'ack', dataType: 'text' }; // text/plain
 * ```
 */
export interface UserEventResponse {
  /** Reply body: a string, bytes (`Uint8Array`, `ArrayBuffer`, a typed array) or a JSON value. */
  data: unknown;
  /** Data type, which sets the response `Content-Type`. */
  dataType?: WebPubSubDataType;
}

/** Return value of `handleConnect`: nothing (204), a {@link ConnectResponse} or a rejection. */
export type ConnectResult = ConnectResponse | EventHandlerError | undefined | void;

/** Return value of `handleUserEvent`: nothing (204), a {@link UserEventResponse} or a rejection. */
export type UserEventResult = UserEventResponse | EventHandlerError | undefined | void;
