/**
 * Nothing half-written survives a crash mid-decision: a `fulcrum serve` child takes a stream of
 * concurrent decisions (suspensions: decision, case status, lease, sanction, notice + queue item,
 * audit row, `moderation.event` log entry) and is killed with SIGKILL part-way. After a restart on
 * the same storage, every case is either wholly decided — exactly one decision, its sanction,
 * notice, queue event, audit row and log entry — or wholly undecided (still claimed, nothing of
 * the decision anywhere), every acknowledged decision is there, and the undecided ones go through.
 */
import { randomBytes } from 'node:crypto';
import { decodeBase64Url, utf8Decode, utf8Encode } from '@fulcrum/common';
import { Database, InProcessBus, type StorageConfig } from '@fulcrum/server';
import { rawRequest, registerTestAccount, type TestDevice } from '@fulcrum/testkit';
import { moderationRegistry } from '@fulcrum/tlog';
import { MODERATION_NOTICE_GROUP_ID, type QueueResponse } from '@fulcrum/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantStaffRole } from '../src/moderation/staff.js';
import { createReportId, insertVerifiedReport } from '../src/reports/store.js';
import { type ServeChild, serveStorageArgs, spawnServe, TEST_POSTGRES_URL } from './fixtures/serve-child.js';

const CASES = 60;
const WORKERS = 12;
const KILL_AFTER_ACKS = 15;

