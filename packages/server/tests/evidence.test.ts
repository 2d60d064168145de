/**
 * Evidence on both dialects: the platform's evidence key (created on first start, served at
 * GET /v1/evidence/key, the same after a restart), export of a report as a signed bundle that
 * verifies offline with the served key and whose `evidence.bundle` log entry holds only the salted
 * commitment, preservation holds, and retention with a controllable clock (content present before,
 * gone after — on SQLite gone from the database file and WAL too — a hold keeps it, its expiry
 * releases it).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBase64Url, encodeBase64Url } from '@fulcrum/common';
import { parseEvidencePublicKey, verifyEvidenceBundle } from '@fulcrum/evidence';
import { commitMessage, createFrankingKey, createServerTag } from '@fulcrum/franking';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { EVIDENCE_BUNDLE_ENTRY, evidenceRegistry } from '@fulcrum/tlog';
import { sha256 } from '@noble/hashes/sha2.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE_FILE } from '../src/index.js';
import { loadEvidencePublicKey, openEvidenceKey } from '../src/evidence/evidence-key.js';
import { exportEvidence } from '../src/evidence/export.js';
import { listEvidenceHolds, placeEvidenceHold } from '../src/evidence/holds.js';
import { runRetention } from '../src/evidence/retention.js';
import { createReportId, insertVerifiedReport, type VerifiedReport } from '../src/reports/store.js';
import { expectCode } from './helpers.js';

const DAY = 86_400_000;

/** A marker that cannot occur by chance in the store (so finding it means the content is there). */
const marker = (n: number) => new Uint8Array(randomBytes(n));

function contains(haystack: Buffer, needle: Uint8Array): boolean {
  return haystack.indexOf(Buffer.from(needle)) !== -1;
}

