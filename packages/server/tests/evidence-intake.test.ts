/**
 * Evidence end to end on both dialects: a real report through `POST /v1/reports` (a franked message
 * relayed through the real store, tagged under the server's franking key, reported by a signed
 * request) keeps its content for the configured retention (`evidence.retentionMs`), exports as a
 * bundle that verifies offline with the key from `GET /v1/evidence/key`, and once the clock passes
 * `retain_until` the retention job deletes its content and the export is refused.
 */
import { randomBytes } from 'node:crypto';
import { decodeBase64Url, encodeBase64Url } from '@fulcrum/common';
import { parseEvidencePublicKey, verifyEvidenceBundle } from '@fulcrum/evidence';
import { commitMessage, createFrankingKey } from '@fulcrum/franking';
import {
  rawRequest,
  registerTestAccount,
  startTestPlatform,
  type TestDevice,
  type TestPlatform,
} from '@fulcrum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEvidenceKey } from '../src/evidence/evidence-key.js';
import { exportEvidence } from '../src/evidence/export.js';
import { runRetention } from '../src/evidence/retention.js';
import { FrankingKeys, frankingTime } from '../src/franking/franking-keys.js';
import { applyCommit, createGroup, sendMessage } from '../src/store/groups.js';
import { expectCode } from './helpers.js';

const DAY = 86_400_000;
const RETENTION = 5 * DAY;
const b64 = (b: Uint8Array) => encodeBase64Url(b);
const utf8 = (s: string) => new TextEncoder().encode(s);

describe.each(['sqlite', 'postgres'] as const)('evidence after real intake (%s)', (dialect) => {
  let p: TestPlatform;
  let alice: TestDevice;
  let bob: TestDevice;
  let groupId: string;
  // The server's clock: real time (signed requests are checked against it) plus a jump we control.
  let offset = 0;
  const clock = { now: () => Date.now() + offset };

  beforeAll(async () => {
    p = await startTestPlatform({ dialect, server: { clock, evidence: { retentionMs: RETENTION } } });
    alice = await registerTestAccount(p.url, 'alice');
    bob = await registerTestAccount(p.url, 'bob');
    groupId = b64(randomBytes(32));
    await p.db.transaction((tx) => createGroup(tx, { groupId, creatorDeviceId: alice.deviceId, now: Date.now() }));
    await p.db.transaction((tx) =>
      applyCommit(tx, {
        groupId,
        senderDeviceId: alice.deviceId,
        clientMessageId: b64(randomBytes(16)),
        commitEpoch: 0,
        commit: new Uint8Array(randomBytes(64)),
        welcome: new Uint8Array(randomBytes(64)),
        addedDevices: [bob.deviceId],
        removedDevices: [],
        now: Date.now(),
      }),
    );
  }, 60_000);
  afterAll(() => p?.close());

  it('reports, exports a verifying bundle, and deletes the content after the configured retention', async () => {
    // A franked text message from alice, as the client and the relay make it.
    const body = utf8('{"text":"you will regret this","type":"text","v":1}');
    const frankingKey = createFrankingKey();
    const commitment = commitMessage({ frankingKey, conversationId: decodeBase64Url(groupId), body });
    const key = await p.server.franking.current(Date.now());
    const now = frankingTime(key, Date.now());
    const { seq } = await p.db.transaction((tx) =>
      sendMessage(tx, {
        groupId,
        senderDeviceId: alice.deviceId,
        clientMessageId: b64(randomBytes(16)),
        epoch: 1,
        kind: 'application',
        message: new Uint8Array(randomBytes(100)),
        now,
      }),
    );
    const context = { epoch: 1, senderDeviceId: alice.deviceId, serverSeq: seq, serverTime: now };
    const { keyId, tag } = FrankingKeys.tag(key, commitment, { ...context, conversationId: decodeBase64Url(groupId) });
    const res = await rawRequest<{ reportId?: string; error?: { code: string } }>(p.url, 'POST', '/v1/reports', {
      signer: bob,
      body: {
        conversationId: groupId,
        category: 'threats',
        messages: [
          {
            body: b64(body),
            frankingKey: b64(frankingKey),
            context: { ...context, conversationId: groupId, keyId },
            tag: b64(tag),
          },
        ],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const reportId = res.body.reportId as string;
    const row = await p.db.kysely
      .selectFrom('reports')
      .select(['created_at', 'retain_until'])
      .where('id', '=', reportId)
      .executeTakeFirstOrThrow();
    expect(row.retain_until - row.created_at).toBe(RETENTION); // the configured retention, not the default

    const evidenceKey = await openEvidenceKey(p.db, clock.now());
    const exported = await exportEvidence(p.db, evidenceKey, {
      reportId,
      exportedBy: 'operator:test',
      now: clock.now(),
    });
    const served = parseEvidencePublicKey(await (await fetch(`${p.url}/v1/evidence/key`)).text());
    const v = verifyEvidenceBundle(exported.bytes, served);
    expect(v.openingsVerified).toBe(1);
    expect(v.files[0]?.content).toEqual(body);
    expect(v.manifest.verification.franking[0]?.tag).toBe(b64(tag));
    expect(v.manifest.metadata).toMatchObject({
      report: {
        id: reportId,
        category: 'threats',
        reporterAccountId: bob.accountId,
        reportedAccountId: alice.accountId,
      },
      messages: [{ role: 'reported', senderDeviceId: alice.deviceId, serverSeq: seq }],
      decisions: [],
    });

    // Not yet due one day before retain_until; gone after it.
    offset = RETENTION - DAY;
    expect((await runRetention(p.db, clock.now())).reports).toBe(0);
    offset = RETENTION + DAY;
    expect((await runRetention(p.db, clock.now())).reports).toBe(1);
    const msg = await p.db.kysely
      .selectFrom('report_messages')
      .select(['body', 'franking_key', 'tag'])
      .where('report_id', '=', reportId)
      .executeTakeFirstOrThrow();
    expect(msg.body).toBeNull();
    expect(msg.franking_key).toBeNull();
    expect(new Uint8Array(msg.tag)).toEqual(tag); // the non-content record stays
    await expectCode(
      exportEvidence(p.db, evidenceKey, { reportId, exportedBy: 'operator:test', now: clock.now() }),
      'evidence.content_deleted',
    );
  });
});
