export { WebPubSubEventHandler } from './event-handler.js';
export { EventHandlerError, isEventHandlerError, type EventHandlerErrorOptions } from './errors.js';
export type { AccessKeysSource, WebPubSubEventHandlerOptions } from './options.js';
export type {
  Certificate,
  ConnectedRequest,
  ConnectionContext,
  ConnectionStateWriter,
  ConnectRequest,
  ConnectResponse,
  ConnectResult,
  DisconnectedRequest,
  MqttConnectErrorResponseProperties,
  MqttConnectionContextProperties,
  MqttConnectProperties,
  MqttConnectResponseProperties,
  MqttDisconnectedProperties,
  MqttDisconnectPacket,
  MqttUserProperty,
  UserEventRequest,
  UserEventResponse,
  UserEventResult,
  WebPubSubDataType,
} from './types.js';
