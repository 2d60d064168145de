/**
 * The server's franking keyring on both dialects: several handles on one storage (as several
 * server processes would have) agree on one current key; keys rotate; a retired key's tags verify
 * for the report window and are refused after it; expired keys are deleted.
 */
import { randomBytes } from 'node:crypto';
import { FulcrumError, utf8Encode } from '@fulcrum/common';
import { commitMessage, createFrankingKey, verifyReportOpening } from '@fulcrum/franking';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Database, FrankingKeys, InProcessBus, loadFrankingKeyring } from '../src/index.js';

const DAY = 86_400_000;
const T0 = 1_800_000_000_000;
const options = { rotationPeriodMs: 7 * DAY, reportWindowMs: 90 * DAY };

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof FulcrumError) return e.code;
    throw e;
  }
  return 'no error';
}

describe.each(['sqlite', 'postgres'] as const)('franking keys (%s)', (dialect) => {
  let p: TestPlatform;
  const handles: Database[] = [];

  beforeAll(async () => {
    p = await startTestPlatform({ dialect });
    // Two more independent handles on the same storage, as two more server processes would have.
    for (let i = 0; i < 2; i++) handles.push(await Database.open(p.storage, new InProcessBus()));
  });
  afterAll(async () => {
    for (const h of handles) await h.close();
    await p?.close();
  });
  beforeEach(async () => {
    await handles[0]!.kysely.deleteFrom('franking_keys').execute();
  });

  it('the server made a key at start, and loadFrankingKeyring reads it', async () => {
    const ring = await loadFrankingKeyring(p.db);
    expect(ring.size).toBe(0); // beforeEach removed it; restart makes one again
    await p.restart();
    const after = await loadFrankingKeyring(p.server.db);
    expect(after.size).toBe(1);
    const [key] = [...after.values()];
    expect(key!.key.length).toBe(32);
    expect(key!.retiredAt! - key!.createdAt).toBe(7 * DAY);
  });

  it('concurrent first use from several processes agrees on one key', async () => {
    // PostgreSQL: two pools racing (several processes); SQLite serves one process, whose single
    // connection serialises transactions (two handles in one process would block each other's
    // synchronous busy wait).
    const spread = dialect === 'postgres' ? 2 : 1;
    const users = Array.from({ length: 12 }, (_, i) => new FrankingKeys(handles[i % spread]!, options));
    const keys = await Promise.all(users.map((u) => u.current(T0)));
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1);
    expect((await loadFrankingKeyring(handles[0]!)).size).toBe(1);
    // And a concurrent rotation once it retires makes exactly one successor.
    const next = await Promise.all(users.map((u) => u.current(T0 + 7 * DAY)));
    expect(new Set(next.map((k) => k.keyId)).size).toBe(1);
    expect(next[0]!.keyId).not.toBe(keys[0]!.keyId);
    expect(next[0]!.createdAt).toBe(T0 + 7 * DAY); // contiguous with its predecessor
    expect((await loadFrankingKeyring(handles[1]!)).size).toBe(2);
  });

  it('rotation keeps old tags verifiable within the report window, refuses after, then deletes the key', async () => {
    const keys = new FrankingKeys(handles[0]!, options);
    const k1 = await keys.current(T0);
    expect((await keys.current(T0 + 7 * DAY - 1)).keyId).toBe(k1.keyId);
    const conversationId = new Uint8Array(randomBytes(16));
    const body = utf8Encode('{"v":1}');
    const frankingKey = createFrankingKey();
    const commitment = commitMessage({ frankingKey, conversationId, body });
    const context = { conversationId, epoch: 1, senderDeviceId: 'dev', serverSeq: 5, serverTime: T0 + DAY };
    const { keyId, tag } = FrankingKeys.tag(k1, commitment, context);
    const opening = { body, frankingKey, context: { ...context, keyId }, tag };

    const k2 = await keys.current(T0 + 8 * DAY);
    expect(k2.keyId).not.toBe(k1.keyId);
    const ring = await keys.keyring();
    expect(ring.get(k1.keyId)?.retiredAt).toBe(T0 + 7 * DAY);
    const window = options.reportWindowMs;
    // The report window runs from the message's time (and the key's retirement): within it, fine.
    expect(verifyReportOpening(ring, opening, { now: T0 + 80 * DAY, reportWindowMs: window }).body).toEqual(body);
    expect(codeOf(() => verifyReportOpening(ring, opening, { now: T0 + 92 * DAY, reportWindowMs: window }))).toBe(
      'franking.key_expired',
    );
    // A tag the old key "made" after it retired is not accepted.
    const late = { ...context, serverTime: T0 + 7 * DAY + 1 };
    const lateTag = FrankingKeys.tag(k1, commitment, late);
    expect(
      codeOf(() =>
        verifyReportOpening(
          ring,
          { body, frankingKey, context: { ...late, keyId: k1.keyId }, tag: lateTag.tag },
          { now: T0 + 8 * DAY, reportWindowMs: window },
        ),
      ),
    ).toBe('franking.tag_mismatch');

    // Once k1's window has passed, rotation deletes it: the keyring no longer holds it.
    await keys.current(T0 + 7 * DAY + window + 1);
    const later = await loadFrankingKeyring(handles[1]!);
    expect(later.has(k1.keyId)).toBe(false);
    expect(later.has(k2.keyId)).toBe(true);
    expect(codeOf(() => verifyReportOpening(later, opening, { now: T0 + 30 * DAY, reportWindowMs: window }))).toBe(
      'franking.unknown_key',
    );
    expect(await keys.deleteExpired(T0 + 10_000 * DAY)).toBeGreaterThanOrEqual(1);
  });

  it('the cleanup job deletes keys past their report window on an idle server, and only those', async () => {
    const now = Date.now();
    const window = p.server.config.franking.reportWindowMs;
    const row = (id: string, retiredAt: number) => ({
      key_id: id,
      secret: Buffer.from(randomBytes(32)),
      created_at: retiredAt - 7 * DAY,
      retired_at: retiredAt,
    });
    await handles[0]!.kysely
      .insertInto('franking_keys')
      .values([row('fk_expired', now - window - 60_000), row('fk_in_window', now - window + 3_600_000)])
      .execute();
    const { frankingKeys } = await p.server.cleanup();
    expect(frankingKeys).toBe(1);
    const left = await loadFrankingKeyring(handles[1]!);
    expect(left.has('fk_expired')).toBe(false);
    expect(left.has('fk_in_window')).toBe(true);
  });
});
