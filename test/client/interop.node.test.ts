/**
 * This package's client and the official `@azure/web-pubsub-client` 1.1.0 in one group of the
 * emulator: each receives what the other publishes, with every data type.
 */
import { WebPubSubClient as OfficialClient, WebPubSubJsonReliableProtocol as officialReliableProtocol } from '@azure/web-pubsub-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../emulator/server.js';
import { accessUrl, createEmulatorClient, waitUntil } from './helpers/emulator-clients.js';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, log: () => {} });
});

afterAll(async () => {
  await emulator.close();
});

it('exchanges group messages with the official client', async () => {
  const hub = 'interop';
  const roles = ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'];
  const ours = createEmulatorClient(emulator, hub, { userId: 'ours', roles });
  const official = new OfficialClient({ getClientAccessUrl: () => accessUrl(emulator, hub, { userId: 'official', roles }) });
  const receivedByOurs: Array<{ dataType: string; data: unknown; fromUserId: string }> = [];
  const receivedByOfficial: Array<{ dataType: string; data: unknown; fromUserId: string }> = [];
  ours.client.on('group-message', ({ message }) => receivedByOurs.push(message));
  official.on('group-message', ({ message }) => receivedByOfficial.push(message as (typeof receivedByOfficial)[number]));

  await ours.client.start();
  await official.start();
  await ours.client.joinGroup('room');
  await official.joinGroup('room');

  await ours.client.sendToGroup('room', { from: 'ours' }, 'json', { noEcho: true });
  await ours.client.sendToGroup('room', 'ours text', 'text', { noEcho: true });
  await ours.client.sendToGroup('room', new Uint8Array([1, 2, 3]), 'binary', { noEcho: true });
  await official.sendToGroup('room', { from: 'official' }, 'json', { noEcho: true });
  await official.sendToGroup('room', 'official text', 'text', { noEcho: true });
  await official.sendToGroup('room', new Uint8Array([4, 5]).buffer, 'binary', { noEcho: true });
  await waitUntil(() => receivedByOurs.length === 3 && receivedByOfficial.length === 3, 5000, 'messages on both sides');

  expect(receivedByOfficial.map(({ dataType, fromUserId }) => [dataType, fromUserId])).toEqual([
    ['json', 'ours'],
    ['text', 'ours'],
    ['binary', 'ours'],
  ]);
  expect(receivedByOfficial[0]?.data).toEqual({ from: 'ours' });
  expect(receivedByOfficial[1]?.data).toBe('ours text');
  expect([...new Uint8Array(receivedByOfficial[2]?.data as ArrayBuffer)]).toEqual([1, 2, 3]);

  expect(receivedByOurs.map(({ dataType, fromUserId }) => [dataType, fromUserId])).toEqual([
    ['json', 'official'],
    ['text', 'official'],
    ['binary', 'official'],
  ]);
  expect(receivedByOurs[0]?.data).toEqual({ from: 'official' });
  expect(receivedByOurs[1]?.data).toBe('official text');
  expect([...new Uint8Array(receivedByOurs[2]?.data as ArrayBuffer)]).toEqual([4, 5]);

  ours.client.stop();
  official.stop();
});

it('sends typed arrays through an official protocol object', async () => {
  const hub = 'interopProtocol';
  const roles = ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'];
  const sender = createEmulatorClient(emulator, hub, { userId: 'sender', roles }, { protocol: officialReliableProtocol() as never });
  const receiver = createEmulatorClient(emulator, hub, { userId: 'receiver', roles });
  const received: unknown[] = [];
  receiver.client.on('group-message', ({ message }) => received.push(message.data));

  await receiver.client.start();
  await receiver.client.joinGroup('room');
  await sender.client.start();
  const backing = new Uint8Array([9, 1, 2, 3, 9]);
  await sender.client.sendToGroup('room', backing.subarray(1, 4), 'binary');
  await sender.client.sendEvent('bytes', new DataView(backing.buffer, 2, 2), 'binary');
  await waitUntil(() => received.length === 1, 5000, 'the binary group message');

  expect([...new Uint8Array(received[0] as ArrayBuffer)]).toEqual([1, 2, 3]);

  sender.client.stop();
  receiver.client.stop();
});
