/**
 * The report tables (migration 0004) and `src/reports/store.ts`, on SQLite and PostgreSQL,
 * straight against the store (no HTTP, no verification: tests/reports.test.ts covers intake).
 */
import { randomBytes } from 'node:crypto';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Tx } from '../src/index.js';
import { REPORT_TABLE_NAMES } from '../src/db/schema.js';
import { accountWasMemberAt } from '../src/reports/membership.js';
import { createAccount } from '../src/store/accounts.js';
import { applyCommit, createGroup, sendMessage } from '../src/store/groups.js';
import {
  countReportRejection,
  createReportId,
  getReport,
  insertBlock,
  insertVerifiedReport,
  isBlocked,
  listReportFiles,
  listReportMessages,
  listReportRejections,
  type VerifiedReport,
} from '../src/reports/store.js';
import { expectCode, randomId } from './helpers.js';

const NOW = 1_764_000_000_000;
const bytes = (n: number) => new Uint8Array(randomBytes(n));

function report(reporterAccountId: string, seqs: { seq: number; role: 'reported' | 'context' }[]): VerifiedReport {
  const conversationId = randomId();
  return {
    id: createReportId(),
    reporterAccountId,
    reporterDeviceId: randomId(),
    reportedAccountId: 'acct-b',
    conversationId,
    category: 'grooming',
    note: 'first contact',
    createdAt: NOW,
    retainUntil: NOW + 1000,
    messages: seqs.map(({ seq, role }) => ({
      role,
      senderAccountId: 'acct-b',
      senderDeviceId: 'dev-b',
      serverSeq: seq,
      epoch: 1,
      serverTime: NOW - 10 + seq,
      keyId: 'k1',
      body: bytes(40),
      frankingKey: bytes(32),
      commitment: bytes(32),
      tag: bytes(32),
    })),
    files: [],
  };
}

