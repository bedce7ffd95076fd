import { describe, expect, it, vi } from 'vitest';
import { ClientEventEmitter } from '../../src/client/events.js';

describe('ClientEventEmitter', () => {
  it('calls listeners with the event arguments', () => {
    const emitter = new ClientEventEmitter();
    const listener = vi.fn();
    emitter.on('stopped', listener);

    emitter.emit('stopped', { code: 1000, reason: '' });

    expect(listener).toHaveBeenCalledWith({ code: 1000, reason: '' });
  });

  it('registers the same listener once', () => {
    const emitter = new ClientEventEmitter();
    const listener = vi.fn();
    emitter.on('stopped', listener);
    emitter.on('stopped', listener);

    emitter.emit('stopped', {});

    expect(listener).toHaveBeenCalledOnce();
    expect(emitter.listenerCount('stopped')).toBe(1);
  });

  it('forgets removed listeners', () => {
    const emitter = new ClientEventEmitter();
    const listener = vi.fn();
    for (let index = 0; index < 1000; index++) {
      const temporary = () => {};
      emitter.on('connected', temporary);
      emitter.off('connected', temporary);
    }
    emitter.on('stopped', listener);
    emitter.off('stopped', listener);
    emitter.off('stopped', listener);

    emitter.emit('stopped', {});

    expect(listener).not.toHaveBeenCalled();
    expect(emitter.listenerCount('connected')).toBe(0);
    expect(emitter.listenerCount('stopped')).toBe(0);
  });
});
