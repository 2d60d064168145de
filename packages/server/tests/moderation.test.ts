/**
 * The moderation workflow over HTTP, on both dialects: staff roles and their refusals, the
 * child-safety wall, queue order, claim leases under concurrency (two server processes on one
 * PostgreSQL schema), metadata before an audited reveal, decisions and their effects in the auth
 * path, four eyes, notices to the affected account, appeals by someone else, the audit trail and
 * its `moderation.event` log entries (no ids, no content), and a decision that fails half-way
 * leaving nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { decodeBase64Url, utf8Decode, utf8Encode } from '@fulcrum/common';
import { decodeLogEntry, MODERATION_EVENT_ENTRY, moderationRegistry } from '@fulcrum/tlog';
import { MODERATION_NOTICE_GROUP_ID, type QueueItem, routes } from '@fulcrum/wire';
import { type RunningServer, startServer, type Tx } from '@fulcrum/server';
import {
  rawRequest,
  registerTestAccount,
  startTestPlatform,
  type TestDevice,
  type TestPlatform,
} from '@fulcrum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthorityHook, AuthorityReportKind } from '../src/moderation/authority-hook.js';
import { grantStaffRole } from '../src/moderation/staff.js';
import { createReportId, insertVerifiedReport, type ReportCategory } from '../src/reports/store.js';

const bytes = (n: number) => new Uint8Array(randomBytes(n));

describe.each(['sqlite', 'postgres'] as const)('moderation workflow (%s)', (dialect) => {
  let p: TestPlatform;
  let second: RunningServer | undefined;
  const hookCalls: { reportId: string; kinds: readonly AuthorityReportKind[] }[] = [];
  let failNextHook = false;
  const authority: AuthorityHook = {
    async enqueueAuthorityReports(tx: Tx, input) {
      if (failNextHook) {
        failNextHook = false;
        // A real constraint violation inside the decision's transaction, after its first writes:
        // a sanction row naming a decision that does not exist (foreign key).
        await tx.db
          .insertInto('account_sanctions')
          .values({ account_id: 'x', kind: 'restrict', decision_id: 'dec_missing', since: 0, until: null })
          .execute();
      }
      hookCalls.push({ reportId: input.reportId, kinds: [...input.kinds].sort() });
    },
  };
  let admin: TestDevice;
  let mod1: TestDevice;
  let mod2: TestDevice;
  let cs1: TestDevice;
  let cs2: TestDevice;
  let reporter: TestDevice;
  let offender: TestDevice;
  let names = 0;

  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of many shapes, each asserted field by field
  const call = <T = any>(who: TestDevice, route: keyof typeof routes, path: string, body?: unknown, base = p.url) =>
    rawRequest<T>(base, routes[route].method, path, { signer: who, ...(body === undefined ? {} : { body }) });

  async function report(category: ReportCategory, reported: TestDevice = offender, createdAt = Date.now()) {
    const id = createReportId();
    await p.db.transaction((tx) =>
      insertVerifiedReport(tx, {
        id,
        reporterAccountId: reporter.accountId,
        reporterDeviceId: reporter.deviceId,
        reportedAccountId: reported.accountId,
        conversationId: randomBytes(32).toString('base64url'),
        category,
        note: 'they keep sending this',
        createdAt,
        retainUntil: createdAt + 90 * 86_400_000,
        messages: [
          {
            role: 'reported',
            senderAccountId: reported.accountId,
            senderDeviceId: reported.deviceId,
            serverSeq: 7,
            epoch: 1,
            serverTime: createdAt - 1000,
            keyId: 'k1',
            body: utf8Encode(`reported body ${id}`),
            frankingKey: bytes(32),
            commitment: bytes(32),
            tag: bytes(32),
          },
        ],
        files: [
          {
            position: 0,
            attachmentId: randomBytes(16).toString('base64url'),
            mediaType: 'image/png',
            name: 'a.png',
            size: 5,
            plaintextSha256: bytes(32),
            blobSha256: bytes(32),
            md5: bytes(16),
            pdq: null,
            content: utf8Encode('PNG!!'),
          },
        ],
      }),
    );
    return id;
  }

  async function claimAndDecide(who: TestDevice, reportId: string, body: Record<string, unknown>) {
    expect((await call(who, 'modClaim', `/v1/mod/cases/${reportId}/claim`, {})).status).toBe(200);
    return call(who, 'modDecide', `/v1/mod/cases/${reportId}/decisions`, body);
  }

  async function queueEvents(who: TestDevice): Promise<Record<string, unknown>[]> {
    const res = await call<{ items: QueueItem[] }>(who, 'fetchQueue', '/v1/queue');
    expect(res.status).toBe(200);
    return res.body.items
      .filter((i) => i.kind === 'event' && i.groupId === MODERATION_NOTICE_GROUP_ID)
      .map((i) => JSON.parse(utf8Decode(decodeBase64Url(i.payload))));
  }

  const account = (name: string) => registerTestAccount(p.url, `${name}${dialect[0]}${names++}`);

  beforeAll(async () => {
    p = await startTestPlatform({ dialect, server: { moderation: { authority }, rateLimit: false } });
    if (dialect === 'postgres') {
      second = await startServer({
        storage: p.storage,
        host: '127.0.0.1',
        port: 0,
        log: { level: 'silent' },
        moderation: { authority },
        rateLimit: false,
      });
    }
    [admin, mod1, mod2, cs1, cs2, reporter, offender] = (await Promise.all(
      ['admin', 'modone', 'modtwo', 'csone', 'cstwo', 'reporter', 'offender'].map(account),
    )) as [TestDevice, TestDevice, TestDevice, TestDevice, TestDevice, TestDevice, TestDevice];
    // Bootstrap: the operator grants the first admin on the store (what `fulcrum staff grant` does).
    await p.db.transaction((tx) =>
      grantStaffRole(tx, { accountId: admin.accountId, role: 'admin', by: null, now: Date.now() }),
    );
  }, 120_000);
  afterAll(async () => {
    await second?.close();
    await p?.close();
  });

  it('admins grant roles; non-staff and non-admins are refused', async () => {
    const grant = (who: TestDevice, accountId: string, role: string) =>
      call(who, 'grantStaffRole', routes.grantStaffRole.path, { accountId, role });
    expect((await grant(reporter, reporter.accountId, 'admin')).body.error.code).toBe('moderation.not_staff');
    for (const [who, role] of [
      [mod1, 'moderator'],
      [mod2, 'moderator'],
      [cs1, 'child_safety'],
      [cs2, 'child_safety'],
    ] as const) {
      const res = await grant(admin, who.accountId, role);
      expect(res.status).toBe(200);
      expect(res.body.roles).toEqual([role]);
    }
    const refused = await grant(mod1, mod1.accountId, 'admin');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('moderation.role_required');
    // Revoke and re-grant round trip.
    expect(
      (
        await call(admin, 'revokeStaffRole', routes.revokeStaffRole.path, {
          accountId: mod2.accountId,
          role: 'moderator',
        })
      ).body.roles,
    ).toEqual([]);
    expect((await grant(admin, mod2.accountId, 'moderator')).body.roles).toEqual(['moderator']);
    expect((await call(reporter, 'modMe', routes.modMe.path)).body).toEqual({
      accountId: reporter.accountId,
      roles: [],
    });
    expect((await call(cs1, 'modMe', routes.modMe.path)).body).toEqual({
      accountId: cs1.accountId,
      roles: ['child_safety'],
    });
    const q = await call(reporter, 'modQueue', '/v1/mod/queue');
    expect(q.status).toBe(403);
    expect(q.body.error.code).toBe('moderation.not_staff');
  });

  it('queues by priority then age; moderators never see child-safety cases', async () => {
    const t = Date.now() - 60_000;
    const spam = await report('spam', offender, t);
    const csam = await report('child_sexual_exploitation', offender, t + 10);
    const harassment = await report('harassment', offender, t + 20);
    const grooming = await report('grooming', offender, t + 30);
    const ids = (res: { body: { cases: { reportId: string }[] } }) =>
      res.body.cases.map((c) => c.reportId).filter((id) => [spam, csam, harassment, grooming].includes(id));
    expect(ids(await call(cs1, 'modQueue', '/v1/mod/queue'))).toEqual([csam, grooming, harassment, spam]);
    expect(ids(await call(mod1, 'modQueue', '/v1/mod/queue'))).toEqual([harassment, spam]);
    expect(ids(await call(admin, 'modQueue', '/v1/mod/queue'))).toEqual([harassment, spam]);
    for (const [route, path, body] of [
      ['modQueue', '/v1/mod/queue?category=grooming', undefined],
      ['modCase', `/v1/mod/cases/${csam}`, undefined],
      ['modReveal', `/v1/mod/cases/${csam}/reveal`, {}],
      ['modClaim', `/v1/mod/cases/${grooming}/claim`, {}],
    ] as const) {
      const res = await call(mod1, route, path, body);
      expect(res.status, path).toBe(403);
      expect(res.body.error.code).toBe('moderation.role_required');
    }
    const assign = await call(admin, 'modAssign', `/v1/mod/cases/${harassment}/assign`, {
      accountId: reporter.accountId,
    });
    expect(assign.body.error.code).toBe('moderation.role_required');
    // Nothing was revealed to the moderator: no reveal in the audit for these cases.
    const audits = await p.db.kysely
      .selectFrom('moderation_audit')
      .select('action')
      .where('report_id', '=', csam)
      .execute();
    expect(audits).toEqual([]);
  });

  it('shows verified metadata first and content only on an audited reveal', async () => {
    const id = await report('harassment');
    const view = await call(mod1, 'modCase', `/v1/mod/cases/${id}`);
    expect(view.status).toBe(200);
    expect(view.body.category).toBe('harassment');
    expect(view.body.messages[0]).toMatchObject({ role: 'reported', verified: 'franking', bodyBytes: 40 });
    expect(view.body.files).toEqual([{ position: 0, mediaType: 'image/png', size: 5 }]);
    expect(JSON.stringify(view.body)).not.toContain('reported body');
    expect(JSON.stringify(view.body)).not.toContain('they keep sending');
    const logBefore = await logSize();
    const reveal = await call(mod1, 'modReveal', `/v1/mod/cases/${id}/reveal`, {});
    expect(reveal.status).toBe(200);
    expect(utf8Decode(decodeBase64Url(reveal.body.messages[0].body))).toBe(`reported body ${id}`);
    expect(utf8Decode(decodeBase64Url(reveal.body.files[0].content))).toBe('PNG!!');
    expect(reveal.body.note).toBe('they keep sending this');
    const audit = await p.db.kysely.selectFrom('moderation_audit').selectAll().where('report_id', '=', id).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'reveal', actor_account_id: mod1.accountId, actor_role: 'moderator' });
    expect(await logSize()).toBe(logBefore + 1);
    const entry = await p.db.kysely
      .selectFrom('log_entries')
      .selectAll()
      .where('idx', '=', audit[0]!.log_index)
      .executeTakeFirstOrThrow();
    expect(moderationRegistry().decode(entry.entry).value).toEqual({ action: 'reveal', role: 'moderator' });
    expect(entry.subject).toBeNull();
  });

  it('gives a case to exactly one of many concurrent claimers (two servers on PostgreSQL), renewable, expiring', async () => {
    const id = await report('spam');
    const urls = second === undefined ? [p.url] : [p.url, second.url];
    const claimers = [mod1, mod2, admin];
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call(claimers[i % 3]!, 'modClaim', `/v1/mod/cases/${id}/claim`, {}, urls[i % urls.length]),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    const holders = new Set(winners.map((r) => r.body.lease.holder));
    expect(holders.size).toBe(1);
    const holder = claimers.find((c) => holders.has(c.accountId))!;
    // The winner's own repeated claims are renewals; everybody else is told who is in the way.
    expect(winners.length).toBe(4);
    for (const r of results.filter((r) => r.status !== 200)) {
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('moderation.claimed_by_other');
    }
    const other = claimers.find((c) => c !== holder && c !== admin) ?? admin;
    const decide = await call(other, 'modDecide', `/v1/mod/cases/${id}/decisions`, { action: 'dismiss', reason: 'x' });
    expect(decide.body.error.code).toBe('moderation.not_claimed');
    // The lease runs out (moved into the past as time would): another staff member can take it.
    await p.db.kysely
      .updateTable('moderation_leases')
      .set({ expires_at: Date.now() - 1 })
      .where('report_id', '=', id)
      .execute();
    const taken = await call(other, 'modClaim', `/v1/mod/cases/${id}/claim`, {});
    expect(taken.status).toBe(200);
    expect(taken.body.lease.holder).toBe(other.accountId);
    expect(
      (await call(holder, 'modDecide', `/v1/mod/cases/${id}/decisions`, { action: 'dismiss', reason: 'x' })).body.error
        .code,
    ).toBe('moderation.not_claimed');
    const rows = await p.db.kysely.selectFrom('moderation_leases').selectAll().where('report_id', '=', id).execute();
    expect(rows).toHaveLength(1);
    // An admin reassigns the case; the former holder can no longer decide, releases nothing.
    const assigned = await call(admin, 'modAssign', `/v1/mod/cases/${id}/assign`, { accountId: holder.accountId });
    expect(assigned.status).toBe(200);
    expect(assigned.body.lease.holder).toBe(holder.accountId);
    expect((await call(other, 'modRelease', `/v1/mod/cases/${id}/release`, {})).body.released).toBe(false);
    expect((await call(holder, 'modRelease', `/v1/mod/cases/${id}/release`, {})).body.released).toBe(true);
    const view = await call(mod1, 'modCase', `/v1/mod/cases/${id}`);
    expect(view.body.status).toBe('open');
    expect(view.body.lease).toBeUndefined();
    const notAdmin = await call(mod1, 'modAssign', `/v1/mod/cases/${id}/assign`, { accountId: mod2.accountId });
    expect(notAdmin.body.error.code).toBe('moderation.role_required');
  });

  it('warns, restricts and suspends with effects, and tells the affected account each decision and its reason', async () => {
    const target = await account('target');
    const warn = await claimAndDecide(mod1, await report('spam', target), { action: 'warn', reason: 'spam links' });
    expect(warn.status).toBe(201);
    expect(warn.body).toMatchObject({ action: 'warn', status: 'effective', decidedBy: mod1.accountId });

    const restrict = await claimAndDecide(mod1, await report('harassment', target), {
      action: 'restrict',
      reason: 'harassing strangers',
      durationMs: 3_600_000,
    });
    expect(restrict.status).toBe(201);
    const group = await call(target, 'createGroup', routes.createGroup.path, {
      groupId: randomBytes(32).toString('base64url'),
    });
    expect(group.status).toBe(403);
    expect(group.body.error.code).toBe('account.restricted');
    // Restriction is not suspension: other requests still work.
    expect((await call(target, 'countKeyPackages', routes.countKeyPackages.path)).status).toBe(200);

    const suspend = await claimAndDecide(mod2, await report('threats', target), {
      action: 'suspend',
      reason: 'threats',
    });
    expect(suspend.status).toBe(201);
    const refused = await call(target, 'countKeyPackages', routes.countKeyPackages.path);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('account.suspended');

    // Notices: as queue events and through the API (which a suspended account keeps).
    const events = await queueEvents(target);
    expect(events.map((e) => [e.type, e.action, e.reason])).toEqual([
      ['moderation_notice', 'warn', 'spam links'],
      ['moderation_notice', 'restrict', 'harassing strangers'],
      ['moderation_notice', 'suspend', 'threats'],
    ]);
    expect(events[1]!.durationMs).toBe(3_600_000);
    const notices = await call(target, 'listNotices', routes.listNotices.path);
    expect(notices.status).toBe(200);
    expect(notices.body.notices.map((n: { decisionId: string }) => n.decisionId).sort()).toEqual(
      [warn.body.decisionId, restrict.body.decisionId, suspend.body.decisionId].sort(),
    );
    // Restricting decisions asked the authority part for a statement of reasons.
    expect(hookCalls.filter((c) => c.reportId === restrict.body.reportId)).toEqual([
      { reportId: restrict.body.reportId, kinds: ['dsa_sor'] },
    ]);
    expect(hookCalls.filter((c) => c.reportId === warn.body.reportId)).toEqual([]);

    // The appeal: by the affected account only; decided by someone other than the decider.
    const stranger = await call(reporter, 'fileAppeal', routes.fileAppeal.path, {
      decisionId: suspend.body.decisionId,
      statement: 'not me',
    });
    expect(stranger.body.error.code).toBe('moderation.decision_not_found');
    const appeal = await call(target, 'fileAppeal', routes.fileAppeal.path, {
      decisionId: suspend.body.decisionId,
      statement: 'it was a joke between friends',
    });
    expect(appeal.status).toBe(201);
    const again = await call(target, 'fileAppeal', routes.fileAppeal.path, {
      decisionId: suspend.body.decisionId,
      statement: 'again',
    });
    expect(again.body.error.code).toBe('moderation.not_appealable');
    const listed = await call(mod1, 'modAppeals', routes.modAppeals.path);
    expect(listed.body.appeals.map((a: { appeal: { appealId: string } }) => a.appeal.appealId)).toContain(
      appeal.body.appealId,
    );
    const byDecider = await call(mod2, 'modDecideAppeal', `/v1/mod/appeals/${appeal.body.appealId}/decide`, {
      outcome: 'overturn',
      reason: 'self-review',
    });
    expect(byDecider.status).toBe(403);
    expect(byDecider.body.error.code).toBe('moderation.same_decider');
    const decided = await call(mod1, 'modDecideAppeal', `/v1/mod/appeals/${appeal.body.appealId}/decide`, {
      outcome: 'overturn',
      reason: 'context shows a joke',
    });
    expect(decided.status).toBe(200);
    expect(decided.body.status).toBe('overturned');
    // The suspension is lifted; the restriction stays.
    expect((await call(target, 'countKeyPackages', routes.countKeyPackages.path)).status).toBe(200);
    const last = (await queueEvents(target)).at(-1)!;
    expect(last).toMatchObject({
      type: 'moderation_notice',
      action: 'appeal.overturn',
      reason: 'context shows a joke',
    });
    expect(last.appealId).toBe(appeal.body.appealId);
  });

  it('bans only with a second pair of eyes; self-approval is refused', async () => {
    const target = await account('bannee');
    const id = await report('harassment', target);
    const ban = await claimAndDecide(mod1, id, { action: 'ban', reason: 'repeated harassment' });
    expect(ban.status).toBe(201);
    expect(ban.body.status).toBe('awaiting_approval');
    // Not in effect yet, not announced yet.
    expect((await call(target, 'countKeyPackages', routes.countKeyPackages.path)).status).toBe(200);
    expect(await queueEvents(target)).toEqual([]);
    const self = await call(mod1, 'modApprove', `/v1/mod/decisions/${ban.body.decisionId}/approve`, {
      approve: true,
      reason: 'me again',
    });
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe('moderation.self_approval');
    // Approvers find it in the queue.
    const queued = (await call(mod2, 'modQueue', '/v1/mod/queue')).body.cases.find(
      (c: { reportId: string }) => c.reportId === id,
    );
    expect(queued).toMatchObject({
      status: 'awaiting_approval',
      pending: { decisionId: ban.body.decisionId, action: 'ban' },
    });
    const approved = await call(mod2, 'modApprove', `/v1/mod/decisions/${ban.body.decisionId}/approve`, {
      approve: true,
      reason: 'agreed',
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'effective', approvedBy: mod2.accountId });
    const twice = await call(admin, 'modApprove', `/v1/mod/decisions/${ban.body.decisionId}/approve`, {
      approve: true,
      reason: 'late',
    });
    expect(twice.body.error.code).toBe('moderation.invalid_state');
    const refused = await call(target, 'countKeyPackages', routes.countKeyPackages.path);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('account.banned');
    expect((await queueEvents(target)).map((e) => e.action)).toEqual(['ban']);
    expect(hookCalls.filter((c) => c.reportId === id)).toEqual([{ reportId: id, kinds: ['dsa_sor'] }]);
    // A rejected four-eyes decision never takes effect and puts the case back in the queue.
    const id2 = await report('spam', target);
    const ban2 = await claimAndDecide(mod2, id2, { action: 'ban', reason: 'spam' });
    const rejected = await call(mod1, 'modApprove', `/v1/mod/decisions/${ban2.body.decisionId}/approve`, {
      approve: false,
      reason: 'too harsh for spam',
    });
    expect(rejected.body.status).toBe('rejected');
    const view = await call(mod1, 'modCase', `/v1/mod/cases/${id2}`);
    expect(view.body.status).toBe('open');
  });

  it('escalates a child-safety case only with a second child-safety specialist', async () => {
    const id = await report('child_sexual_exploitation');
    const esc = await claimAndDecide(cs1, id, {
      action: 'escalate',
      reason: 'apparent CSAM',
      kinds: ['cybertipline', 'art18'],
    });
    expect(esc.status).toBe(201);
    expect(esc.body).toMatchObject({ status: 'awaiting_approval', authorityKinds: ['cybertipline', 'art18'] });
    expect(hookCalls.filter((c) => c.reportId === id)).toEqual([]);
    const self = await call(cs1, 'modApprove', `/v1/mod/decisions/${esc.body.decisionId}/approve`, {
      approve: true,
      reason: 'x',
    });
    expect(self.body.error.code).toBe('moderation.self_approval');
    const moderator = await call(mod1, 'modApprove', `/v1/mod/decisions/${esc.body.decisionId}/approve`, {
      approve: true,
      reason: 'x',
    });
    expect(moderator.body.error.code).toBe('moderation.role_required');
    const ok = await call(cs2, 'modApprove', `/v1/mod/decisions/${esc.body.decisionId}/approve`, {
      approve: true,
      reason: 'confirmed',
    });
    expect(ok.status).toBe(200);
    expect(hookCalls.filter((c) => c.reportId === id)).toEqual([{ reportId: id, kinds: ['art18', 'cybertipline'] }]);
    // CyberTipline is for child-safety cases only.
    const tip = await claimAndDecide(mod1, await report('terrorism'), {
      action: 'escalate',
      reason: 'x',
      kinds: ['cybertipline'],
    });
    expect(tip.body.error.code).toBe('moderation.bad_decision');
    // kinds belong to escalations only.
    const bad = await claimAndDecide(cs1, await report('grooming'), { action: 'warn', reason: 'x', kinds: ['art18'] });
    expect(bad.body.error.code).toBe('moderation.bad_decision');
    // Roles are checked on every call: a revoked specialist is refused at once.
    await call(admin, 'revokeStaffRole', routes.revokeStaffRole.path, {
      accountId: cs2.accountId,
      role: 'child_safety',
    });
    expect((await call(cs2, 'modQueue', '/v1/mod/queue')).body.error.code).toBe('moderation.not_staff');
    await call(admin, 'grantStaffRole', routes.grantStaffRole.path, { accountId: cs2.accountId, role: 'child_safety' });
  });

  it('ends a timed suspension by itself', async () => {
    const target = await account('timed');
    const res = await claimAndDecide(mod1, await report('spam', target), {
      action: 'suspend',
      reason: 'cool off',
      durationMs: 60_000,
    });
    expect(res.status).toBe(201);
    const refused = await call(target, 'countKeyPackages', routes.countKeyPackages.path);
    expect(refused.body.error.code).toBe('account.suspended');
    const until = refused.body.error.detail.until as number;
    expect(until).toBeGreaterThan(Date.now());
    expect(until).toBeLessThanOrEqual(Date.now() + 60_000);
    // Time passes (the end moved into the past, as the clock would): the account acts again.
    await p.db.kysely
      .updateTable('account_sanctions')
      .set({ until: Date.now() - 1 })
      .where('account_id', '=', target.accountId)
      .execute();
    expect((await call(target, 'countKeyPackages', routes.countKeyPackages.path)).status).toBe(200);
  });

  it('keeps staff off cases they are party to', async () => {
    const id = await report('harassment', mod2);
    const own = await call(mod2, 'modClaim', `/v1/mod/cases/${id}/claim`, {});
    expect(own.status).toBe(403);
    expect(own.body.error.code).toBe('moderation.conflict_of_interest');
    const assigned = await call(admin, 'modAssign', `/v1/mod/cases/${id}/assign`, { accountId: mod2.accountId });
    expect(assigned.body.error.code).toBe('moderation.conflict_of_interest');
    const ban = await claimAndDecide(mod1, id, { action: 'ban', reason: 'x' });
    const approve = await call(mod2, 'modApprove', `/v1/mod/decisions/${ban.body.decisionId}/approve`, {
      approve: false,
      reason: 'not me',
    });
    expect(approve.body.error.code).toBe('moderation.conflict_of_interest');
  });

  it('keeps nothing of a decision that fails half-way (a constraint violation after its first writes)', async () => {
    const target = await account('atomic');
    const id = await report('harassment', target);
    expect((await call(mod1, 'modClaim', `/v1/mod/cases/${id}/claim`, {})).status).toBe(200);
    const before = {
      log: await logSize(),
      audit: await count('moderation_audit'),
      decisions: await count('moderation_decisions'),
      notices: await count('moderation_notices'),
      sanctions: await count('account_sanctions'),
    };
    failNextHook = true;
    const res = await call(mod1, 'modDecide', `/v1/mod/cases/${id}/decisions`, { action: 'suspend', reason: 'x' });
    expect(res.status).toBe(500);
    expect(failNextHook).toBe(false); // the failure really happened inside the decision
    expect({
      log: await logSize(),
      audit: await count('moderation_audit'),
      decisions: await count('moderation_decisions'),
      notices: await count('moderation_notices'),
      sanctions: await count('account_sanctions'),
    }).toEqual(before);
    const view = await call(mod1, 'modCase', `/v1/mod/cases/${id}`);
    expect(view.body).toMatchObject({ status: 'claimed', decisions: [], lease: { holder: mod1.accountId } });
    expect(await queueEvents(target)).toEqual([]);
    expect((await call(target, 'countKeyPackages', routes.countKeyPackages.path)).status).toBe(200);
    // The same decision goes through once the failure is gone.
    const ok = await call(mod1, 'modDecide', `/v1/mod/cases/${id}/decisions`, { action: 'suspend', reason: 'x' });
    expect(ok.status).toBe(201);
  });

  it('writes an audit row and a moderation.event log entry for every step, with no ids or content in the log', async () => {
    const audit = await p.db.kysely.selectFrom('moderation_audit').selectAll().orderBy('log_index').execute();
    const actions = new Set(audit.map((a) => a.action));
    for (const a of [
      'staff.grant',
      'staff.revoke',
      'reveal',
      'claim',
      'decide.warn',
      'decide.ban',
      'approve',
      'reject',
      'decide.escalate',
      'appeal.file',
      'appeal.overturn',
    ]) {
      expect(actions, a).toContain(a);
    }
    const entries = await p.db.kysely
      .selectFrom('log_entries')
      .selectAll()
      .where(
        'idx',
        'in',
        audit.map((a) => a.log_index),
      )
      .execute();
    expect(entries).toHaveLength(audit.length);
    const byIndex = new Map(entries.map((e) => [e.idx, e]));
    const secrets = new Set<string>();
    for (const a of audit) {
      for (const v of [a.actor_account_id, a.report_id, a.decision_id, a.appeal_id, a.target_account_id]) {
        if (v !== null) secrets.add(v);
      }
    }
    const registry = moderationRegistry();
    for (const a of audit) {
      const e = byIndex.get(a.log_index)!;
      expect(decodeLogEntry(e.entry).kind).toBe(MODERATION_EVENT_ENTRY.kind);
      expect(registry.decode(e.entry).value).toEqual({ action: a.action, role: a.actor_role });
      expect(decodeLogEntry(e.entry).time).toBe(a.at);
      expect(e.subject).toBeNull();
      const text = Buffer.from(e.entry).toString('latin1');
      for (const s of secrets) {
        expect(text.includes(s)).toBe(false);
        expect(Buffer.from(e.entry).includes(Buffer.from(decodeIdBytes(s)))).toBe(false);
      }
      expect(text).not.toContain('reported body');
    }
  });

  async function logSize(): Promise<number> {
    return count('log_entries');
  }
  async function count(
    table: 'log_entries' | 'moderation_audit' | 'moderation_decisions' | 'moderation_notices' | 'account_sanctions',
  ) {
    const row = await p.db.kysely
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
});

/** The raw bytes behind an id (account ids are base64url; case ids carry a prefix). */
function decodeIdBytes(id: string): Uint8Array {
  const raw = id.replace(/^(rpt|dec|apl|aud|ntc)_/, '');
  try {
    return decodeBase64Url(raw);
  } catch {
    return utf8Encode(id);
  }
}