describe.each(['sqlite', 'postgres'] as const)('report store (%s)', (dialect) => {
  let p: TestPlatform;
  let db: Database;
  const tx = <T>(fn: (tx: Tx) => Promise<T>) => db.transaction(fn);

  beforeAll(async () => {
    p = await startTestPlatform({ dialect });
    db = p.db;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('has every report table', async () => {
    for (const t of REPORT_TABLE_NAMES) await db.kysely.selectFrom(t).selectAll().limit(1).execute();
  });

  it('stores a report with its messages and files and reads them back', async () => {
    const r = report('acct-a', [
      { seq: 3, role: 'context' },
      { seq: 7, role: 'reported' },
    ]);
    const file = {
      position: 1,
      attachmentId: randomId(),
      mediaType: 'image/png',
      name: 'x.png',
      size: 5,
      plaintextSha256: bytes(32),
      blobSha256: bytes(32),
      md5: bytes(16),
      pdq: 'ab'.repeat(32),
      content: bytes(5),
    };
    await tx((t) => insertVerifiedReport(t, { ...r, files: [file] }));
    expect(r.id).toMatch(/^rpt_[A-Za-z0-9_-]{22}$/);
    const got = await getReport(db.kysely, r.id);
    expect(got).toMatchObject({
      id: r.id,
      category: 'grooming',
      priority: 0,
      status: 'open',
      note: 'first contact',
      retainUntil: NOW + 1000,
      contentDeletedAt: null,
    });
    const msgs = await listReportMessages(db.kysely, r.id);
    expect(msgs.map((m) => [m.position, m.role, m.serverSeq])).toEqual([
      [0, 'context', 3],
      [1, 'reported', 7],
    ]);
    expect(msgs[1]?.body).toEqual(r.messages[1]?.body);
    expect(msgs[1]?.tag).toEqual(r.messages[1]?.tag);
    const files = await listReportFiles(db.kysely, r.id);
    expect(files).toEqual([{ ...file, reportId: r.id }]);
    expect(await getReport(db.kysely, 'rpt_none')).toBeUndefined();
  });

  it('refuses a message the same account already reported, keeping nothing of the second report', async () => {
    const first = report('acct-r', [{ seq: 5, role: 'reported' }]);
    await tx((t) => insertVerifiedReport(t, first));
    const again = { ...report('acct-r', [{ seq: 5, role: 'reported' }]), conversationId: first.conversationId };
    await expectCode(
      tx((t) => insertVerifiedReport(t, again)),
      'report.replayed',
    );
    expect(await getReport(db.kysely, again.id)).toBeUndefined();
    // Another account may report it; the same account may reveal it again as context.
    await tx((t) =>
      insertVerifiedReport(t, {
        ...report('acct-other', [{ seq: 5, role: 'reported' }]),
        conversationId: first.conversationId,
      }),
    );
    await tx((t) =>
      insertVerifiedReport(t, {
        ...report('acct-r', [
          { seq: 5, role: 'context' },
          { seq: 6, role: 'reported' },
        ]),
        conversationId: first.conversationId,
      }),
    );
  });

  it('counts rejections by code and records blocks idempotently', async () => {
    await tx((t) => countReportRejection(t, 'report.tag_mismatch', NOW));
    await tx((t) => countReportRejection(t, 'report.tag_mismatch', NOW + 1));
    await tx((t) => countReportRejection(t, 'report.replayed', NOW));
    expect(await listReportRejections(db.kysely)).toEqual({ 'report.replayed': 1, 'report.tag_mismatch': 2 });
    await tx((t) => insertBlock(t, { blockerAccountId: 'a', blockedAccountId: 'b', now: NOW }));
    await tx((t) => insertBlock(t, { blockerAccountId: 'a', blockedAccountId: 'b', now: NOW + 5 }));
    expect(await isBlocked(db.kysely, 'a', 'b')).toBe(true);
    expect(await isBlocked(db.kysely, 'b', 'a')).toBe(false);
  });

  it('records group membership history: who could have received the message at each seq', async () => {
    const mk = async () => {
      const accountId = randomId();
      const deviceId = randomId();
      await tx((t) =>
        createAccount(t, {
          accountId,
          name: `u${randomBytes(5).toString('hex')}`,
          identityKey: bytes(32),
          device: { deviceId, accountId, certificate: bytes(100), requestKey: bytes(32) },
          now: NOW,
        }),
      );
      return { accountId, deviceId };
    };
    const [a, b, c] = [await mk(), await mk(), await mk()];
    const groupId = randomId(32);
    await tx((t) => createGroup(t, { groupId, creatorDeviceId: a.deviceId, now: NOW }));
    const commit = (epoch: number, added: string[], removed: string[]) =>
      tx((t) =>
        applyCommit(t, {
          groupId,
          senderDeviceId: a.deviceId,
          clientMessageId: randomId(),
          commitEpoch: epoch,
          commit: bytes(50),
          welcome: added.length > 0 ? bytes(50) : undefined,
          addedDevices: added,
          removedDevices: removed,
          now: NOW,
        }),
      );
    const send = (epoch: number) =>
      tx((t) =>
        sendMessage(t, {
          groupId,
          senderDeviceId: a.deviceId,
          clientMessageId: randomId(),
          epoch,
          kind: 'application',
          message: bytes(20),
          now: NOW,
        }),
      );
    expect((await send(0)).seq).toBe(1); // before b joined
    expect(await commit(0, [b.deviceId], [])).toEqual({ seq: 2, epoch: 1 });
    expect((await send(1)).seq).toBe(3);
    expect(await commit(1, [c.deviceId], [b.deviceId])).toEqual({ seq: 4, epoch: 2 });
    expect((await send(2)).seq).toBe(5); // after b left
    const at = (acc: string, seq: number) => accountWasMemberAt(db.kysely, groupId, acc, seq);
    expect([await at(a.accountId, 1), await at(a.accountId, 3), await at(a.accountId, 5)]).toEqual([true, true, true]);
    expect([await at(b.accountId, 1), await at(b.accountId, 3), await at(b.accountId, 5)]).toEqual([
      false,
      true,
      false,
    ]);
    expect([await at(c.accountId, 3), await at(c.accountId, 5)]).toEqual([false, true]);
    // Re-added: a new interval.
    expect(await commit(2, [b.deviceId], [])).toEqual({ seq: 6, epoch: 3 });
    expect((await send(3)).seq).toBe(7);
    expect([await at(b.accountId, 5), await at(b.accountId, 7)]).toEqual([false, true]);
    expect(await at(b.accountId, 7)).toBe(true);
    expect(await accountWasMemberAt(db.kysely, randomId(), a.accountId, 1)).toBe(false);
  });
});
