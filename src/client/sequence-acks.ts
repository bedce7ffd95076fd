/**
 * Acknowledgement of sequence ids on the reliable subprotocol. Duplicates are dropped. The
 * highest id is acknowledged every second when it changed, and at once when more than 300
 * messages wait. The service closes a client that falls 1000 messages or 16 MB behind, and these
 * acks keep the client well below that.
 */

import type { Connection } from './connection.js';
import { ProtocolError } from './errors.js';
import { SequenceTracker } from './sequence-tracker.js';

/** How often new sequence ids are acknowledged. */
export const SEQUENCE_ACK_INTERVAL_IN_MS = 1000;

/** Sequence ids of the current connection and the timer that acknowledges them. */
export class SequenceAcks {
  readonly #tracker = new SequenceTracker();
  readonly #protocolName: string;
  readonly #reportError: (error: ProtocolError) => void;
  #timer: ReturnType<typeof setInterval> | undefined;
  #hasReportedFailure = false;

  /**
   * @param protocolName - for error messages.
   * @param reportError - receives the first failure to write a sequenceAck on an open socket.
   */
  constructor(protocolName: string, reportError: (error: ProtocolError) => void) {
    this.#protocolName = protocolName;
    this.#reportError = reportError;
  }

  /**
   * Records the id of a data message that arrived on `connection`. Returns false for a
   * duplicate, which the caller drops.
   */
  accept(connection: Connection, sequenceId: number): boolean {
    if (!this.#tracker.accept(sequenceId)) {
      return false;
    }

    if (this.#tracker.isAckUrgent) {
      this.#acknowledge(connection);
    }
    return true;
  }

  /** Starts acknowledging on `connection`, the new current one. */
  start(connection: Connection): void {
    this.stop();
    this.#timer = setInterval(() => this.#acknowledge(connection), SEQUENCE_ACK_INTERVAL_IN_MS);
    // Messages read before the connection became current may be waiting for an ack already.
    this.#acknowledge(connection);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Forgets every id, for a new connection whose ids start over. */
  reset(): void {
    this.#tracker.reset();
  }

  #acknowledge(connection: Connection): void {
    const sequenceId = this.#tracker.pendingAck();
    if (sequenceId === undefined || !connection.isOpen) {
      return;
    }

    try {
      connection.send({ kind: 'sequenceAck', sequenceId });
      this.#tracker.markAcknowledged(sequenceId);
    } catch (error) {
      // The id stays pending and goes out on the next tick or the recovered connection. A
      // protocol that cannot write the frame at all is reported once.
      if (connection.isOpen && !this.#hasReportedFailure) {
        this.#hasReportedFailure = true;
        const message = `The ${this.#protocolName} protocol could not write a sequenceAck message.`;
        this.#reportError(new ProtocolError('sequenceAck', message, { cause: error }));
      }
    }
  }
}
