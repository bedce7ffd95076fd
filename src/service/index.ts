export { AzureKeyCredential, type KeyCredential } from './credentials.js';
export type {
  ClientTokenResponse,
  GenerateClientTokenOptions,
  WebPubSubClientProtocol,
} from './client-access-token.js';
export { parseConnectionString, type ConnectionStringParts } from './connection-string.js';
export type { MessageContentType } from './content.js';
export type { WebPubSubGroup } from './group-client.js';
export {
  DEFAULTS,
  type GroupSendToAllOptions,
  type HubSendToAllOptions,
  type HubSendToConnectionOptions,
  type HubSendToUserOptions,
  type OperationOptions,
  type SendOptionsBase,
  type WebPubSubServiceClientOptions,
} from './options.js';
export { WebPubSubServiceClient } from './service-client.js';
