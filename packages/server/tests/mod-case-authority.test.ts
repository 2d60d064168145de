/**
 * `GET /v1/mod/cases/:reportId/authority` on both dialects: after a suspension decided over HTTP,
 * the case's statement of reasons and its file-drop delivery are listed (metadata only: no
 * payload, no destination target); the same visibility rules as the case (not staff, a
 * moderator on a child-safety case, an unknown case) are refused with their codes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utf8Encode } from '@fulcrum/common';
import { addDestination } from '@fulcrum/server';
import { rawRequest, registerTestAccount, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { routes } from '@fulcrum/wire';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { grantStaffRole } from '../src/moderation/staff.js';
import { createReportId, insertVerifiedReport } from '../src/reports/store.js';

const bytes = (n: number) => new Uint8Array(randomBytes(n));

describe.each(['sqlite', 'postgres'] as const)('a case’s authority reports over HTTP (%s)', (dialect) => {
  let p: TestPlatform;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fulcrum-case-authority-'));
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

  test('lists the statement of reasons and its delivery; refuses whoever may not see the case', async () => {
    await addDestination(p.db.kysely, { kind: 'dsa_sor', transport: 'file', target: dir }, Date.now());
    const tag = `${dialect[0]}${randomBytes(3).toString('hex')}`;
    const moderator = await registerTestAccount(p.url, `camod${tag}`);
    const offender = await registerTestAccount(p.url, `caoff${tag}`);
    const reporter = await registerTestAccount(p.url, `carep${tag}`);
    await p.db.transaction((tx) =>
      grantStaffRole(tx, { accountId: moderator.accountId, role: 'moderator', by: null, now: Date.now() }),
    );
    const now = Date.now();
    const insert = (id: string, category: 'harassment' | 'grooming', text: string) =>
      p.db.transaction((tx) =>
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
    const id = createReportId();
    const secret = `you will regret this ${tag}`;
    await insert(id, 'harassment', secret);
    const call = (signer: typeof moderator, route: keyof typeof routes, path: string, body?: unknown) =>
      rawRequest(p.url, routes[route].method, path, body === undefined ? { signer } : { signer, body });

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
    await insert(childSafety, 'grooming', `grooming ${tag}`);
    const refused = await call(moderator, 'modCaseAuthority', `/v1/mod/cases/${childSafety}/authority`);
    expect(refused.status).toBe(403);
    expect((refused.body as { error: { code: string } }).error.code).toBe('moderation.role_required');
    const unknown = await call(moderator, 'modCaseAuthority', `/v1/mod/cases/${createReportId()}/authority`);
    expect(unknown.status).toBe(404);
    expect((unknown.body as { error: { code: string } }).error.code).toBe('moderation.case_not_found');
  });
});