describe.each(['sqlite', 'postgres'] as const)('SIGKILL mid-decision (%s)', (dialect) => {
  let args: string[];
  let drop: () => Promise<void>;
  let server: ServeChild;
  let db: Database;
  let mod: TestDevice;
  let target: TestDevice;
  let reporter: TestDevice;
  const cases: string[] = [];

  beforeAll(async () => {
    ({ args, drop } = await serveStorageArgs(dialect, 'fulcrum-mod-crash-'));
    server = await spawnServe([...args, '--log-level', 'warn']);
    const storage: StorageConfig =
      dialect === 'sqlite'
        ? { dialect: 'sqlite', dataDir: args[1] as string }
        : { dialect: 'postgres', url: TEST_POSTGRES_URL, schema: args[3] as string, poolSize: 2 };
    db = await Database.open(storage, new InProcessBus());
    mod = await registerTestAccount(server.url, `mod${dialect}`);
    target = await registerTestAccount(server.url, `target${dialect}`);
    // Staff never work cases they are party to: the reporter is someone else.
    reporter = await registerTestAccount(server.url, `reporter${dialect}`);
    // The child writes the same SQLite file: a stale read snapshot is SQLITE_BUSY; retry whole.
    for (let attempt = 1; ; attempt++) {
      try {
        await db.transaction((tx) =>
          grantStaffRole(tx, { accountId: mod.accountId, role: 'moderator', by: null, now: Date.now() }),
        );
        break;
      } catch (err) {
        if (attempt >= 20 || !String((err as { code?: string }).code).startsWith('SQLITE_BUSY')) throw err;
        await new Promise((r) => setTimeout(r, 25 * attempt));
      }
    }
    for (let i = 0; i < CASES; i++) {
      const id = createReportId();
      const now = Date.now();
      await db.transaction((tx) =>
        insertVerifiedReport(tx, {
          id,
          reporterAccountId: reporter.accountId,
          reporterDeviceId: reporter.deviceId,
          reportedAccountId: target.accountId,
          conversationId: randomBytes(32).toString('base64url'),
          category: 'harassment',
          note: null,
          createdAt: now,
          retainUntil: now + 86_400_000,
          messages: [
            {
              role: 'reported',
              senderAccountId: target.accountId,
              senderDeviceId: target.deviceId,
              serverSeq: i + 1,
              epoch: 1,
              serverTime: now,
              keyId: 'k',
              body: utf8Encode(`m${i}`),
              frankingKey: new Uint8Array(32),
              commitment: new Uint8Array(32),
              tag: new Uint8Array(32),
            },
          ],
          files: [],
        }),
      );
      cases.push(id);
    }
    for (const id of cases) {
      const res = await rawRequest(server.url, 'POST', `/v1/mod/cases/${id}/claim`, { signer: mod, body: {} });
      expect(res.status).toBe(200);
    }
  }, 180_000);

  afterAll(async () => {
    await db?.close();
    await server?.stop();
    await drop?.();
  });

  it('leaves every case wholly decided or wholly undecided', async () => {
    const decide = (base: string, i: number) =>
      rawRequest<{ decisionId: string }>(base, 'POST', `/v1/mod/cases/${cases[i]}/decisions`, {
        signer: mod,
        body: { action: 'suspend', reason: `reason ${i}`, durationMs: 3_600_000 },
      });
    const acked = new Map<number, string>();
    const refused: number[] = [];
    let next = 0;
    let killed: Promise<void> | undefined;
    const first = server.url;
    const worker = async () => {
      while (next < CASES && killed === undefined) {
        const i = next++;
        try {
          const res = await decide(first, i);
          if (res.status === 201) acked.set(i, res.body.decisionId);
          else refused.push(res.status);
        } catch {
          // connection cut by the kill: unacknowledged
        }
        if (acked.size >= KILL_AFTER_ACKS && killed === undefined) killed = server.kill();
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    await killed;
    expect(refused).toEqual([]);
    expect(acked.size).toBeLessThan(CASES);

    server = await spawnServe([...args, '--log-level', 'warn'], Number(new URL(first).port));

    /** Checks every case is all-or-nothing; returns the decided ones. */
    const check = async (): Promise<Set<string>> => {
      const decided = new Set<string>();
      const registry = moderationRegistry();
      for (const [i, id] of cases.entries()) {
        const report = await db.kysely
          .selectFrom('reports')
          .select('status')
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        const decisions = await db.kysely
          .selectFrom('moderation_decisions')
          .selectAll()
          .where('report_id', '=', id)
          .execute();
        const audits = await db.kysely
          .selectFrom('moderation_audit')
          .selectAll()
          .where('report_id', '=', id)
          .where('action', '=', 'decide.suspend')
          .execute();
        const lease = await db.kysely
          .selectFrom('moderation_leases')
          .select('holder_account_id')
          .where('report_id', '=', id)
          .execute();
        if (decisions.length === 0) {
          expect(acked.has(i), `acknowledged decision on case ${i} lost`).toBe(false);
          expect(report.status).toBe('claimed');
          expect(audits).toEqual([]);
          expect(lease).toHaveLength(1);
          continue;
        }
        expect(decisions).toHaveLength(1);
        const d = decisions[0]!;
        if (acked.has(i)) expect(d.id).toBe(acked.get(i));
        expect(d).toMatchObject({ status: 'effective', action: 'suspend', reason: `reason ${i}` });
        expect(report.status).toBe('decided');
        expect(lease).toEqual([]);
        expect(audits).toHaveLength(1);
        const entry = await db.kysely
          .selectFrom('log_entries')
          .select('entry')
          .where('idx', '=', audits[0]!.log_index)
          .executeTakeFirstOrThrow();
        expect(registry.decode(entry.entry).value).toEqual({ action: 'decide.suspend', role: 'moderator' });
        const notices = await db.kysely
          .selectFrom('moderation_notices')
          .select('id')
          .where('decision_id', '=', d.id)
          .execute();
        expect(notices).toHaveLength(1);
        decided.add(d.id);
      }
      // The newest suspension is the sanction in force, naming a decision that exists.
      const sanction = await db.kysely
        .selectFrom('account_sanctions')
        .selectAll()
        .where('account_id', '=', target.accountId)
        .execute();
      if (decided.size > 0) {
        expect(sanction).toHaveLength(1);
        expect(decided.has(sanction[0]!.decision_id)).toBe(true);
      }
      // One queue event per decision on the target's device (the queue is read with the target's
      // own signed request: a suspended account keeps its queue).
      const queue = await rawRequest<QueueResponse>(server.url, 'GET', '/v1/queue?limit=500', { signer: target });
      expect(queue.status).toBe(200);
      const events = queue.body.items
        .filter((q) => q.groupId === MODERATION_NOTICE_GROUP_ID)
        .map((q) => JSON.parse(utf8Decode(decodeBase64Url(q.payload))) as { decisionId: string });
      expect(new Set(events.map((e) => e.decisionId))).toEqual(decided);
      expect(events).toHaveLength(decided.size);
      // Audit rows for decisions exist only for decisions that exist.
      const allAudits = await db.kysely
        .selectFrom('moderation_audit')
        .select('decision_id')
        .where('action', '=', 'decide.suspend')
        .execute();
      expect(new Set(allAudits.map((a) => a.decision_id))).toEqual(decided);
      return decided;
    };

    const decidedAtKill = await check();
    expect(decidedAtKill.size).toBeGreaterThanOrEqual(acked.size);

    // The undecided cases go through now, once each.
    for (const [i, id] of cases.entries()) {
      const has = await db.kysely.selectFrom('moderation_decisions').select('id').where('report_id', '=', id).execute();
      if (has.length > 0) continue;
      const res = await decide(server.url, i);
      expect(res.status).toBe(201);
      acked.set(i, res.body.decisionId);
    }
    const all = await check();
    expect(all.size).toBe(CASES);
  }, 240_000);
});
