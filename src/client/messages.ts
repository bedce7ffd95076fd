/**
 * Messages exchanged with the service, as a client protocol parses and writes them. The shapes
 * and `kind` names match `@azure/web-pubsub-client` 1.1.0, so a protocol object written for it
 * works here. The JSON wire format is described in the Azure doc "JSON WebSocket subprotocol
 * supported by Azure Web PubSub" (reference-json-webpubsub-subprotocol).
 */

/** Values that can be sent as JSON. */
export type JSONTypes = string | number | boolean | object;

/** Data types of message content. `binary` and `protobuf` travel as base64 in JSON frames. */
export type WebPubSubDataType = 'json' | 'text' | 'binary' | 'protobuf';

/** Error of a failed ack, as the service sends it. */
export interface AckMessageError {
  /** Error name, such as `Forbidden`, `BadRequest`, `InternalServerError` or `Duplicate`. */
  name: string;
  /** Error message from the service. */
  message: string;
}

/** The service's reply to a frame that carried an ackId. */
export interface AckMessage {
  readonly kind: 'ack';
  /** The ackId of the frame it acknowledges. */
  ackId: number;
  /** Whether the service ran the frame. */
  success: boolean;
  /** The reason for a failure, when `success` is false. */
  error?: AckMessageError;
}

/** The service's reply to a ping. */
export interface PongMessage {
  readonly kind: 'pong';
}

/** First message on every new connection: it confirms the subprotocol. */
export interface ConnectedMessage {
  readonly kind: 'connected';
  /** Id of the connection. */
  connectionId: string;
  /** User id from the token's `sub` claim; empty when the token has none. */
  userId: string;
  /** Token for recovering this connection; sent on reliable subprotocols only. */
  reconnectionToken?: string;
}

/** Sent by the service right before it closes the connection. */
export interface DisconnectedMessage {
  readonly kind: 'disconnected';
  /** Reason the service gives for closing the connection. */
  message: string;
}

/** A message published to a group the client joined. */
export interface GroupDataMessage {
  readonly kind: 'groupData';
  /** Type of `data`. */
  dataType: WebPubSubDataType;
  /** Content: a JSON value, a string for `text`, an `ArrayBuffer` for `binary` and `protobuf`. */
  data: JSONTypes | ArrayBuffer;
  /** Position in the connection's stream of messages; reliable subprotocols only. */
  sequenceId?: number;
  /** Group the message was published to. */
  group: string;
  /** User id of the sender, when it has one. */
  fromUserId: string;
}

/** A message sent by the application server through the REST API. */
export interface ServerDataMessage {
  readonly kind: 'serverData';
  /** Type of `data`. */
  dataType: WebPubSubDataType;
  /** Content: a JSON value, a string for `text`, an `ArrayBuffer` for `binary` and `protobuf`. */
  data: JSONTypes | ArrayBuffer;
  /** Position in the connection's stream of messages; reliable subprotocols only. */
  sequenceId?: number;
}

/** Request to join a group. */
export interface JoinGroupMessage {
  readonly kind: 'joinGroup';
  /** Group to join. */
  group: string;
  /** Asks the service for an ack. */
  ackId?: number;
}

/** Request to leave a group. */
export interface LeaveGroupMessage {
  readonly kind: 'leaveGroup';
  /** Group to leave. */
  group: string;
  /** Asks the service for an ack. */
  ackId?: number;
}

/** Publishes content to a group. */
export interface SendToGroupMessage {
  readonly kind: 'sendToGroup';
  /** Target group. */
  group: string;
  /** Asks the service for an ack. */
  ackId?: number;
  /** Type of `data`. */
  dataType: WebPubSubDataType;
  /** Content; `ArrayBuffer` or a typed array for `binary` and `protobuf`. */
  data: JSONTypes | ArrayBuffer | ArrayBufferView;
  /** Leaves the sender out of the delivery. */
  noEcho: boolean;
}

/** Sends a user event to the application server's event handler. */
export interface SendEventMessage {
  readonly kind: 'sendEvent';
  /** Event name; the event handler receives `azure.webpubsub.user.<event>`. */
  event: string;
  /** Asks the service for an ack. */
  ackId?: number;
  /** Type of `data`. */
  dataType: WebPubSubDataType;
  /** Content; `ArrayBuffer` or a typed array for `binary` and `protobuf`. */
  data: JSONTypes | ArrayBuffer | ArrayBufferView;
}

/** Acknowledges every message up to and including `sequenceId` (reliable subprotocols). */
export interface SequenceAckMessage {
  readonly kind: 'sequenceAck';
  /** Highest sequence id received. */
  sequenceId: number;
}

/** Keepalive probe. The service replies with a pong. */
export interface PingMessage {
  readonly kind: 'ping';
}

/** Every message this client reads or writes. */
export type WebPubSubMessage =
  | AckMessage
  | PongMessage
  | ConnectedMessage
  | DisconnectedMessage
  | GroupDataMessage
  | ServerDataMessage
  | JoinGroupMessage
  | LeaveGroupMessage
  | SendToGroupMessage
  | SendEventMessage
  | SequenceAckMessage
  | PingMessage;
