export { ClientStateError, ConnectionError, ProtocolError, SendMessageError } from './errors.js';
export type { ConnectionErrorOptions, SendMessageErrorOptions } from './errors.js';
export type {
  OnConnectedArgs,
  OnDisconnectedArgs,
  OnErrorArgs,
  OnGroupDataMessageArgs,
  OnRejoinGroupFailedArgs,
  OnServerDataMessageArgs,
  OnStoppedArgs,
  WebPubSubClientEventMap,
  WebPubSubClientEventName,
  WebPubSubClientListener,
} from './events.js';
export type {
  AckMessage,
  AckMessageError,
  ConnectedMessage,
  DisconnectedMessage,
  GroupDataMessage,
  JoinGroupMessage,
  JSONTypes,
  LeaveGroupMessage,
  PingMessage,
  PongMessage,
  SendEventMessage,
  SendToGroupMessage,
  SequenceAckMessage,
  ServerDataMessage,
  WebPubSubDataType,
  WebPubSubMessage,
} from './messages.js';
export { DEFAULTS } from './options.js';
export type {
  GetClientAccessUrl,
  GetClientAccessUrlOptions,
  JoinGroupOptions,
  LeaveGroupOptions,
  SendEventOptions,
  SendToGroupOptions,
  StartOptions,
  WebPubSubClientCredential,
  WebPubSubClientOptions,
  WebPubSubResult,
} from './options.js';
export { WebPubSubJsonProtocol, WebPubSubJsonReliableProtocol, type WebPubSubClientProtocol } from './protocols.js';
export type { RetryMode, WebPubSubRetryOptions } from './retry.js';
export { createWebSocketFactory } from './socket.js';
export type {
  WebSocketConstructorLike,
  WebSocketEventType,
  WebSocketFactory,
  WebSocketFactoryOptions,
  WebSocketLike,
} from './socket.js';
export { WebPubSubClient } from './web-pubsub-client.js';
export { createFetchWebSocketFactory, type FetchWebSocketFactoryOptions } from './workers-socket.js';
