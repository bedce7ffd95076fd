import { describe, expect, it } from 'vitest';
import { ConfigError, RestError, WebPubSubError, isWebPubSubError } from '../../src/errors.js';
import { EventHandlerError, WebPubSubEventHandler, isEventHandlerError } from '../../src/handler/index.js';
import { HUB, PRIMARY_KEY, connectEvent } from './service-request.js';

describe('EventHandlerError', () => {
  it('carries status, detail and code', () => {
    const error = new EventHandlerError(401, 'Sign in first.');

    expect(error).toBeInstanceOf(WebPubSubError);
    expect(isWebPubSubError(error)).toBe(true);
    expect(error.name).toBe('EventHandlerError');
    expect(error.code).toBe('EVENT_REJECTED');
    expect(error.status).toBe(401);
    expect(error.detail).toBe('Sign in first.');
    expect(error.message).toBe('Sign in first.');
  });

  it('keeps its cause', () => {
    const cause = new Error('lookup failed');

    expect(new EventHandlerError(500, 'Try later.', { cause }).cause).toBe(cause);
  });

  it('rejects a status outside 400 to 599', () => {
    for (const status of [200, 204, 399, 600, 401.5]) {
      let caught: unknown;
      try {
        new EventHandlerError(status);
      } catch (error) {
        caught = error;
      }

      expect(caught, String(status)).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).field).toBe('status');
    }
  });

  it('is recognised by its brand, not only by instanceof', () => {
    const error = new EventHandlerError(400);
    const copy = Object.assign(Object.create(null) as object, error);

    expect(isEventHandlerError(error)).toBe(true);
    expect(isEventHandlerError(new Error('x'))).toBe(false);
    expect(isEventHandlerError(copy)).toBe(false);
    expect(isEventHandlerError(null)).toBe(false);
  });

  it('hides the status of other errors', async () => {
    const handler = new WebPubSubEventHandler(HUB, {
      accessKeys: [PRIMARY_KEY],
      handleConnect: () => {
        throw new RestError({ status: 404, method: 'POST', url: 'https://demo.webpubsub.azure.com/api/hubs/chat/:send' });
      },
    });

    const response = await handler.handle(await connectEvent());

    expect(response?.status).toBe(500);
  });
});
