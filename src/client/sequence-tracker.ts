/**
 * Sequence ids of the reliable subprotocol: which message ids were already delivered, and which
 * id to acknowledge next. The service numbers the messages of a connection with increasing ids,
 * resends the unacknowledged ones after a recovery, and closes a client that leaves too many
 * unacknowledged.
 */

/** Unacknowledged messages past which the client acknowledges at once instead of on its timer. */
export const MAX_UNACKNOWLEDGED_MESSAGES = 300;

/**
 * Tracks the highest sequence id of one connection. Id 0 is a valid id: "none seen yet" is kept
 * apart from it.
 */
export class SequenceTracker {
  #highest: number | undefined;
  #acknowledged: number | undefined;
  #unacknowledgedCount = 0;

  /**
   * Records a received id. Returns `false` for a duplicate, an id not above the highest seen,
   * which the caller drops.
   */
  accept(sequenceId: number): boolean {
    if (this.#highest !== undefined && sequenceId <= this.#highest) {
      return false;
    }

    this.#highest = sequenceId;
    this.#unacknowledgedCount += 1;
    return true;
  }

  /** Whether the client should acknowledge now instead of waiting for its timer. */
  get isAckUrgent(): boolean {
    return this.#unacknowledgedCount > MAX_UNACKNOWLEDGED_MESSAGES;
  }

  /** Returns the id to acknowledge when a new id arrived since the last acknowledgement. */
  pendingAck(): number | undefined {
    return this.#highest === this.#acknowledged ? undefined : this.#highest;
  }

  /** Records that `sequenceId` was acknowledged to the service. */
  markAcknowledged(sequenceId: number): void {
    this.#acknowledged = sequenceId;
    if (sequenceId === this.#highest) {
      this.#unacknowledgedCount = 0;
    }
  }

  /** Forgets every id, for a new connection whose ids start over. */
  reset(): void {
    this.#highest = undefined;
    this.#acknowledged = undefined;
    this.#unacknowledgedCount = 0;
  }
}
