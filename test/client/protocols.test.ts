import { describe, expect, it } from 'vitest';
import { WebPubSubJsonProtocol, WebPubSubJsonReliableProtocol } from '../../src/client/index.js';

const json = WebPubSubJsonProtocol();

describe('protocol objects', () => {
  it('name the subprotocols and their reliability', () => {
    expect([json.name, json.isReliableSubProtocol]).toEqual(['json.webpubsub.azure.v1', false]);
    const reliable = WebPubSubJsonReliableProtocol();
    expect([reliable.name, reliable.isReliableSubProtocol]).toEqual(['json.reliable.webpubsub.azure.v1', true]);
  });

  it('are frozen', () => {
    expect(Object.isFrozen(json)).toBe(true);
  });
});

describe('parseMessages', () => {
  it('reads the connected message with its reconnection token', () => {
    const frame = '{"type":"system","event":"connected","userId":"u","connectionId":"c","reconnectionToken":"t"}';
    expect(json.parseMessages(frame)).toEqual({ kind: 'connected', connectionId: 'c', userId: 'u', reconnectionToken: 't' });
  });

  it('reads a connected message without user id as an empty user id', () => {
    expect(json.parseMessages('{"type":"system","event":"connected","connectionId":"c"}')).toEqual({
      kind: 'connected',
      connectionId: 'c',
      userId: '',
    });
  });

  it('reads the disconnected message', () => {
    expect(json.parseMessages('{"type":"system","event":"disconnected","message":"bye"}')).toEqual({ kind: 'disconnected', message: 'bye' });
  });

  it('reads acks with and without errors', () => {
    expect(json.parseMessages('{"type":"ack","ackId":1,"success":true}')).toEqual({ kind: 'ack', ackId: 1, success: true });
    expect(json.parseMessages('{"type":"ack","ackId":2,"success":false,"error":{"name":"Forbidden","message":"no"}}')).toEqual({
      kind: 'ack',
      ackId: 2,
      success: false,
      error: { name: 'Forbidden', message: 'no' },
    });
  });

  it('reads group and server messages of every data type', () => {
    expect(json.parseMessages('{"type":"message","from":"group","group":"g","fromUserId":"u","dataType":"json","data":{"a":1},"sequenceId":3}')).toEqual({
      kind: 'groupData',
      group: 'g',
      fromUserId: 'u',
      dataType: 'json',
      data: { a: 1 },
      sequenceId: 3,
    });
    expect(json.parseMessages('{"type":"message","from":"server","dataType":"text","data":"hi"}')).toEqual({
      kind: 'serverData',
      dataType: 'text',
      data: 'hi',
    });
    const binary = json.parseMessages('{"type":"message","from":"server","dataType":"binary","data":"AQID"}') as { data: ArrayBuffer };
    expect([...new Uint8Array(binary.data)]).toEqual([1, 2, 3]);
  });

  it('reads a message without dataType as JSON', () => {
    expect(json.parseMessages('{"type":"message","from":"server","data":[1]}')).toMatchObject({ dataType: 'json', data: [1] });
  });

  it('reads a frame that arrived as bytes', () => {
    const bytes = new TextEncoder().encode('{"type":"pong"}');
    expect(json.parseMessages(bytes.buffer)).toEqual({ kind: 'pong' });
  });

  it('ignores unknown frame types, events, sources and data types', () => {
    for (const frame of [
      '{"type":"invokeResponse","invocationId":"1"}',
      '{"type":"system","event":"reconnecting"}',
      '{"type":"message","from":"stream","data":1}',
      '{"type":"message","from":"server","dataType":"xml","data":"<a/>"}',
    ]) {
      expect(json.parseMessages(frame)).toBeNull();
    }
  });

  it('throws for frames it cannot read', () => {
    expect(() => json.parseMessages('not json')).toThrow(SyntaxError);
    expect(() => json.parseMessages('[1]')).toThrow(/not a JSON object/);
    expect(() => json.parseMessages('{"type":"ack","ackId":"1","success":true}')).toThrow(/numeric "ackId"/);
    expect(() => json.parseMessages('{"type":"message","from":"server","dataType":"binary","data":5}')).toThrow(/base64/);
  });
});

describe('writeMessage', () => {
  it('writes every client frame', () => {
    const written = [
      json.writeMessage({ kind: 'joinGroup', group: 'g', ackId: 1 }),
      json.writeMessage({ kind: 'leaveGroup', group: 'g' }),
      json.writeMessage({ kind: 'sendToGroup', group: 'g', ackId: 2, noEcho: false, dataType: 'binary', data: new Uint8Array([255]).subarray(0, 1) }),
      json.writeMessage({ kind: 'sendEvent', event: 'e', dataType: 'json', data: { x: [1] } }),
      json.writeMessage({ kind: 'sequenceAck', sequenceId: 0 }),
      json.writeMessage({ kind: 'ping' }),
    ].map((frame) => JSON.parse(frame as string));

    expect(written).toEqual([
      { type: 'joinGroup', group: 'g', ackId: 1 },
      { type: 'leaveGroup', group: 'g' },
      { type: 'sendToGroup', group: 'g', ackId: 2, noEcho: false, dataType: 'binary', data: '/w==' },
      { type: 'event', event: 'e', dataType: 'json', data: { x: [1] } },
      { type: 'sequenceAck', sequenceId: 0 },
      { type: 'ping' },
    ]);
  });

  it('encodes only the viewed bytes of a typed array', () => {
    const bytes = new Uint8Array([9, 1, 2, 9]).subarray(1, 3);
    const frame = JSON.parse(json.writeMessage({ kind: 'sendEvent', event: 'e', dataType: 'binary', data: bytes }) as string);
    expect(frame.data).toBe('AQI=');
  });

  it('throws for messages only the service sends', () => {
    expect(() => json.writeMessage({ kind: 'pong' })).toThrow(/cannot write a "pong" message/);
  });
});
