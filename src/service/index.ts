export { ClientSecretCredential, type ClientSecretCredentialOptions } from './client-secret-credential.js';
export { AzureKeyCredential, type KeyCredential } from './credentials.js';
export type {
  ClientTokenResponse,
  GenerateClientTokenOptions,
  WebPubSubClientProtocol,
} from './client-access-token.js';
export { parseConnectionString, type ConnectionStringParts } from './connection-string.js';
export type { MessageContentType } from './content.js';
export type { WebPubSubGroup } from './group-client.js';
export { odata } from './odata.js';
export type {
  ContinuablePage,
  GroupCloseAllConnectionsOptions,
  GroupListConnectionsOptions,
  HubCloseAllConnectionsOptions,
  HubCloseConnectionOptions,
  HubCloseUserConnectionsOptions,
  HubGrantPermissionOptions,
  HubHasPermissionOptions,
  HubPermissionOptions,
  HubRevokePermissionOptions,
  PageSettings,
  PagedAsyncIterableIterator,
  Permission,
  WebPubSubGroupMember,
} from './operation-options.js';
export {
  DEFAULTS,
  type GroupSendToAllOptions,
  type HubSendToAllOptions,
  type HubSendToConnectionOptions,
  type HubSendToUserOptions,
  type OperationOptions,
  type RetryOptions,
  type SendOptionsBase,
  type ServiceClientDefaults,
  type WebPubSubServiceClientOptions,
} from './options.js';
export { WebPubSubServiceClient } from './service-client.js';
export {
  isTokenCredential,
  type AccessToken,
  type GetTokenOptions,
  type TokenCredential,
} from './token-credential.js';
