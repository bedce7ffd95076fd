/**
 * Acknowledged and fire-and-forget operations: writing their frames, waiting for acks, and
 * retrying after connection failures per `messageRetryOptions`. A retry reuses the ackId, so the
 * service acknowledges a repeat on the same connection with `Duplicate` instead of running it twice.
 */

import { WebPubSubError } from '../errors.js';
import { AckTracker } from './ack-tracker.js';
import type { Connection } from './connection.js';
import { ConnectionWaiters } from './connection-waiters.js';
import { ConnectionError, ProtocolError, SendMessageError } from './errors.js';
import type { AckMessage, WebPubSubMessage } from './messages.js';
import type { WebPubSubResult } from './options.js';
import type { WebPubSubClientProtocol } from './protocols.js';
import { retryDelayInMs, type ResolvedRetryOptions } from './retry.js';

/** Options shared by the operations. */
export interface OperationOptions {
  ackId?: number;
  abortSignal?: AbortSignal;
}

/** Client state that the operations read. */
export interface OperationContext {
  readonly protocol: WebPubSubClientProtocol;
  readonly retryOptions: ResolvedRetryOptions;
  /** The connection frames can be written to, when the client is connected. */
  connection(): Connection | undefined;
  /** The client state, for error messages. */
  state(): string;
  /** Whether the client is stopped or stopping, so that nothing is retried. */
  isStopping(): boolean;
}

/** Sends operations and settles them with the service's acks. */
export class Operations {
  readonly #context: OperationContext;
  readonly #acks = new AckTracker();
  readonly #waiters = new ConnectionWaiters();
  #count = 0;

  constructor(context: OperationContext) {
    this.#context = context;
  }

  /**
   * Sends the frame `build(ackId)` and resolves with its ack. `shouldRetry` can end the retries
   * early, such as for a rejoin whose connection was replaced.
   */
  sendWithAck(
    build: (ackId: number) => WebPubSubMessage,
    options: OperationOptions,
    shouldRetry: () => boolean = () => true,
  ): Promise<WebPubSubResult> {
    const ackId = options.ackId ?? this.#acks.nextAckId();

    const attempt = () => {
      const ack = this.#acks.wait(ackId, options.abortSignal);
      try {
        this.#write(build(ackId), ackId);
      } catch (error) {
        this.#acks.reject(ackId, error as Error);
      }
      return ack;
    };

    return this.#withRetries(attempt, ackId, options.abortSignal, shouldRetry);
  }

  /** Sends a frame without an ackId and resolves once it is written. */
  sendWithoutAck(message: WebPubSubMessage, options: OperationOptions): Promise<WebPubSubResult> {
    const attempt = async () => {
      this.#write(message, undefined);
      return { isDuplicated: false };
    };

    return this.#withRetries(attempt, undefined, options.abortSignal, () => true);
  }

  /** Settles the operation that an ack frame belongs to. */
  settle(ack: AckMessage): void {
    this.#acks.settle(ack);
  }

  /** Rejects every operation waiting for an ack, for a connection that was lost. */
  rejectPending(): void {
    this.#acks.rejectAll(
      (ackId) =>
        new SendMessageError(
          'CONNECTION_CLOSED',
          `The connection closed before the ack of ackId ${ackId} arrived. Retry with the same ackId to avoid a duplicate.`,
          { ackId },
        ),
    );
  }

  /** Resumes the retries that wait for a connection, in call order. */
  wakeRetries(): void {
    this.#waiters.wakeAll();
  }

  /**
   * Runs `attempt` again after connection failures. A retry waits at most the retry delay for
   * the next connection; retries woken by a connection run in call order.
   */
  async #withRetries(
    attempt: () => Promise<WebPubSubResult>,
    ackId: number | undefined,
    abortSignal: AbortSignal | undefined,
    shouldRetry: () => boolean,
  ): Promise<WebPubSubResult> {
    this.#count += 1;
    const order = this.#count;

    for (let retry = 1; ; retry++) {
      if (abortSignal?.aborted) {
        throw new SendMessageError('ABORTED', 'The operation was aborted.', { ackId, cause: abortSignal.reason });
      }

      try {
        return await attempt();
      } catch (error) {
        const isConnectionFailure = error instanceof SendMessageError && error.code === 'CONNECTION_CLOSED';
        if (!isConnectionFailure || this.#context.isStopping() || !shouldRetry()) throw error;

        const delay = retryDelayInMs(retry, this.#context.retryOptions);
        if (delay === undefined) throw error;

        if (!this.#context.connection()) {
          await this.#waiters.wait(order, delay, ackId, abortSignal);
        }
      }
    }
  }

  /** Writes a frame to the open connection, mapping failures to typed errors. */
  #write(message: WebPubSubMessage, ackId: number | undefined): void {
    const connection = this.#context.connection();
    if (!connection) {
      const text = `The client is not connected (state ${this.#context.state()}).`;
      throw new SendMessageError('CONNECTION_CLOSED', text, { ackId });
    }

    try {
      connection.send(message);
    } catch (error) {
      if (error instanceof ConnectionError) {
        throw new SendMessageError('CONNECTION_CLOSED', 'The connection closed before the frame was written.', { ackId, cause: error });
      }
      if (error instanceof WebPubSubError) throw error;
      const text = `The ${this.#context.protocol.name} protocol could not write a ${message.kind} message.`;
      throw new ProtocolError(message.kind, text, { cause: error });
    }
  }
}
