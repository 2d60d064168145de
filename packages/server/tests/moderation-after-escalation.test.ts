/**
 * A sanction after an escalation, on both dialects. An approved escalation reports the case to the
 * authorities but restricts nothing and is never announced to the account; the case can then be
 * claimed again and get one sanctioning decision (warn, restrict, suspend, ban) — which the
 * account is told about and may appeal, and which asks for a DSA statement of reasons. Nothing
 * else: no second escalation, no dismissal, no second sanction; an escalation still awaiting
 * approval blocks everything.
 */
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthorityHook, AuthorityReportKind } from '../src/moderation/authority-hook.js';
import { ModerationService } from '../src/moderation/service.js';
import { grantStaffRole } from '../src/moderation/staff.js';
import { createReportId, insertVerifiedReport } from '../src/reports/store.js';
import { expectCode } from './helpers.js';

describe.each(['sqlite', 'postgres'] as const)('moderation: a sanction after an escalation (%s)', (dialect) => {
  let p: TestPlatform;
  const calls: { reportId: string; kinds: AuthorityReportKind[] }[] = [];
  const authority: AuthorityHook = {
    async enqueueAuthorityReports(_tx, input) {
      calls.push({ reportId: input.reportId, kinds: [...input.kinds].sort() });
    },
  };
  const moderation = new ModerationService({ authority });
  const t = Date.now();

  beforeAll(async () => {
    p = await startTestPlatform({ dialect });
    await p.db.transaction(async (tx) => {
      for (const id of ['acc_rep', 'acc_off', 'acc_cs1', 'acc_cs2', 'acc_cs3']) {
        await tx.db
          .insertInto('accounts')
          .values({ account_id: id, name: id.slice(4), identity_key: new Uint8Array(32), created_at: t })
          .execute();
      }
      for (const id of ['acc_cs1', 'acc_cs2', 'acc_cs3'])
        await grantStaffRole(tx, { accountId: id, role: 'child_safety', by: null, now: t });
    });
  }, 60_000);
  afterAll(() => p?.close());

  async function newCase(): Promise<string> {
    const id = createReportId();
    await p.db.transaction((tx) =>
      insertVerifiedReport(tx, {
        id,
        reporterAccountId: 'acc_rep',
        reporterDeviceId: 'dev_rep',
        reportedAccountId: 'acc_off',
        conversationId: `conv_${id}`,
        category: 'child_sexual_exploitation',
        note: null,
        createdAt: t,
        retainUntil: t + 86_400_000,
        messages: [
          {
            role: 'reported',
            senderAccountId: 'acc_off',
            senderDeviceId: 'dev_off',
            serverSeq: 1,
            epoch: 1,
            serverTime: t - 1000,
            keyId: 'k1',
            body: new TextEncoder().encode('{"text":"x","type":"text","v":1}'),
            frankingKey: new Uint8Array(32),
            commitment: new Uint8Array(32),
            tag: new Uint8Array(32),
          },
        ],
        files: [],
      }),
    );
    return id;
  }
  const tx = <T>(f: Parameters<typeof p.db.transaction<T>>[0]) => p.db.transaction(f);
  const status = async (id: string) =>
    (await p.db.kysely.selectFrom('reports').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

  async function escalate(id: string, approve: boolean): Promise<string> {
    await tx((x) => moderation.claim(x, 'acc_cs1', id, t));
    const d = await tx((x) =>
      moderation.decide(x, 'acc_cs1', id, { action: 'escalate', reason: 'CSAM', kinds: ['cybertipline'] }, t),
    );
    if (approve) await tx((x) => moderation.approve(x, 'acc_cs2', d.decisionId, { approve: true, reason: 'ok' }, t));
    return d.decisionId;
  }

  it('an approved escalation can be followed by one sanction, notified and appealable', async () => {
    const id = await newCase();
    await escalate(id, true);
    expect(await status(id)).toBe('decided');
    expect(calls.filter((c) => c.reportId === id)).toEqual([{ reportId: id, kinds: ['cybertipline'] }]);
    // Neither a second escalation nor a dismissal after it.
    await tx((x) => moderation.claim(x, 'acc_cs1', id, t));
    await expectCode(
      tx((x) => moderation.decide(x, 'acc_cs1', id, { action: 'escalate', reason: 'again', kinds: ['art18'] }, t)),
      'moderation.invalid_state',
    );
    await expectCode(
      tx((x) => moderation.decide(x, 'acc_cs1', id, { action: 'dismiss', reason: 'no' }, t)),
      'moderation.invalid_state',
    );
    // The suspension: effective now, a statement of reasons is asked for, the account is told.
    const s = await tx((x) =>
      moderation.decide(x, 'acc_cs1', id, { action: 'suspend', reason: 'CSAM: suspended', durationMs: 60_000 }, t),
    );
    expect(s.status).toBe('effective');
    expect(calls.filter((c) => c.reportId === id).at(-1)).toEqual({ reportId: id, kinds: ['dsa_sor'] });
    const notices = await p.db.kysely
      .selectFrom('moderation_notices')
      .select(['decision_id', 'action', 'reason'])
      .where('account_id', '=', 'acc_off')
      .where('decision_id', '=', s.decisionId)
      .execute();
    expect(notices).toEqual([{ decision_id: s.decisionId, action: 'suspend', reason: 'CSAM: suspended' }]);
    // No second sanction: the case is decided by more than escalations now.
    await expectCode(
      tx((x) => moderation.claim(x, 'acc_cs1', id, t)),
      'moderation.invalid_state',
    );
    // The appeal is decided by someone who neither decided nor approved anything here... (cs3).
    const appeal = await tx((x) =>
      moderation.fileAppeal(x, 'acc_off', { decisionId: s.decisionId, statement: 'mistake' }, t),
    );
    await expectCode(
      tx((x) => moderation.decideAppeal(x, 'acc_cs1', appeal.appealId, { outcome: 'overturn', reason: 'x' }, t)),
      'moderation.same_decider',
    );
    const decided = await tx((x) =>
      moderation.decideAppeal(x, 'acc_cs3', appeal.appealId, { outcome: 'uphold', reason: 'stands' }, t),
    );
    expect(decided.status).toBe('upheld');
  });

  it('an escalation awaiting approval, or rejected, does not open the way to a sanction on a decided case', async () => {
    const id = await newCase();
    const pending = await escalate(id, false);
    expect(await status(id)).toBe('awaiting_approval');
    await expectCode(
      tx((x) => moderation.claim(x, 'acc_cs3', id, t)),
      'moderation.invalid_state',
    );
    // Rejected: the case is open again, as before this change.
    await tx((x) => moderation.approve(x, 'acc_cs2', pending, { approve: false, reason: 'not CSAM' }, t));
    expect(await status(id)).toBe('open');
    // A plain (non-escalation) decision still closes the door: decided by a warning, no more.
    await tx((x) => moderation.claim(x, 'acc_cs3', id, t));
    await tx((x) => moderation.decide(x, 'acc_cs3', id, { action: 'warn', reason: 'warned' }, t));
    expect(await status(id)).toBe('decided');
    await expectCode(
      tx((x) => moderation.claim(x, 'acc_cs3', id, t)),
      'moderation.invalid_state',
    );
  });
});
