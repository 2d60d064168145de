/**
 * Report intake (`POST /v1/reports`, docs/protocol.md §Reports) on SQLite and PostgreSQL: real
 * franked messages — content bytes committed with `@fulcrum/franking`, relayed through the real
 * store (group order, membership history), tagged under the server's own current franking key —
 * reported by signed requests of real devices. A valid report is stored with its verified content;
 * every forgery is refused with its code and counted; attachments are verified by decrypting the
 * stored blob.
 */
import { createHash, randomBytes } from 'node:crypto';
import { decodeBase64Url, encodeBase64Url } from '@fulcrum/common';
import { encryptAttachment } from '@fulcrum/e2ee';
import { commitMessage, createFrankingKey } from '@fulcrum/franking';
import { computePdqHash, encodePdqHash } from '@fulcrum/pdq';
import {
  rawRequest,
  registerTestAccount,
  startTestPlatform,
  type TestDevice,
  type TestPlatform,
} from '@fulcrum/testkit';
import type { CreateReportRequest, ReportOpening } from '@fulcrum/wire';
import { BLOCK_LIMITS, REPORT_LIMITS } from '@fulcrum/wire';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrankingKeys, frankingTime } from '../src/franking/franking-keys.js';
import {
  getReport,
  isBlocked,
  listReportFiles,
  listReportMessages,
  listReportRejections,
} from '../src/reports/store.js';
import { applyCommit, createGroup, sendMessage } from '../src/store/groups.js';
import { fetchQueue } from '../src/store/queue.js';

const b64 = (b: Uint8Array) => encodeBase64Url(b);
const utf8 = (s: string) => new TextEncoder().encode(s);

/** Canonical JSON (sorted keys, no whitespace): what clients commit to (client/canonical-json.ts). */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}
const textContent = (text: string) => utf8(canonical({ v: 1, type: 'text', text }));