describe.each(['sqlite', 'postgres'] as const)('evidence (%s)', (dialect) => {
  let p: TestPlatform;
  let now = Date.now();
  const clock = { now: () => now };

  beforeAll(async () => {
    // The retention interval is long: the test drives retention itself with the clock.
    p = await startTestPlatform({ dialect, server: { clock, evidence: { retentionIntervalMs: 3_600_000 } } });
  });
  afterAll(async () => {
    await p?.close();
  });

  /** A verified report as intake stores it: real commitments and real server tags. */
  async function storeReport(retainUntil: number): Promise<{
    report: VerifiedReport;
    bodies: Uint8Array[];
    fileContent: Uint8Array;
  }> {
    const franking = await p.server.franking.current(now);
    const conversation = marker(16);
    const bodies = [marker(200), marker(200)];
    const fileContent = marker(10_000); // larger than a page: SQLite overflow pages, PostgreSQL TOAST
    const messages = bodies.map((body, i) => {
      const frankingKey = createFrankingKey();
      const commitment = commitMessage({ frankingKey, conversationId: conversation, body });
      const context = {
        conversationId: conversation,
        epoch: 2,
        senderDeviceId: 'dev-sender',
        serverSeq: 10 + i,
        serverTime: now - 1000 + i,
        keyId: franking.keyId,
      };
      return {
        role: (i === 0 ? 'context' : 'reported') as 'context' | 'reported',
        senderAccountId: 'acct-sender',
        senderDeviceId: 'dev-sender',
        serverSeq: context.serverSeq,
        epoch: context.epoch,
        serverTime: context.serverTime,
        keyId: franking.keyId,
        body,
        frankingKey,
        commitment,
        tag: createServerTag(franking, commitment, context),
      };
    });
    const report: VerifiedReport = {
      id: createReportId(),
      reporterAccountId: 'acct-reporter',
      reporterDeviceId: 'dev-reporter',
      reportedAccountId: 'acct-sender',
      conversationId: encodeBase64Url(conversation),
      category: 'harassment',
      note: 'keeps messaging me',
      createdAt: now,
      retainUntil,
      messages,
      files: [
        {
          position: 1,
          attachmentId: 'att-1',
          mediaType: 'image/PNG; x=1',
          name: '../evil/name.png',
          size: fileContent.length,
          plaintextSha256: sha256(fileContent),
          blobSha256: marker(32),
          md5: marker(16),
          pdq: null,
          content: fileContent,
        },
      ],
    };
    await p.db.transaction((tx) => insertVerifiedReport(tx, report));
    return { report, bodies, fileContent };
  }

  async function contentOf(reportId: string) {
    const messages = await p.db.kysely
      .selectFrom('report_messages')
      .select(['body', 'franking_key', 'commitment'])
      .where('report_id', '=', reportId)
      .execute();
    const files = await p.db.kysely
      .selectFrom('report_files')
      .select(['content', 'plaintext_sha256'])
      .where('report_id', '=', reportId)
      .execute();
    const report = await p.db.kysely
      .selectFrom('reports')
      .select(['content_deleted_at', 'retain_until'])
      .where('id', '=', reportId)
      .executeTakeFirstOrThrow();
    return { messages, files, report };
  }

  /** The SQLite database file and its WAL, as bytes on disk. */
  function sqliteBytes(): Buffer {
    if (p.storage.dialect !== 'sqlite') throw new Error('sqlite only');
    const file = join(p.storage.dataDir, SQLITE_FILE);
    const wal = `${file}-wal`;
    return Buffer.concat([readFileSync(file), existsSync(wal) ? readFileSync(wal) : Buffer.alloc(0)]);
  }

  it('creates the evidence key on first start, serves it, and keeps it across restarts', async () => {
    const res = await fetch(`${p.url}/v1/evidence/key`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const served = parseEvidencePublicKey(text);
    const stored = await loadEvidencePublicKey(p.db.kysely);
    expect(stored?.publicKey).toEqual(served);
    // The same key after a restart and when an operator command opens the store.
    await p.restart();
    expect(parseEvidencePublicKey(await (await fetch(`${p.url}/v1/evidence/key`)).text())).toEqual(served);
    expect((await openEvidenceKey(p.db, now)).publicKey).toEqual(served);
  });

  it('exports a report as a bundle that verifies offline with the served key; the log holds only the salted commitment', async () => {
    const { report, bodies, fileContent } = await storeReport(now + 90 * DAY);
    // A four-eyes decision as moderation records it (migration 0005), to be carried in the bundle.
    await p.db.kysely
      .insertInto('moderation_decisions')
      .values({
        id: 'dec_test',
        report_id: report.id,
        affected_account_id: 'acct-sender',
        action: 'ban',
        reason: 'repeated threats',
        authority_kinds: null,
        duration_ms: null,
        decided_by: 'acct-mod-1',
        decided_role: 'moderator',
        decided_at: now,
        status: 'effective',
        approved_by: 'acct-mod-2',
        approved_at: now + 1,
        approval_reason: 'agreed',
      })
      .execute();
    const key = await openEvidenceKey(p.db, now);
    const exported = await exportEvidence(p.db, key, { reportId: report.id, exportedBy: 'operator:test', now });
    const served = parseEvidencePublicKey(await (await fetch(`${p.url}/v1/evidence/key`)).text());
    const v = verifyEvidenceBundle(exported.bytes, served);
    expect(v.openingsVerified).toBe(2);
    expect(v.files.map((f) => f.name)).toEqual(['messages/0.bin', 'messages/1.bin', 'files/1/.._evil_name.png']);
    expect(v.files[0]?.content).toEqual(bodies[0]);
    expect(v.files[2]?.content).toEqual(fileContent);
    expect(v.files[2]?.mediaType).toBe('image/png');
    const meta = v.manifest.metadata as Record<string, unknown>;
    expect((meta.report as Record<string, unknown>).id).toBe(report.id);
    expect((meta.messages as unknown[]).length).toBe(2);
    expect(meta.decisions).toEqual([
      expect.objectContaining({
        id: 'dec_test',
        action: 'ban',
        reason: 'repeated threats',
        decidedBy: 'acct-mod-1',
        approvedBy: 'acct-mod-2',
        status: 'effective',
        appeal: null,
      }),
    ]);
    expect(v.manifest.issuer).toBe(p.server.log.keys.origin);
    expect(v.commitment).toEqual(exported.commitment);

    // The log entry: kind evidence.bundle, body = the commitment and nothing else.
    const row = await p.db.kysely
      .selectFrom('log_entries')
      .select(['entry', 'subject'])
      .where('idx', '=', exported.logIndex)
      .executeTakeFirstOrThrow();
    const entry = evidenceRegistry().decode(new Uint8Array(row.entry));
    expect(entry.kind).toBe(EVIDENCE_BUNDLE_ENTRY.kind);
    expect(entry.time).toBe(now);
    expect(entry.body).toEqual(exported.commitment);
    expect(row.subject).toBeNull();
    // No hash of the material (nor of the bundle) is in the entry.
    const entryBytes = Buffer.from(row.entry);
    for (const h of [sha256(fileContent), sha256(bodies[1] as Uint8Array), report.files[0]?.md5, exported.bundleSha256])
      expect(contains(entryBytes, h as Uint8Array)).toBe(false);

    const record = await p.db.kysely
      .selectFrom('evidence_exports')
      .selectAll()
      .where('report_id', '=', report.id)
      .executeTakeFirstOrThrow();
    expect(new Uint8Array(record.bundle_sha256)).toEqual(sha256(exported.bytes));
    expect(new Uint8Array(record.commitment)).toEqual(exported.commitment);
    expect(record.log_index).toBe(exported.logIndex);
    expect(record.created_by).toBe('operator:test');

    // Two exports of the same report: unlinkable commitments.
    const again = await exportEvidence(p.db, key, { reportId: report.id, exportedBy: 'operator:test', now });
    expect(again.commitment).not.toEqual(exported.commitment);
    expect(again.logIndex).toBe(exported.logIndex + 1);
  });

  it('refuses to export or hold an unknown report, and a hold without reason or in the past', async () => {
    const key = await openEvidenceKey(p.db, now);
    await expectCode(
      exportEvidence(p.db, key, { reportId: 'rpt_nope', exportedBy: 'x', now }),
      'evidence.report_not_found',
    );
    await expectCode(
      placeEvidenceHold(p.db, { reportId: 'rpt_nope', reason: 'r', until: now + DAY, createdBy: 'x', now }),
      'evidence.report_not_found',
    );
    const { report } = await storeReport(now + 100 * DAY); // never due in this file
    await expectCode(
      placeEvidenceHold(p.db, { reportId: report.id, reason: ' ', until: now + DAY, createdBy: 'x', now }),
      'evidence.bad_hold',
    );
    await expectCode(
      placeEvidenceHold(p.db, { reportId: report.id, reason: 'r', until: now, createdBy: 'x', now }),
      'evidence.bad_hold',
    );
  });

  it('retention deletes content for real when due; a hold keeps it until the hold ends', async () => {
    const start = now;
    const due = await storeReport(start + 10 * DAY); // deleted at +10 days
    const held = await storeReport(start + 10 * DAY); // held until +30 days
    const later = await storeReport(start + 20 * DAY); // deleted at +20 days
    const hold = await placeEvidenceHold(p.db, {
      reportId: held.report.id,
      reason: 'preservation request from a court',
      until: start + 30 * DAY,
      createdBy: 'operator:test',
      now,
    });
    expect((await listEvidenceHolds(p.db.kysely, held.report.id)).map((h) => h.id)).toEqual([hold.id]);
    expect((await contentOf(held.report.id)).report.retain_until).toBe(start + 30 * DAY); // extended

    // Nothing is due yet.
    expect((await runRetention(p.db, now)).reports).toBe(0);
    const before = await contentOf(due.report.id);
    expect(before.messages.every((m) => m.body !== null && m.franking_key !== null)).toBe(true);
    expect(before.files[0]?.content).not.toBeNull();
    if (dialect === 'sqlite') {
      // The check below can fail: the content is in the file (or its WAL) now.
      const disk = sqliteBytes();
      for (const b of due.bodies) expect(contains(disk, b)).toBe(true);
      expect(contains(disk, due.fileContent.subarray(0, 64))).toBe(true);
    }

    // +11 days: `due` goes; `held` stays (hold); `later` stays (not due).
    now = start + 11 * DAY;
    const r1 = await runRetention(p.db, now);
    expect(r1.reports).toBe(1);
    expect(r1.flushed).toBe(true);
    const after = await contentOf(due.report.id);
    expect(after.report.content_deleted_at).toBe(now);
    expect(after.messages.every((m) => m.body === null && m.franking_key === null && m.commitment !== null)).toBe(true);
    expect(after.files[0]?.content).toBeNull();
    expect(after.files[0]?.plaintext_sha256).not.toBeNull(); // the non-content record stays
    for (const kept of [held, later]) {
      const c = await contentOf(kept.report.id);
      expect(c.report.content_deleted_at).toBeNull();
      expect(c.messages.every((m) => m.body !== null)).toBe(true);
    }
    if (dialect === 'sqlite') {
      const disk = sqliteBytes();
      for (const b of due.bodies) expect(contains(disk, b)).toBe(false);
      for (const b of due.report.messages) expect(contains(disk, b.frankingKey)).toBe(false);
      for (let at = 0; at + 64 <= due.fileContent.length; at += 1000)
        expect(contains(disk, due.fileContent.subarray(at, at + 64))).toBe(false);
      // The held report's content is still on disk.
      for (const b of held.bodies) expect(contains(disk, b)).toBe(true);
    }
    // Deleted content cannot be exported or held any more.
    const key = await openEvidenceKey(p.db, now);
    await expectCode(
      exportEvidence(p.db, key, { reportId: due.report.id, exportedBy: 'x', now }),
      'evidence.content_deleted',
    );
    await expectCode(
      placeEvidenceHold(p.db, { reportId: due.report.id, reason: 'r', until: now + DAY, createdBy: 'x', now }),
      'evidence.content_deleted',
    );
    // The held report still exports while held.
    expect(
      verifyEvidenceBundle(
        (await exportEvidence(p.db, key, { reportId: held.report.id, exportedBy: 'x', now })).bytes,
        key.publicKey,
      ).manifest.metadata,
    ).toMatchObject({ holds: [{ until: start + 30 * DAY }] });

    // +21 days: `later` goes; `held` is still held (past its original retention).
    now = start + 21 * DAY;
    expect((await runRetention(p.db, now)).reports).toBe(1);
    expect((await contentOf(later.report.id)).report.content_deleted_at).toBe(now);
    expect((await contentOf(held.report.id)).report.content_deleted_at).toBeNull();

    // +31 days: the hold has ended, so `held` goes too.
    now = start + 31 * DAY;
    expect((await runRetention(p.db, now)).reports).toBe(1);
    const released = await contentOf(held.report.id);
    expect(released.report.content_deleted_at).toBe(now);
    expect(released.messages.every((m) => m.body === null)).toBe(true);
    if (dialect === 'sqlite') {
      const disk = sqliteBytes();
      for (const b of held.bodies) expect(contains(disk, b)).toBe(false);
      expect(contains(disk, held.fileContent.subarray(5000, 5064))).toBe(false);
    }
    // Idempotent: nothing left to do.
    expect((await runRetention(p.db, now)).reports).toBe(0);
  });

  it('the evidence key secret never appears in the public log', async () => {
    const row = await p.db.kysely.selectFrom('evidence_keys').select('secret').executeTakeFirstOrThrow();
    const secret = decodeBase64Url(row.secret, 32);
    const entries = await p.db.kysely.selectFrom('log_entries').select('entry').execute();
    for (const e of entries) expect(contains(Buffer.from(e.entry), secret)).toBe(false);
  });
});
