/**
 * The wiring of the authority part in a running server, on both dialects: a moderator's
 * restricting decision taken over HTTP (`/v1/mod/…`) reaches `enqueueAuthorityReports` through
 * the hook `startServer` installs, and the server's own delivery worker (started by `startServer`,
 * here on a short interval) drops the statement of reasons into the configured directory; and
 * `GET /v1/mod/cases/:reportId/authority` then lists the case's statement of reasons and its
 * file-drop delivery (metadata only: no payload, no destination target), under the same
 * visibility rules as the case (not staff, a moderator on a child-safety case, an unknown case are
 * refused with their codes).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DSA_STATEMENT_OF_REASONS_SCHEMA } from '@fulcrum/authority-reports';
import { utf8Encode } from '@fulcrum/common';
import { addDestination } from '@fulcrum/server';
import {
  rawRequest,
  registerTestAccount,
  startTestPlatform,
  type TestDevice,
  type TestPlatform,
} from '@fulcrum/testkit';
import { routes } from '@fulcrum/wire';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { grantStaffRole } from '../src/moderation/staff.js';
import { createReportId, insertVerifiedReport } from '../src/reports/store.js';

const bytes = (n: number) => new Uint8Array(randomBytes(n));

describe.each(['sqlite', 'postgres'] as const)('authority reports in a running server (%s)', (dialect) => {
  let p: TestPlatform;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fulcrum-sor-'));
    p = await startTestPlatform({
      dialect,
      server: {
        authority: {
          intervalMs: 200,
          platform: {
            name: 'Example Messenger Ltd',
            service: 'Fulcrum',
            reportingPerson: { firstName: 'Trust', lastName: 'Safety', email: 'safety@example.org' },
            termsUrl: 'https://example.org/terms',
          },
        },
      },
    });
    await addDestination(p.db.kysely, { kind: 'dsa_sor', transport: 'file', target: dir }, Date.now());
  });

  afterAll(async () => {
    await p?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A moderator (granted the role), an offender and a reporter, with names unique to the run. */
  async function parties() {
    const tag = `${dialect[0]}${randomBytes(3).toString('hex')}`;
    const moderator = await registerTestAccount(p.url, `mod${tag}`);
    const offender = await registerTestAccount(p.url, `off${tag}`);
    const reporter = await registerTestAccount(p.url, `rep${tag}`);
    await p.db.transaction((tx) =>
      grantStaffRole(tx, { accountId: moderator.accountId, role: 'moderator', by: null, now: Date.now() }),
    );
    return { tag, moderator, offender, reporter };
  }

  /** A verified report by `reporter` of one text message by `offender`. */
  function insertReport(
    { reporter, offender }: Awaited<ReturnType<typeof parties>>,
    id: string,
    category: 'harassment' | 'grooming',
    text: string,
  ) {
    const now = Date.now();
    return p.db.transaction((tx) =>
      insertVerifiedReport(tx, {
        id,
        reporterAccountId: reporter.accountId,
        reporterDeviceId: reporter.deviceId,
        reportedAccountId: offender.accountId,
        conversationId: randomBytes(32).toString('base64url'),
        category,
        note: null,
        createdAt: now,
        retainUntil: now + 86_400_000,
        messages: [
          {
            role: 'reported',
            senderAccountId: offender.accountId,
            senderDeviceId: offender.deviceId,
            serverSeq: 3,
            epoch: 1,
            serverTime: now - 1000,
            keyId: 'k1',
            body: utf8Encode(JSON.stringify({ text, type: 'text', v: 1 })),
            frankingKey: bytes(32),
            commitment: bytes(32),
            tag: bytes(32),
          },
        ],
        files: [],
      }),
    );
  }

  const call = (signer: TestDevice, route: keyof typeof routes, path: string, body?: unknown) =>
    rawRequest(p.url, routes[route].method, path, body === undefined ? { signer } : { signer, body });

  test('a suspension decided over HTTP is delivered as a statement of reasons by the running worker', async () => {
    const who = await parties();
    const { moderator, offender } = who;
    const id = createReportId();
    await insertReport(who, id, 'harassment', 'you will regret this');
    expect((await call(moderator, 'modClaim', `/v1/mod/cases/${id}/claim`, {})).status).toBe(200);
    const decided = await call(moderator, 'modDecide', `/v1/mod/cases/${id}/decisions`, {
      action: 'suspend',
      reason: 'Threatening messages.',
      durationMs: 86_400_000,
    });
    expect(decided.status).toBe(201);

    // The server's worker (interval 200 ms) delivers it: wait for the record, not for a time.
    let state = '';
    for (let i = 0; i < 300 && state !== 'delivered'; i++) {
      const d = await p.db.kysely
        .selectFrom('authority_deliveries as d')
        .innerJoin('authority_reports as r', 'r.id', 'd.authority_report_id')
        .select(['d.state', 'd.idempotency_key'])
        .where('r.report_id', '=', id)
        .executeTakeFirst();
      state = d?.state ?? '';
      if (state !== 'delivered') await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe('delivered');
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    const statement = JSON.parse(await readFile(join(dir, files[0]!), 'utf8'));
    const validate = new Ajv({ strictRequired: false, allowUnionTypes: true }).compile(
      DSA_STATEMENT_OF_REASONS_SCHEMA as unknown as object,
    );
    expect(validate(statement), JSON.stringify(validate.errors)).toBe(true);
    expect(statement).toMatchObject({
      decision_account: 'DECISION_ACCOUNT_SUSPENDED',
      category: 'STATEMENT_CATEGORY_CYBER_VIOLENCE',
      source_type: 'SOURCE_ARTICLE_16',
    });
    expect(JSON.stringify(statement)).not.toContain(offender.accountId);
  });

  test('lists the statement of reasons and its delivery; refuses whoever may not see the case', async () => {
    const who = await parties();
    const { tag, moderator, reporter } = who;
    const id = createReportId();
    const secret = `you will regret this ${tag}`;
    await insertReport(who, id, 'harassment', secret);

    // Before any decision: an empty list.
    const empty = await call(moderator, 'modCaseAuthority', `/v1/mod/cases/${id}/authority`);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ reports: [] });

    expect((await call(moderator, 'modClaim', `/v1/mod/cases/${id}/claim`, {})).status).toBe(200);
    const decided = await call(moderator, 'modDecide', `/v1/mod/cases/${id}/decisions`, {
      action: 'suspend',
      reason: 'Threatening messages.',
      durationMs: 86_400_000,
    });
    expect(decided.status).toBe(201);
    const decisionId = (decided.body as { decisionId: string }).decisionId;

    // The server's worker delivers it: wait for the listed state, not for a time.
    let listed: { reports: { deliveries: { state: string }[] }[] } = { reports: [] };
    for (let i = 0; i < 300; i++) {
      const r = await call(moderator, 'modCaseAuthority', `/v1/mod/cases/${id}/authority`);
      expect(r.status).toBe(200);
      listed = r.body as typeof listed;
      if (listed.reports[0]?.deliveries[0]?.state === 'delivered') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(listed.reports).toHaveLength(1);
    expect(listed.reports[0]).toMatchObject({
      kind: 'dsa_sor',
      decisionId,
      mediaType: 'application/json',
      payloadDeleted: false,
      deliveries: [{ transport: 'file', state: 'delivered', attempts: 1, responseStatus: 0 }],
    });
    expect((listed.reports[0] as { payloadSha256?: string }).payloadSha256).toMatch(/^[0-9a-f]{64}$/);
    const text = JSON.stringify(listed);
    expect(text).not.toContain(dir); // no destination target
    expect(text).not.toContain('Threatening'); // no payload

    // Same visibility as the case.
    const notStaff = await call(reporter, 'modCaseAuthority', `/v1/mod/cases/${id}/authority`);
    expect(notStaff.status).toBe(403);
    expect((notStaff.body as { error: { code: string } }).error.code).toBe('moderation.not_staff');
    const childSafety = createReportId();
    await insertReport(who, childSafety, 'grooming', `grooming ${tag}`);
    const refused = await call(moderator, 'modCaseAuthority', `/v1/mod/cases/${childSafety}/authority`);
    expect(refused.status).toBe(403);
    expect((refused.body as { error: { code: string } }).error.code).toBe('moderation.role_required');
    const unknown = await call(moderator, 'modCaseAuthority', `/v1/mod/cases/${createReportId()}/authority`);
    expect(unknown.status).toBe(404);
    expect((unknown.body as { error: { code: string } }).error.code).toBe('moderation.case_not_found');
  });
});
