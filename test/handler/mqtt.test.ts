import { describe, expect, it } from 'vitest';
import {
  EventHandlerError,
  WebPubSubEventHandler,
  type ConnectionContext,
  type ConnectRequest,
  type DisconnectedRequest,
  type WebPubSubEventHandlerOptions,
} from '../../src/handler/index.js';
import { HUB, PRIMARY_KEY, connectEvent, messageEvent, serviceEvent } from './service-request.js';

const MQTT_HEADERS = { 'ce-subprotocol': 'mqtt', 'ce-physicalConnectionId': 'physical-1' };

function createHandler(options: WebPubSubEventHandlerOptions = {}): WebPubSubEventHandler {
  return new WebPubSubEventHandler(HUB, { accessKeys: [PRIMARY_KEY], ...options });
}

function mqttConnect(protocolVersion: number): Promise<Request> {
  return connectEvent(
    {
      claims: {},
      query: {},
      headers: {},
      subprotocols: ['mqtt'],
      clientCertificates: [],
      mqtt: { protocolVersion, cleanStart: true, username: 'device-7', password: 'cGFzcw==', userProperties: [] },
    },
    { headers: MQTT_HEADERS },
  );
}

describe('MQTT connections', () => {
  it('marks the context as MQTT with its identifiers', async () => {
    let context: ConnectionContext | undefined;
    const handler = createHandler({
      handleUserEvent: (request) => {
        context = request.context;
      },
    });

    await handler.handle(
      await messageEvent('hi', 'text/plain', { headers: { ...MQTT_HEADERS, 'ce-sessionId': 'session-9' } }),
    );

    expect(context?.clientProtocol).toBe('mqtt');
    expect(context?.mqtt).toEqual({ physicalConnectionId: 'physical-1', sessionId: 'session-9' });
  });

  it('needs both the subprotocol and the physical connection id', async () => {
    const contexts: ConnectionContext[] = [];
    const handler = createHandler({
      handleUserEvent: (request) => {
        contexts.push(request.context);
      },
    });

    await handler.handle(await messageEvent('hi', 'text/plain', { headers: { 'ce-subprotocol': 'mqtt' } }));
    await handler.handle(await messageEvent('hi', 'text/plain', { headers: { 'ce-physicalConnectionId': 'p' } }));

    expect(contexts.map((context) => context.clientProtocol)).toEqual(['default', 'default']);
  });

  it('matches the MQTT subprotocol case-insensitively', async () => {
    let context: ConnectionContext | undefined;
    const handler = createHandler({
      handleUserEvent: (request) => {
        context = request.context;
      },
    });

    await handler.handle(
      await messageEvent('hi', 'text/plain', {
        headers: { 'ce-subprotocol': 'MQTT.v5', 'ce-physicalConnectionId': 'p' },
      }),
    );

    expect(context?.clientProtocol).toBe('mqtt');
  });

  it('passes the CONNECT properties of the connect body', async () => {
    let request: ConnectRequest | undefined;
    const handler = createHandler({
      handleConnect: (connectRequest) => {
        request = connectRequest;
      },
    });

    await handler.handle(await mqttConnect(5));

    expect(request?.mqtt).toEqual({
      protocolVersion: 5,
      cleanStart: true,
      username: 'device-7',
      password: 'cGFzcw==',
      userProperties: [],
    });
    expect(request?.context.mqtt).toEqual({ physicalConnectionId: 'physical-1' });
  });

  it('passes the MQTT part of the disconnected body', async () => {
    let request: DisconnectedRequest | undefined;
    const handler = createHandler({
      onDisconnected: (disconnectedRequest) => {
        request = disconnectedRequest;
      },
    });
    const mqtt = { initiatedByClient: true, disconnectPacket: { code: 0, userProperties: [{ name: 'a', value: 'b' }] } };

    await handler.handle(
      await serviceEvent({
        type: 'azure.webpubsub.sys.disconnected',
        body: JSON.stringify({ reason: 'client closed', mqtt }),
        headers: { ...MQTT_HEADERS, 'ce-sessionId': 'session-9' },
      }),
    );

    expect(request?.reason).toBe('client closed');
    expect(request?.mqtt).toEqual(mqtt);
  });

  it('sends CONNACK user properties on success', async () => {
    const handler = createHandler({
      handleConnect: () => ({ userId: 'device-7', mqtt: { userProperties: [{ name: 'region', value: 'eu' }] } }),
    });

    const response = await handler.handle(await mqttConnect(5));

    expect(await response?.json()).toEqual({
      userId: 'device-7',
      mqtt: { userProperties: [{ name: 'region', value: 'eu' }] },
    });
  });

  it('maps a rejection to MQTT 5 reason codes', async () => {
    const cases = [
      [400, 134],
      [401, 135],
      [403, 135],
      [500, 128],
    ] as const;

    for (const [status, code] of cases) {
      const handler = createHandler({
        handleConnect: () => {
          throw new EventHandlerError(status, 'refused');
        },
      });

      const response = await handler.handle(await mqttConnect(5));

      expect(response?.status).toBe(status);
      expect(response?.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
      expect(await response?.json(), `status ${status}`).toEqual({ mqtt: { code, reason: 'refused' } });
    }
  });

  it('maps a rejection to MQTT 3.1.1 return codes', async () => {
    const cases = [
      [400, 4],
      [401, 5],
      [500, 3],
    ] as const;

    for (const [status, code] of cases) {
      const handler = createHandler({ handleConnect: () => new EventHandlerError(status) });

      const response = await handler.handle(await mqttConnect(4));

      expect(await response?.json(), `status ${status}`).toEqual({ mqtt: { code } });
    }
  });

  it('sends the MQTT code given with the error', async () => {
    const mqtt = { code: 138, reason: 'banned', userProperties: [{ name: 'until', value: 'never' }] };
    const handler = createHandler({
      handleConnect: () => {
        throw new EventHandlerError(403, 'banned', { mqtt });
      },
    });

    const response = await handler.handle(await mqttConnect(5));

    expect(response?.status).toBe(403);
    expect(await response?.json()).toEqual({ mqtt });
  });
});
