import { existsSync } from 'node:fs';
import { pgConnectionConfig } from '@fulcrum/server';
import {
  addTestDevice,
  connectTestWs,
  rawRequest,
  registerTestAccount,
  serverKeyDirectory,
  startTestPlatform,
} from '@fulcrum/testkit';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

async function schemaExists(url: string, schema: string): Promise<boolean> {
  const client = new pg.Client(pgConnectionConfig(url));
  await client.connect();
  try {
    const r = await client.query('select 1 from information_schema.schemata where schema_name = $1', [schema]);
    return r.rowCount === 1;
  } finally {
    await client.end();
  }
}

describe.each(['sqlite', 'postgres'] as const)('startTestPlatform (%s)', (dialect) => {
  it('boots a real server on storage of its own, survives a restart, and removes its storage on close', async () => {
    const p = await startTestPlatform({ dialect });
    expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const alice = await registerTestAccount(p.url, 'alice');
    const second = await addTestDevice(p.url, alice);
    expect(second.accountId).toBe(alice.accountId);
    const rows = await p.db.kysely.selectFrom('devices').select('device_id').execute();
    expect(rows.map((r) => r.device_id).sort()).toEqual([alice.deviceId, second.deviceId].sort());

    // The key directory port accepts listed certificates only.
    const dir = serverKeyDirectory(p.url, alice);
    expect(await dir.isDeviceListed(second.certificate, 'add')).toBe(true);
    const stranger = await registerTestAccount(p.url, 'stranger');
    expect(await dir.isDeviceListed({ ...stranger.certificate, deviceId: second.deviceId } as never, 'add')).toBe(
      false,
    );

    const url = p.url;
    await p.restart();
    expect(p.url).toBe(url);
    expect((await rawRequest(p.url, 'GET', '/v1/accounts/by-name/alice', { signer: second })).status).toBe(200);

    const ws = await connectTestWs(p.wsUrl, alice);
    expect(ws.frames.map((f) => f.type)).toEqual(['challenge', 'ready']);
    await ws.close();

    const storage = p.storage;
    await p.close();
    await p.close(); // idempotent
    if (storage.dialect === 'sqlite') expect(existsSync(storage.dataDir)).toBe(false);
    else expect(await schemaExists(storage.url, storage.schema!)).toBe(false);
  });

  it('signs requests exactly as the server checks them, with overridable timestamp and nonce', async () => {
    const p = await startTestPlatform({ dialect });
    try {
      const alice = await registerTestAccount(p.url, 'alice');
      expect((await rawRequest(p.url, 'GET', '/v1/queue?after=0&limit=5', { signer: alice })).status).toBe(200);
      const nonce = 'AAAAAAAAAAAAAAAAAAAAAA';
      expect((await rawRequest(p.url, 'GET', '/v1/queue', { signer: alice, sign: { nonce } })).status).toBe(200);
      expect((await rawRequest(p.url, 'GET', '/v1/queue', { signer: alice, sign: { nonce } })).status).toBe(401);
      const old = await rawRequest(p.url, 'GET', '/v1/queue', {
        signer: alice,
        sign: { timestamp: Date.now() - 600_000 },
      });
      expect((old.body as { error: { code: string } }).error.code).toBe('auth.stale_timestamp');
    } finally {
      await p.close();
    }
  });
});
