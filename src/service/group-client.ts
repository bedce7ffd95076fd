/**
 * Operations on one group of a hub, returned by `WebPubSubServiceClient.group(name)`.
 */

import { encodePathSegment, type HttpPipeline } from '../internal/http.js';
import type { GroupSendToAllOptions } from './options.js';
import { sendMessage } from './send.js';
import { assertGroupName } from './validation.js';

/**
 * A group of a hub.
 *
 * @example
 * ```ts
 * const room = client.group('room-1');
 * await room.sendToAll({ from: 'server', text: 'hello room' });
 * ```
 */
export interface WebPubSubGroup {
  /** The hub's name. */
  readonly hubName: string;
  /** The group's name. */
  readonly groupName: string;

  /**
   * Sends a message to every connection in the group.
   *
   * @param message - a string or object (sent as JSON), a string with
   * `contentType: 'text/plain'` (sent as text), or bytes (`ArrayBuffer`, typed array, `Blob`).
   * @param options - `excludedConnections`, `filter`, `messageTtlSeconds`, `contentType`,
   * `abortSignal`.
   * @throws {RestError} when the service rejects the call.
   * @throws {ConfigError} when an option or the message is invalid.
   *
   * @example
   * ```ts
   * await client.group('room-1').sendToAll('hi', { contentType: 'text/plain' });
   * ```
   */
  sendToAll(message: unknown, options?: GroupSendToAllOptions): Promise<void>;
}

/** The implementation behind {@link WebPubSubGroup}. */
export class GroupClient implements WebPubSubGroup {
  readonly hubName: string;
  readonly groupName: string;
  readonly #pipeline: HttpPipeline;
  readonly #path: string;

  constructor(pipeline: HttpPipeline, hubName: string, groupName: string) {
    assertGroupName(groupName);
    this.hubName = hubName;
    this.groupName = groupName;
    this.#pipeline = pipeline;
    this.#path = `api/hubs/${encodePathSegment(hubName)}/groups/${encodePathSegment(groupName)}`;
  }

  async sendToAll(message: unknown, options: GroupSendToAllOptions = {}): Promise<void> {
    await sendMessage(this.#pipeline, `${this.#path}/:send`, message, options, { excluded: true, filter: true });
  }
}