describe.each(['sqlite', 'postgres'] as const)('report intake (%s)', (dialect) => {
  let p: TestPlatform;
  let alice: TestDevice; // sender
  let bob: TestDevice; // reporter
  let carol: TestDevice; // another member
  let mallory: TestDevice; // never a member
  let groupId: string;
  let otherGroupId: string;
  const epochs = new Map<string, number>();
  /** Rejections each test expects to have been counted, by code. */
  const expectedRejections: Record<string, number> = {};

  async function commit(gid: string, added: TestDevice[], removed: TestDevice[]): Promise<void> {
    const epoch = epochs.get(gid) ?? 0;
    await p.db.transaction((tx) =>
      applyCommit(tx, {
        groupId: gid,
        senderDeviceId: alice.deviceId,
        clientMessageId: b64(randomBytes(16)),
        commitEpoch: epoch,
        commit: new Uint8Array(randomBytes(64)),
        welcome: added.length > 0 ? new Uint8Array(randomBytes(64)) : undefined,
        addedDevices: added.map((d) => d.deviceId),
        removedDevices: removed.map((d) => d.deviceId),
        now: Date.now(),
      }),
    );
    epochs.set(gid, epoch + 1);
  }

  /**
   * One application message, franked as a client and the relay do: a fresh franking key, the
   * commitment over (conversation, content), a place in the group's order from the store, and the
   * server's tag under its current key. Returns the opening a recipient keeps.
   */
  async function franked(gid: string, sender: TestDevice, body: Uint8Array): Promise<ReportOpening> {
    const frankingKey = createFrankingKey();
    const conversationId = decodeBase64Url(gid);
    const commitment = commitMessage({ frankingKey, conversationId, body });
    const key = await p.server.franking.current(Date.now());
    const now = frankingTime(key, Date.now());
    const epoch = epochs.get(gid) ?? 0;
    const { seq } = await p.db.transaction((tx) =>
      sendMessage(tx, {
        groupId: gid,
        senderDeviceId: sender.deviceId,
        clientMessageId: b64(randomBytes(16)),
        epoch,
        kind: 'application',
        message: new Uint8Array(randomBytes(100)),
        now,
      }),
    );
    const context = { epoch, senderDeviceId: sender.deviceId, serverSeq: seq, serverTime: now };
    const { keyId, tag } = FrankingKeys.tag(key, commitment, { ...context, conversationId });
    return {
      body: b64(body),
      frankingKey: b64(frankingKey),
      context: { ...context, conversationId: gid, keyId },
      tag: b64(tag),
    };
  }

  async function report(signer: TestDevice, body: Partial<CreateReportRequest>) {
    return rawRequest<{
      reportId?: string;
      messages?: number;
      files?: number;
      blocked?: boolean;
      error?: { code: string };
    }>(p.url, 'POST', '/v1/reports', { signer, body: { conversationId: groupId, category: 'harassment', ...body } });
  }

  async function refused(signer: TestDevice, body: Partial<CreateReportRequest>, code: string, status: number) {
    const res = await report(signer, body);
    expect(res.body.error?.code, JSON.stringify(res.body)).toBe(code);
    expect(res.status).toBe(status);
    expectedRejections[code] = (expectedRejections[code] ?? 0) + 1;
    return res;
  }

  async function uploadBlob(device: TestDevice, blob: Uint8Array): Promise<string> {
    const res = await rawRequest<{ attachmentId: string }>(p.url, 'POST', '/v1/attachments', {
      signer: device,
      body: blob,
    });
    expect(res.status).toBe(201);
    return res.body.attachmentId;
  }

  function attachmentContent(attachmentId: string, enc: ReturnType<typeof encryptAttachment>, over: object = {}) {
    return utf8(
      canonical({
        v: 1,
        type: 'attachment',
        attachmentId,
        key: b64(enc.key),
        plaintextSha256: b64(enc.plaintextSha256),
        blobSha256: b64(enc.blobSha256),
        size: enc.size,
        mediaType: 'image/png',
        name: 'photo.png',
        ...over,
      }),
    );
  }

  beforeAll(async () => {
    p = await startTestPlatform({ dialect, server: { attachmentMaxBytes: 4 * 1024 * 1024 } });
    alice = await registerTestAccount(p.url, 'alice');
    bob = await registerTestAccount(p.url, 'bob');
    carol = await registerTestAccount(p.url, 'carol');
    mallory = await registerTestAccount(p.url, 'mallory');
    groupId = b64(randomBytes(32));
    otherGroupId = b64(randomBytes(32));
    for (const gid of [groupId, otherGroupId]) {
      await p.db.transaction((tx) =>
        createGroup(tx, { groupId: gid, creatorDeviceId: alice.deviceId, now: Date.now() }),
      );
    }
    await commit(otherGroupId, [bob], []);
  }, 60_000);
  afterAll(() => p?.close());

  it('stores a valid report with its verified messages and context, and the block', async () => {
    const early = await franked(groupId, alice, textContent('before bob joined'));
    await commit(groupId, [bob, carol], []);
    const c1 = await franked(groupId, carol, textContent('hello all'));
    const c2 = await franked(groupId, alice, textContent('hi bob'));
    const bad = await franked(groupId, alice, textContent('a threatening message'));
    const res = await report(bob, {
      category: 'threats',
      note: 'this is a threat',
      messages: [bad],
      context: [c2, c1],
      blockSender: true,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ messages: 3, files: 0, blocked: true });
    const id = res.body.reportId as string;
    const stored = await getReport(p.db.kysely, id);
    expect(stored).toMatchObject({
      reporterAccountId: bob.accountId,
      reporterDeviceId: bob.deviceId,
      reportedAccountId: alice.accountId,
      conversationId: groupId,
      category: 'threats',
      priority: 1,
      note: 'this is a threat',
      status: 'open',
    });
    expect((stored?.retainUntil ?? 0) - (stored?.createdAt ?? 0)).toBe(90 * 24 * 3600_000);
    const msgs = await listReportMessages(p.db.kysely, id);
    expect(msgs.map((m) => [m.position, m.role, m.serverSeq, m.senderAccountId])).toEqual([
      [0, 'context', c1.context.serverSeq, carol.accountId],
      [1, 'context', c2.context.serverSeq, alice.accountId],
      [2, 'reported', bad.context.serverSeq, alice.accountId],
    ]);
    expect(new TextDecoder().decode(msgs[2]?.body ?? new Uint8Array())).toContain('a threatening message');
    expect(b64(msgs[2]?.tag ?? new Uint8Array())).toBe(bad.tag);
    expect(b64(msgs[2]?.frankingKey ?? new Uint8Array())).toBe(bad.frankingKey);
    expect(await isBlocked(p.db.kysely, bob.accountId, alice.accountId)).toBe(true);
    expect(await isBlocked(p.db.kysely, alice.accountId, bob.accountId)).toBe(false);

    // The message from before bob joined: bob could not have received it.
    await refused(bob, { messages: [early] }, 'report.not_received', 403);
    // …nor as context.
    const later = await franked(groupId, alice, textContent('later'));
    await refused(bob, { messages: [later], context: [early] }, 'report.not_received', 403);
    // A device that was never in the group cannot report what a member handed it.
    await refused(mallory, { messages: [later] }, 'report.not_received', 403);

    // The same opening again by the same reporter: a replay. Nothing of the second is stored.
    await refused(bob, { messages: [bad] }, 'report.replayed', 409);
    // Carol may report it too.
    expect((await report(carol, { messages: [bad] })).status).toBe(201);
  });

  it('a block stops the blocked account’s application messages reaching the blocker, nothing else', async () => {
    // bob blocked alice with the report above.
    const queued = async (d: TestDevice) => (await fetchQueue(p.db.kysely, d.deviceId, 0, 500)).map((i) => i.seq);
    const [bobBefore, carolBefore] = [await queued(bob), await queued(carol)];
    await franked(groupId, alice, textContent('bob does not get this'));
    const [bobAfter, carolAfter] = [await queued(bob), await queued(carol)];
    expect(bobAfter).toEqual(bobBefore);
    expect(carolAfter.length).toBe(carolBefore.length + 1);
    // carol's messages still reach bob, and alice's reach bob in a group where bob blocks no one…
    await franked(groupId, carol, textContent('bob gets this'));
    expect((await queued(bob)).length).toBe(bobAfter.length + 1);
    // …and alice's commits still reach bob (the MLS state stays shared).
    await commit(groupId, [mallory], []);
    expect((await queued(bob)).length).toBe(bobAfter.length + 2);
    await commit(groupId, [], [mallory]);
    // A block is one-way: bob's messages reach alice.
    const aliceBefore = (await queued(alice)).length;
    await franked(groupId, bob, textContent('to alice'));
    expect((await queued(alice)).length).toBe(aliceBefore + 1);
  });

  it(`a reporter who blocks ${BLOCK_LIMITS.perAccount} accounts: the report is taken, the block is not (blocked: false)`, async () => {
    const fillers = Array.from({ length: BLOCK_LIMITS.perAccount }, () => b64(randomBytes(16)));
    const rows = fillers.map((id) => ({ blocker_account_id: carol.accountId, blocked_account_id: id, created_at: 1 }));
    for (let i = 0; i < rows.length; i += 200) {
      await p.db.kysely
        .insertInto('blocks')
        .values(rows.slice(i, i + 200))
        .execute();
    }
    const m = await franked(groupId, alice, textContent('carol is at her limit'));
    const res = await report(carol, { category: 'spam', messages: [m], blockSender: true });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.blocked).toBe(false);
    expect(await isBlocked(p.db.kysely, carol.accountId, alice.accountId)).toBe(false);
    await p.db.kysely.deleteFrom('blocks').where('blocker_account_id', '=', carol.accountId).execute();
  });

  it('refuses reports of messages sent after the reporter was removed', async () => {
    const before = await franked(groupId, alice, textContent('carol still here'));
    await commit(groupId, [], [carol]);
    const after = await franked(groupId, alice, textContent('carol gone'));
    await refused(carol, { messages: [after] }, 'report.not_received', 403);
    expect((await report(carol, { messages: [before] })).status).toBe(201);
  });

  it('refuses each forgery with its code', async () => {
    const m1 = await franked(groupId, alice, textContent('message one'));
    const m2 = await franked(groupId, alice, textContent('message two'));
    const elsewhere = await franked(otherGroupId, alice, textContent('in another conversation'));
    const rows = async () =>
      Promise.all(
        (['reports', 'report_messages', 'report_files', 'reported_openings', 'blocks'] as const).map(
          async (t) => (await p.db.kysely.selectFrom(t).selectAll().execute()).length,
        ),
      );
    const before = await rows();

    // Altered plaintext.
    await refused(bob, { messages: [{ ...m1, body: b64(textContent('message 1')) }] }, 'report.tag_mismatch', 400);
    // Wrong franking key.
    await refused(bob, { messages: [{ ...m1, frankingKey: b64(createFrankingKey()) }] }, 'report.tag_mismatch', 400);
    // The tag of another message.
    await refused(bob, { messages: [{ ...m1, tag: m2.tag }] }, 'report.tag_mismatch', 400);
    // Another message's place (seq) with this opening.
    await refused(
      bob,
      { messages: [{ ...m1, context: { ...m1.context, serverSeq: m2.context.serverSeq } }] },
      'report.tag_mismatch',
      400,
    );
    // Another sender.
    await refused(
      bob,
      { messages: [{ ...m1, context: { ...m1.context, senderDeviceId: carol.deviceId } }] },
      'report.tag_mismatch',
      400,
    );
    // Another time or epoch.
    await refused(
      bob,
      { messages: [{ ...m1, context: { ...m1.context, serverTime: m1.context.serverTime + 1 } }] },
      'report.tag_mismatch',
      400,
    );
    await refused(
      bob,
      { messages: [{ ...m1, context: { ...m1.context, epoch: m1.context.epoch + 1 } }] },
      'report.tag_mismatch',
      400,
    );
    // A message of another conversation, relabelled as this one.
    await refused(
      bob,
      { messages: [{ ...elsewhere, context: { ...elsewhere.context, conversationId: groupId } }] },
      'report.tag_mismatch',
      400,
    );
    // …or honestly labelled, inside a report about this conversation.
    await refused(bob, { messages: [m1], context: [elsewhere] }, 'report.conversation_mismatch', 400);
    // A key id the server never had.
    await refused(
      bob,
      { messages: [{ ...m1, context: { ...m1.context, keyId: 'fk_nosuchkey' } }] },
      'report.unknown_key',
      400,
    );
    // A forged opening beside a valid one refuses the whole report.
    await refused(bob, { messages: [m1, { ...m2, body: b64(textContent('x')) }] }, 'report.tag_mismatch', 400);
    // Nothing of any refused report was written.
    expect(await rows()).toEqual(before);
    expect((await report(bob, { messages: [m1, m2] })).status).toBe(201);
  });

  it('refuses malformed and oversized reports with a 4xx', async () => {
    const m = await franked(groupId, alice, textContent('another'));
    const c = await franked(groupId, alice, textContent('after it'));
    await refused(bob, { messages: [m], note: 'x'.repeat(REPORT_LIMITS.noteMaxChars + 1) }, 'request.invalid', 400);
    await refused(bob, { messages: [] }, 'request.invalid', 400);
    await refused(bob, { messages: Array(REPORT_LIMITS.reportedMax + 1).fill(m) }, 'request.invalid', 400);
    await refused(bob, { messages: [m], context: Array(REPORT_LIMITS.contextMax + 1).fill(m) }, 'request.invalid', 400);
    await refused(bob, { messages: [m], category: 'rude' as never }, 'request.invalid', 400);
    await refused(bob, { messages: [{ ...m, tag: m.tag.slice(0, 20) }] }, 'request.invalid', 400);
    await refused(bob, { messages: [m, m] }, 'report.invalid', 400);
    await refused(bob, { messages: [m], context: [c] }, 'report.invalid', 400);
    // Non-canonical base64url (last character's unused bits set).
    const key = m.frankingKey;
    const last = key.at(-1) as string;
    const flipped = key.slice(0, -1) + (last === 'A' ? 'B' : String.fromCharCode(last.charCodeAt(0) ^ 1));
    await refused(bob, { messages: [{ ...m, frankingKey: flipped }] }, 'request.invalid', 400);
    // Validly franked bytes that are not message content a client would have shown.
    const junk = await franked(groupId, alice, utf8('{"v":1, "type":"text","text":"spaced"}'));
    await refused(bob, { messages: [junk] }, 'report.invalid', 400);
    // Malformed JSON and an oversized body are refused before intake (and not counted: the
    // first is refused before the body is read as a report, the second before authentication).
    const raw = await rawRequest(p.url, 'POST', '/v1/reports', {
      signer: bob,
      rawBody: '{"messages":',
      contentType: 'application/json',
    });
    expect(raw.status).toBe(400);
    const huge = await rawRequest<{ error: { code: string } }>(p.url, 'POST', '/v1/reports', {
      signer: bob,
      rawBody: `{"note":"${'x'.repeat(8 * 1024 * 1024)}"}`,
      contentType: 'application/json',
    });
    expect([huge.status, huge.body?.error?.code]).toEqual([413, 'request.too_large']);
  });

  it('verifies a reported image by decrypting the stored blob; a tampered attachment is refused', async () => {
    // A real PNG (lossless, so the server's decoded pixels are these).
    const width = 96;
    const height = 80;
    const pixels = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 3;
        pixels.set([(x * 7 + y * 3) & 255, (x * y) & 255, (255 - x * 2) & 255], i);
      }
    const png = new Uint8Array(
      await sharp(pixels, { raw: { width, height, channels: 3 } })
        .png()
        .toBuffer(),
    );
    const enc = encryptAttachment(png);
    const attachmentId = await uploadBlob(alice, enc.blob);
    const photo = await franked(groupId, alice, attachmentContent(attachmentId, enc));
    const res = await report(bob, { category: 'child_sexual_exploitation', messages: [photo] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.files).toBe(1);
    const id = res.body.reportId as string;
    expect((await getReport(p.db.kysely, id))?.priority).toBe(0);
    const files = await listReportFiles(p.db.kysely, id);
    expect(files).toHaveLength(1);
    const f = files[0]!;
    expect(f).toMatchObject({ position: 0, attachmentId, mediaType: 'image/png', name: 'photo.png', size: png.length });
    expect(f.content).toEqual(png);
    expect(f.plaintextSha256).toEqual(new Uint8Array(createHash('sha256').update(png).digest()));
    expect(f.blobSha256).toEqual(enc.blobSha256);
    expect(f.md5).toEqual(new Uint8Array(createHash('md5').update(png).digest()));
    expect(f.pdq).toBe(encodePdqHash(computePdqHash({ width, height, channels: 3, data: pixels }).hash));

    // A non-image attachment: verified and stored, no PDQ.
    const doc = encryptAttachment(utf8('plain text document'));
    const docId = await uploadBlob(alice, doc.blob);
    const docMsg = await franked(
      groupId,
      alice,
      attachmentContent(docId, doc, { mediaType: 'text/plain', name: 'a.txt' }),
    );
    const docRes = await report(bob, { messages: [docMsg] });
    expect(docRes.status).toBe(201);
    expect((await listReportFiles(p.db.kysely, docRes.body.reportId as string))[0]?.pdq).toBeNull();

    // The reporter points the message at another blob: the commitment no longer opens.
    const photo2 = await franked(groupId, alice, attachmentContent(attachmentId, enc));
    await refused(
      bob,
      { messages: [{ ...photo2, body: b64(attachmentContent(docId, enc)) }] },
      'report.tag_mismatch',
      400,
    );
    // The sender committed to one blob and named another (invisible-salamander style): refused.
    const swapped = await franked(groupId, alice, attachmentContent(docId, enc, { size: doc.size }));
    await refused(bob, { messages: [swapped] }, 'report.attachment_mismatch', 400);
    // The committed key does not open the blob.
    const wrongKey = await franked(
      groupId,
      alice,
      attachmentContent(attachmentId, { ...enc, key: new Uint8Array(randomBytes(32)) }),
    );
    await refused(bob, { messages: [wrongKey] }, 'report.attachment_mismatch', 400);
    // The committed plaintext digest is not the file's.
    const wrongDigest = await franked(
      groupId,
      alice,
      attachmentContent(attachmentId, { ...enc, plaintextSha256: new Uint8Array(randomBytes(32)) }),
    );
    await refused(bob, { messages: [wrongDigest] }, 'report.attachment_mismatch', 400);
    // A blob that is not stored.
    const gone = await franked(groupId, alice, attachmentContent(b64(randomBytes(16)), enc));
    await refused(bob, { messages: [gone] }, 'report.attachment_not_found', 404);
  });

  it('the same report sent 8 times at once is stored once; the others are replays', async () => {
    const m = await franked(groupId, alice, textContent('raced'));
    const results = await Promise.all(Array.from({ length: 8 }, () => report(bob, { messages: [m] })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expectedRejections['report.replayed'] = (expectedRejections['report.replayed'] ?? 0) + 7;
    const stored = await p.db.kysely
      .selectFrom('report_messages as m')
      .innerJoin('reports as r', 'r.id', 'm.report_id')
      .select('m.report_id')
      .where('r.conversation_id', '=', groupId)
      .where('m.server_seq', '=', m.context.serverSeq)
      .execute();
    expect(stored).toHaveLength(1);
  });

  it('refuses a report after the report window, on a server with a short window', async () => {
    const short = await startTestPlatform({ dialect, server: { franking: { reportWindowMs: 1500 } } });
    try {
      const [sender, reporter] = [
        await registerTestAccount(short.url, 'sender'),
        await registerTestAccount(short.url, 'reporter'),
      ];
      const gid = b64(randomBytes(32));
      await short.db.transaction((tx) =>
        createGroup(tx, { groupId: gid, creatorDeviceId: sender.deviceId, now: Date.now() }),
      );
      await short.db.transaction((tx) =>
        applyCommit(tx, {
          groupId: gid,
          senderDeviceId: sender.deviceId,
          clientMessageId: b64(randomBytes(16)),
          commitEpoch: 0,
          commit: new Uint8Array(randomBytes(64)),
          welcome: new Uint8Array(randomBytes(64)),
          addedDevices: [reporter.deviceId],
          removedDevices: [],
          now: Date.now(),
        }),
      );
      const body = textContent('old news');
      const frankingKey = createFrankingKey();
      const commitment = commitMessage({ frankingKey, conversationId: decodeBase64Url(gid), body });
      const key = await short.server.franking.current(Date.now());
      const now = frankingTime(key, Date.now());
      const { seq } = await short.db.transaction((tx) =>
        sendMessage(tx, {
          groupId: gid,
          senderDeviceId: sender.deviceId,
          clientMessageId: b64(randomBytes(16)),
          epoch: 1,
          kind: 'application',
          message: new Uint8Array(randomBytes(100)),
          now,
        }),
      );
      const context = { epoch: 1, senderDeviceId: sender.deviceId, serverSeq: seq, serverTime: now };
      const { keyId, tag } = FrankingKeys.tag(key, commitment, { ...context, conversationId: decodeBase64Url(gid) });
      const opening = {
        body: b64(body),
        frankingKey: b64(frankingKey),
        context: { ...context, conversationId: gid, keyId },
        tag: b64(tag),
      };
      // Only waiting longer makes it later: no race with the machine's speed.
      while (Date.now() <= now + 1500) await new Promise((r) => setTimeout(r, 200));
      const res = await rawRequest<{ error?: { code: string } }>(short.url, 'POST', '/v1/reports', {
        signer: reporter,
        body: { conversationId: gid, category: 'other', messages: [opening] },
      });
      expect([res.status, res.body.error?.code]).toEqual([410, 'report.expired']);
    } finally {
      await short.close();
    }
  });

  it('counted every refusal by its code', async () => {
    const deadline = Date.now() + 20_000;
    let counts = await listReportRejections(p.db.kysely);
    while (JSON.stringify(counts) !== JSON.stringify(sorted(expectedRejections)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      counts = await listReportRejections(p.db.kysely);
    }
    expect(counts).toEqual(expectedRejections);
    expect(Object.keys(counts).length).toBeGreaterThanOrEqual(8);
  });
});

function sorted(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
