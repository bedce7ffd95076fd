import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../emulator/log.js';
import {
  RELIABLE_SUBPROTOCOL,
  TestClient,
  clientToken,
  clientUrl,
  rest,
  signToken,
  startTestEmulator,
  uniqueHub,
  upgradeStatus,
} from './helpers.js';

const API = 'api-version=2024-12-01';

describe('emulator logging', () => {
  it('never logs tokens or keys', async () => {
    const { emulator, logs } = await startTestEmulator();
    const hub = uniqueHub();
    const secrets: string[] = [...emulator.accessKeys];
    const remember = (token: string) => {
      secrets.push(token, token.split('.')[2]);
      return token;
    };

    const goodToken = remember(await clientToken(emulator, hub, { userId: 'logged-user' }));
    const wrongKeyToken = remember(await clientToken(emulator, hub, { key: 'wrong-key' }));
    const expiredToken = remember(await clientToken(emulator, hub, { expiresAt: Math.floor(Date.now() / 1000) - 10 }));

    const { client, connected } = await TestClient.connectWithSubprotocol(clientUrl(emulator, hub, goodToken), RELIABLE_SUBPROTOCOL);
    secrets.push(connected.reconnectionToken as string);
    client.socket.send('{broken');
    expect(await upgradeStatus(clientUrl(emulator, hub, wrongKeyToken))).toBe(401);
    expect(await upgradeStatus(clientUrl(emulator, hub, expiredToken))).toBe(401);
    expect(await upgradeStatus(`${emulator.url.replace('http', 'ws')}/client/hubs/${hub}`, { headers: { authorization: `Bearer ${wrongKeyToken}` } })).toBe(401);
    const recovery = await TestClient.connect(
      `${clientUrl(emulator, hub, goodToken)}&awps_connection_id=${connected.connectionId}&awps_reconnection_token=${connected.reconnectionToken}`,
      { protocols: [RELIABLE_SUBPROTOCOL] },
    );
    await recovery.closed();

    const path = `/api/hubs/${hub}/:send?${API}`;
    const restToken = remember(await signToken({ key: emulator.accessKeys[0], audience: `${emulator.url}${path}` }));
    const badRestToken = remember(await signToken({ key: 'wrong-key', audience: `${emulator.url}${path}` }));
    expect((await rest(emulator, path, { token: restToken, contentType: 'text/plain', body: 'x' })).status).toBe(202);
    expect((await rest(emulator, path, { token: badRestToken, contentType: 'text/plain', body: 'x' })).status).toBe(401);

    client.close();
    await client.closed();
    await emulator.close();

    const lines = logs.map((entry) => JSON.stringify(entry));
    for (const secret of secrets) {
      const leaking = lines.filter((line) => line.includes(secret));
      expect(leaking).toEqual([]);
    }

    const events = new Set(logs.map((entry) => entry.event));
    for (const event of ['emulator.start', 'client.connected', 'client.rejected', 'client.closed', 'client.frame-dropped', 'rest.request', 'rest.rejected', 'emulator.stop']) {
      expect(events).toContain(event);
    }
  });

  it('redacts a token put in a path segment', async () => {
    const { emulator, logs } = await startTestEmulator();
    const hub = uniqueHub();
    const misplaced = await signToken({ key: 'other-key', audience: 'x' });
    const path = `/api/hubs/${hub}/users/${misplaced}/:send?${API}`;

    expect((await rest(emulator, path, { token: 'not-a-jwt', contentType: 'text/plain', body: 'x' })).status).toBe(401);
    await emulator.close();

    const lines = logs.map((entry) => JSON.stringify(entry));
    expect(lines.filter((line) => line.includes(misplaced.split('.')[2]!))).toEqual([]);
    expect(lines.some((line) => line.includes('<redacted-jwt>'))).toBe(true);
  });

  it('starts entries with time, level, event', async () => {
    const { emulator, logs } = await startTestEmulator();
    await rest(emulator, `/api/hubs/${uniqueHub()}/:send?${API}`, { token: null, contentType: 'text/plain', body: 'x' });
    await emulator.close();

    expect(logs.length).toBeGreaterThanOrEqual(3);
    for (const entry of logs) {
      expect(Object.keys(entry).slice(0, 3)).toEqual(['time', 'level', 'event']);
      expect(new Date(entry.time).toISOString()).toBe(entry.time);
      expect(['debug', 'info', 'warn', 'error']).toContain(entry.level);
    }
  });

  it('counts identical rejections instead of logging each', async () => {
    const { emulator, logs } = await startTestEmulator();
    const path = `/api/hubs/${uniqueHub()}/:send?${API}`;

    for (let i = 0; i < 5; i++) {
      const response = await rest(emulator, path, { token: null, contentType: 'text/plain', body: 'x' });
      expect(response.status).toBe(401);
    }
    const rejectedBeforeClose = logs.filter((entry) => entry.event === 'rest.rejected');
    await emulator.close();
    const rejected: LogEntry[] = logs.filter((entry) => entry.event === 'rest.rejected');

    expect(rejectedBeforeClose).toHaveLength(1);
    expect(rejectedBeforeClose[0]).toMatchObject({ method: 'POST', path: path.split('?')[0], status: 401 });
    expect(rejected).toHaveLength(2);
    expect(rejected[1].repeated).toBe(4);
  });
});
