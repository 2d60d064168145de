/**
 * The wiring of the authority part in a running server, on both dialects: a moderator's
 * restricting decision taken over HTTP (`/v1/mod/…`) reaches `enqueueAuthorityReports` through
 * the hook `startServer` installs, and the server's own delivery worker (started by `startServer`,
 * here on a short interval) drops the statement of reasons into the configured directory.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DSA_STATEMENT_OF_REASONS_SCHEMA } from '@fulcrum/authority-reports';
import { utf8Encode } from '@fulcrum/common';
import { addDestination } from '@fulcrum/server';
import { rawRequest, registerTestAccount, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
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
  });

  afterAll(async () => {
    await p?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a suspension decided over HTTP is delivered as a statement of reasons by the running worker', async () => {
    await addDestination(p.db.kysely, { kind: 'dsa_sor', transport: 'file', target: dir }, Date.now());
    const moderator = await registerTestAccount(p.url, `mod${dialect[0]}${randomBytes(3).toString('hex')}`);
    const offender = await registerTestAccount(p.url, `off${dialect[0]}${randomBytes(3).toString('hex')}`);
    const reporter = await registerTestAccount(p.url, `rep${dialect[0]}${randomBytes(3).toString('hex')}`);
    await p.db.transaction((tx) =>
      grantStaffRole(tx, { accountId: moderator.accountId, role: 'moderator', by: null, now: Date.now() }),
    );
    const id = createReportId();
    const now = Date.now();
    await p.db.transaction((tx) =>
      insertVerifiedReport(tx, {
        id,
        reporterAccountId: reporter.accountId,
        reporterDeviceId: reporter.deviceId,
        reportedAccountId: offender.accountId,
        conversationId: randomBytes(32).toString('base64url'),
        category: 'harassment',
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
            body: utf8Encode(JSON.stringify({ text: 'you will regret this', type: 'text', v: 1 })),
            frankingKey: bytes(32),
            commitment: bytes(32),
            tag: bytes(32),
          },
        ],
        files: [],
      }),
    );
    const call = (route: keyof typeof routes, path: string, body: unknown) =>
      rawRequest(p.url, routes[route].method, path, { signer: moderator, body });
    expect((await call('modClaim', `/v1/mod/cases/${id}/claim`, {})).status).toBe(200);
    const decided = await call('modDecide', `/v1/mod/cases/${id}/decisions`, {
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
});
