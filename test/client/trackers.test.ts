import { describe, expect, it } from 'vitest';
import { AckTracker } from '../../src/client/ack-tracker.js';
import { SendMessageError } from '../../src/client/index.js';
import { MAX_UNACKNOWLEDGED_MESSAGES, SequenceTracker } from '../../src/client/sequence-tracker.js';

describe('SequenceTracker', () => {
  it('accepts 0 as the first id', () => {
    const tracker = new SequenceTracker();

    expect(tracker.accept(0)).toBe(true);
    expect(tracker.pendingAck()).toBe(0);
  });

  it('drops ids that are not above the highest', () => {
    const tracker = new SequenceTracker();
    tracker.accept(5);

    expect(tracker.accept(5)).toBe(false);
    expect(tracker.accept(3)).toBe(false);
    expect(tracker.accept(6)).toBe(true);
  });

  it('has no pending ack after acknowledging the highest id', () => {
    const tracker = new SequenceTracker();
    tracker.accept(1);
    tracker.markAcknowledged(1);

    expect(tracker.pendingAck()).toBeUndefined();
    tracker.accept(2);
    expect(tracker.pendingAck()).toBe(2);
  });

  it('asks for an urgent ack past the limit of unacknowledged messages', () => {
    const tracker = new SequenceTracker();
    for (let id = 1; id <= MAX_UNACKNOWLEDGED_MESSAGES; id++) tracker.accept(id);
    expect(tracker.isAckUrgent).toBe(false);

    tracker.accept(MAX_UNACKNOWLEDGED_MESSAGES + 1);
    expect(tracker.isAckUrgent).toBe(true);
    tracker.markAcknowledged(MAX_UNACKNOWLEDGED_MESSAGES + 1);
    expect(tracker.isAckUrgent).toBe(false);
  });

  it('forgets everything on reset', () => {
    const tracker = new SequenceTracker();
    tracker.accept(10);
    tracker.reset();

    expect(tracker.pendingAck()).toBeUndefined();
    expect(tracker.accept(1)).toBe(true);
  });
});

describe('AckTracker', () => {
  it('generates increasing ids from 1 that skip pending ones', () => {
    const tracker = new AckTracker();
    void tracker.wait(2);

    expect([tracker.nextAckId(), tracker.nextAckId(), tracker.nextAckId()]).toEqual([1, 3, 4]);
  });

  it('shares one ack between two waits for the same id', async () => {
    const tracker = new AckTracker();
    const first = tracker.wait(7);
    const second = tracker.wait(7);

    tracker.settle({ kind: 'ack', ackId: 7, success: true });

    await expect(Promise.all([first, second])).resolves.toEqual([
      { ackId: 7, isDuplicated: false },
      { ackId: 7, isDuplicated: false },
    ]);
    expect(tracker.size).toBe(0);
  });

  it('forgets an entry whose only wait was aborted', async () => {
    const tracker = new AckTracker();
    const controller = new AbortController();
    const waiting = tracker.wait(1, controller.signal);

    controller.abort();

    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED', ackId: 1 });
    expect(tracker.size).toBe(0);
    expect(tracker.settle({ kind: 'ack', ackId: 1, success: true })).toBe(false);
  });

  it('keeps an entry while another wait remains', async () => {
    const tracker = new AckTracker();
    const controller = new AbortController();
    const aborted = tracker.wait(1, controller.signal);
    const remainingWait = tracker.wait(1);

    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' });
    tracker.settle({ kind: 'ack', ackId: 1, success: false, error: { name: 'Duplicate', message: '' } });

    await expect(remainingWait).resolves.toEqual({ ackId: 1, isDuplicated: true });
  });

  it('rejects every pending wait with the error for its id', async () => {
    const tracker = new AckTracker();
    const waits = [tracker.wait(1), tracker.wait(2)].map((promise) => promise.catch((error: unknown) => error));

    tracker.rejectAll((ackId) => new SendMessageError('CONNECTION_CLOSED', 'closed', { ackId }));

    expect((await Promise.all(waits)).map((error) => (error as SendMessageError).ackId)).toEqual([1, 2]);
    expect(tracker.size).toBe(0);
  });

  it('holds no entry after many settled operations', () => {
    const tracker = new AckTracker();
    for (let index = 0; index < 10_000; index++) {
      const ackId = tracker.nextAckId();
      void tracker.wait(ackId);
      tracker.settle({ kind: 'ack', ackId, success: true });
    }

    expect(tracker.size).toBe(0);
  });
});
