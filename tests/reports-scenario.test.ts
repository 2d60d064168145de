/**
 * Issue 7's full scenario, on both storage dialects, with real clients (client-node: SQLite device
 * stores, real MLS, franking), the real server (testkit) and real delivery:
 *
 * a 3-member group; alice sends a text and then a PNG image; bob reports the image (category
 * child_sexual_exploitation, a note, one context message); a plain moderator cannot see the case;
 * child-safety specialist cs1 reveals (audited), claims and escalates to a CyberTipline report,
 * cannot approve it himself, cs2 approves; cs1 then bans the account, cs2 approves; the
 * CyberTipline flow runs against a local endpoint that speaks the documented API shape and
 * validates every document with libxml2 against our XSD (it is NOT NCMEC); the `<report>` is also
 * dropped into a directory; the DSA statement of reasons is dropped into a directory and validates
 * with ajv against our schema; the deliveries and their attempts are recorded; the evidence
 * bundle exports and verifies offline with the served platform key, and its `evidence.bundle` log
 * entry is the bundle's salted commitment only; alice is told the ban and its reason, appeals, the
 * decider and the approver are refused (`moderation.same_decider`), cs3 upholds it, and alice is
 * told the outcome and its reason. Every value checked is computed independently here (MD5,
 * SHA-256 and PDQ of the image from its own pixels).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CYBERTIPLINE_XSD, DSA_STATEMENT_OF_REASONS_SCHEMA, type PlatformInfo } from '@fulcrum/authority-reports';
import type { FulcrumClient, MessageRecord, ModerationNoticeEvent } from '@fulcrum/client';
import { createNodeClient } from '@fulcrum/client-node';
import { isFulcrumError } from '@fulcrum/common';
import { parseEvidencePublicKey, verifyEvidenceBundle } from '@fulcrum/evidence';
import { computePdqHash, encodePdqHash } from '@fulcrum/pdq';
import { addDestination, exportEvidence, grantStaffRole, openEvidenceKey } from '@fulcrum/server';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { decodeLogEntry, EVIDENCE_BUNDLE_ENTRY, evidenceRegistry, MODERATION_EVENT_ENTRY } from '@fulcrum/tlog';
import { Ajv } from 'ajv';
import { encode as encodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';

const PLATFORM: PlatformInfo = {
  name: 'Example Messenger Ltd',
  service: 'Fulcrum',
  reportingPerson: { firstName: 'Trust', lastName: 'Safety', email: 'safety@example.org' },
  legalUrl: 'https://example.org/legal',
  termsUrl: 'https://example.org/terms',
  establishment: 'IE',
};
const TERMS_GROUND = 'Terms of service §4: sexual content involving minors';
const CT_CREDS = 'esp-user:esp-pass';
const hex = (alg: string, b: Uint8Array) => createHash(alg).update(b).digest('hex');

async function xsdValid(xml: string): Promise<boolean> {
  return (await validateXML({ xml: [{ fileName: 'd.xml', contents: xml }], schema: [CYBERTIPLINE_XSD] })).valid;
}

/**
 * A local endpoint in the protocol shape of NCMEC's CyberTipline Reporting API (Basic auth;
 * /submit → reportId, multipart /upload → fileId, /fileinfo, /finish). It keeps what it received
 * and answers 400 to any XML our XSD refuses. A test double of the remote party, not NCMEC.
 */
async function cybertiplineEndpoint() {
  const reports = new Map<
    string,
    { xml: string; files: { name: string; bytes: Buffer; info?: string }[]; finished: boolean }
  >();
  let next = 7000;
  let invalid = 0;
  const ok = (extra: string) =>
    `<?xml version="1.0" encoding="UTF-8"?><reportResponse><responseCode>0</responseCode><responseDescription>Success</responseDescription>${extra}</reportResponse>`;
  const send = (res: ServerResponse, status: number, body: string) => {
    res.statusCode = status;
    res.setHeader('content-type', 'application/xml');
    res.end(body);
  };
  const fail = `<?xml version="1.0" encoding="UTF-8"?><reportResponse><responseCode>4110</responseCode><responseDescription>Error</responseDescription></reportResponse>`;
  const handle = async (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    if (req.headers.authorization !== `Basic ${Buffer.from(CT_CREDS).toString('base64')}`) return send(res, 401, fail);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const form = () =>
      new Request('http://x', {
        method: 'POST',
        headers: { 'content-type': String(req.headers['content-type']) },
        body: new Uint8Array(body),
      }).formData();
    if (path === '/submit' || path === '/fileinfo') {
      const xml = body.toString('utf8');
      if (!(await xsdValid(xml))) {
        invalid++;
        return send(res, 400, fail);
      }
      if (path === '/submit') {
        const id = String(next++);
        reports.set(id, { xml, files: [], finished: false });
        return send(res, 200, ok(`<reportId>${id}</reportId>`));
      }
      const id = /<reportId>([^<]*)<\/reportId>/.exec(xml)?.[1] ?? '';
      const fileId = Number(/<fileId>([^<]*)<\/fileId>/.exec(xml)?.[1]);
      const file = reports.get(id)?.files[fileId];
      if (file === undefined) return send(res, 400, fail);
      file.info = xml;
      return send(res, 200, ok(`<reportId>${id}</reportId>`));
    }
    if (path === '/upload') {
      const f = await form();
      const r = reports.get(String(f.get('id')));
      const file = f.get('file');
      if (r === undefined || !(file instanceof File)) return send(res, 400, fail);
      const bytes = Buffer.from(await file.arrayBuffer());
      r.files.push({ name: file.name, bytes });
      return send(res, 200, ok(`<fileId>${r.files.length - 1}</fileId><hash>${hex('md5', bytes)}</hash>`));
    }
    if (path === '/finish') {
      const id = String((await form()).get('id'));
      const r = reports.get(id);
      if (r === undefined) return send(res, 400, fail);
      r.finished = true;
      const files = r.files.map((_f, i) => `<fileId>${i}</fileId>`).join('');
      return send(
        res,
        200,
        `<?xml version="1.0" encoding="UTF-8"?><reportDoneResponse><responseCode>0</responseCode><reportId>${id}</reportId><files>${files}</files></reportDoneResponse>`,
      );
    }
    return send(res, 404, fail);
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, Buffer.concat(chunks), res).catch(() => send(res, 500, fail));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  const url = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
  return { url, reports, invalid: () => invalid, close: () => new Promise((r) => server.close(r)) };
}

/** A real image: a 96x64 RGB gradient with a block, so PDQ has structure to hash (quality > 0). */
function testImage(): { png: Uint8Array; pdq: string } {
  const width = 96;
  const height = 64;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const block = x > 20 && x < 50 && y > 10 && y < 40;
      data[i] = block ? 20 : (x * 255) / width;
      data[i + 1] = block ? 230 : (y * 255) / height;
      data[i + 2] = (x * y) % 256;
    }
  }
  const { hash, quality } = computePdqHash({ width, height, channels: 3, data });
  expect(quality).toBeGreaterThan(0);
  return { png: encodePng({ width, height, data, channels: 3, depth: 8 }), pdq: encodePdqHash(hash) };
}

function textOf(m: MessageRecord): string {
  return m.content.type === 'text' ? m.content.text : m.content.type;
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeDefined();
  expect(isFulcrumError(err) ? err.code : String(err)).toBe(code);
}

describe.each(['sqlite', 'postgres'] as const)(
  'issue 7 scenario: report → escalation → authorities → evidence → appeal (%s)',
  (dialect) => {
    let p: TestPlatform;
    let ct: Awaited<ReturnType<typeof cybertiplineEndpoint>>;
    const dirs: string[] = [];
    const clients: FulcrumClient[] = [];
    let sorDir: string;
    let ctDropDir: string;
    const notices: ModerationNoticeEvent[] = [];
    let alice: FulcrumClient;
    let bob: FulcrumClient;
    let carol: FulcrumClient;
    let mod: FulcrumClient;
    let cs1: FulcrumClient;
    let cs2: FulcrumClient;
    let cs3: FulcrumClient;
    const suffix = Math.random().toString(36).slice(2, 8);

    async function client(name: string): Promise<FulcrumClient> {
      const dataDir = await mkdtemp(join(tmpdir(), 'fulcrum-scenario-'));
      dirs.push(dataDir);
      const c = await createNodeClient({ server: p.url, dataDir, options: { keyPackageTarget: 4 } });
      clients.push(c);
      await c.register(`${name}-${suffix}`);
      return c;
    }
    const id = (c: FulcrumClient) => c.self?.accountId as string;

    beforeAll(async () => {
      ct = await cybertiplineEndpoint();
      sorDir = await mkdtemp(join(tmpdir(), 'fulcrum-sor-'));
      ctDropDir = await mkdtemp(join(tmpdir(), 'fulcrum-ctdrop-'));
      dirs.push(sorDir, ctDropDir);
      p = await startTestPlatform({
        dialect,
        server: {
          rateLimit: false,
          // The worker's own timer is far away: the test runs delivery passes itself.
          authority: { platform: PLATFORM, termsGround: TERMS_GROUND, env: { CT_CREDS }, intervalMs: 3_600_000 },
        },
      });
      const now = Date.now();
      await addDestination(
        p.db.kysely,
        { kind: 'cybertipline', transport: 'cybertipline_api', target: ct.url, credentialsRef: 'env:CT_CREDS' },
        now,
      );
      await addDestination(p.db.kysely, { kind: 'cybertipline', transport: 'file', target: ctDropDir }, now);
      await addDestination(p.db.kysely, { kind: 'dsa_sor', transport: 'file', target: sorDir }, now);
      alice = await client('alice');
      bob = await client('bob');
      carol = await client('carol');
      mod = await client('mod');
      cs1 = await client('csone');
      cs2 = await client('cstwo');
      cs3 = await client('csthree');
      alice.on('moderation', (n) => notices.push(n));
      // The operator grants the roles on the store (what `fulcrum staff grant` does).
      await p.db.transaction(async (tx) => {
        await grantStaffRole(tx, { accountId: id(mod), role: 'moderator', by: null, now });
        for (const c of [cs1, cs2, cs3])
          await grantStaffRole(tx, { accountId: id(c), role: 'child_safety', by: null, now });
      });
    }, 180_000);

    afterAll(async () => {
      for (const c of clients) await c.close().catch(() => {});
      await p?.close();
      await ct?.close();
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    });

    it('runs the whole flow with concrete values checked at every step', { timeout: 300_000 }, async () => {
      const image = testImage();
      // --- A 3-member group; alice sends a text, then the image. ---
      const groupId = (await alice.createConversation({ members: [`bob-${suffix}`, `carol-${suffix}`] })).groupId;
      await bob.sync();
      await carol.sync();
      await alice.sendText(groupId, 'look at this');
      await alice.sendAttachment(groupId, { data: image.png, name: 'photo.png', mediaType: 'image/png' });
      await bob.sync();
      await carol.sync();
      const atBob = await bob.history(groupId);
      const photo = atBob.find((m) => m.content.type === 'attachment') as MessageRecord;
      expect(photo.content).toMatchObject({ type: 'attachment', name: 'photo.png', size: image.png.length });
      expect((await carol.history(groupId)).map(textOf)).toEqual(['look at this', 'attachment']);

      // --- Bob reports the image with one context message. ---
      const note = 'a sexual image of a child, sent to our group';
      const receipt = await bob.report({
        groupId,
        messageIds: [photo.key],
        category: 'child_sexual_exploitation',
        note,
        contextCount: 1,
      });
      expect(receipt).toMatchObject({ messages: 2, files: 1, blocked: false });
      const reportId = receipt.reportId;
      const file = await p.db.kysely
        .selectFrom('report_files')
        .selectAll()
        .where('report_id', '=', reportId)
        .executeTakeFirstOrThrow();
      expect(Buffer.from(file.md5).toString('hex')).toBe(hex('md5', image.png));
      expect(Buffer.from(file.plaintext_sha256).toString('hex')).toBe(hex('sha256', image.png));
      expect(file.pdq).toBe(image.pdq);

      // --- Moderation: only child-safety staff see the case. ---
      await expectCode(mod.callApi('modCase', { params: { reportId } }), 'moderation.role_required');
      expect((await mod.callApi('modQueue')).cases.map((c) => c.reportId)).not.toContain(reportId);
      const queue = await cs1.callApi('modQueue');
      expect(queue.cases.find((c) => c.reportId === reportId)).toMatchObject({
        category: 'child_sexual_exploitation',
        priority: 0,
        status: 'open',
      });
      const revealed = await cs1.callApi('modReveal', { params: { reportId }, body: {} });
      expect(revealed.note).toBe(note);
      expect(revealed.files[0]?.content).toBe(Buffer.from(image.png).toString('base64url'));
      await cs1.callApi('modClaim', { params: { reportId }, body: {} });
      // cs2 cannot take a case cs1 holds.
      await expectCode(cs2.callApi('modClaim', { params: { reportId }, body: {} }), 'moderation.claimed_by_other');
      const escalation = await cs1.callApi('modDecide', {
        params: { reportId },
        body: { action: 'escalate', reason: 'apparent CSAM: report to NCMEC', kinds: ['cybertipline'] },
      });
      expect(escalation.status).toBe('awaiting_approval');
      await expectCode(
        cs1.callApi('modApprove', {
          params: { decisionId: escalation.decisionId },
          body: { approve: true, reason: 'me' },
        }),
        'moderation.self_approval',
      );
      // Nothing is built before the second pair of eyes approves.
      expect(await p.server.authority.listDeliveries(reportId)).toEqual([]);
      const approved = await cs2.callApi('modApprove', {
        params: { decisionId: escalation.decisionId },
        body: { approve: true, reason: 'confirmed: apparent CSAM' },
      });
      expect(approved).toMatchObject({ status: 'effective', approvedBy: id(cs2) });

      // --- The sanction after the escalation: a ban, also four eyes. ---
      const banReason = 'Sharing sexual images of a child (terms of service §4)';
      await cs1.callApi('modClaim', { params: { reportId }, body: {} });
      const ban = await cs1.callApi('modDecide', { params: { reportId }, body: { action: 'ban', reason: banReason } });
      expect(ban.status).toBe('awaiting_approval');
      await cs2.callApi('modApprove', {
        params: { decisionId: ban.decisionId },
        body: { approve: true, reason: 'agreed' },
      });
      // The ban is in force in the auth path.
      await expectCode(alice.callApi('countKeyPackages'), 'account.banned');
      await expectCode(alice.sendText(groupId, 'still here?'), 'client.not_allowed'); // the server refused it

      // --- Delivery: the worker sends what the decisions queued. ---
      for (let pass = 0; pass < 10; pass++) {
        const ds = await p.server.authority.listDeliveries(reportId);
        if (ds.length === 3 && ds.every((d) => d.state === 'delivered')) break;
        await p.server.authority.runDueOnce();
      }
      const deliveries = await p.server.authority.listDeliveries(reportId);
      expect(deliveries.map((d) => d.state)).toEqual(['delivered', 'delivered', 'delivered']);
      const api = deliveries.find((d) => d.remoteReportId !== null && d.remoteReportId !== undefined);
      expect(api?.responseStatus).toBe(200);

      // CyberTipline: the report, the image and the verified messages, each document XSD-valid.
      expect(ct.invalid()).toBe(0);
      expect(ct.reports.size).toBe(1);
      const sent = ct.reports.get(api?.remoteReportId as string);
      expect(sent?.finished).toBe(true);
      expect(await xsdValid(sent?.xml as string)).toBe(true);
      expect(sent?.xml).toContain(
        '<incidentType>Child Pornography (possession, manufacture, and distribution)</incidentType>',
      );
      expect(sent?.xml).toContain(`<espIdentifier>${id(alice)}</espIdentifier>`);
      expect(sent?.xml).toContain(`<screenName>alice-${suffix}</screenName>`);
      const [imageUpload, messagesUpload] = sent?.files ?? [];
      expect(imageUpload?.bytes.equals(Buffer.from(image.png))).toBe(true);
      expect(imageUpload?.name).toBe('photo.png');
      const info = imageUpload?.info as string;
      expect(await xsdValid(info)).toBe(true);
      expect(info).toContain(`<originalFileHash hashType="MD5">${hex('md5', image.png)}</originalFileHash>`);
      expect(info).toContain(`<originalFileHash hashType="SHA256">${hex('sha256', image.png)}</originalFileHash>`);
      expect(info).toContain(`<originalFileHash hashType="PDQ">${image.pdq}</originalFileHash>`);
      expect(messagesUpload?.name).toBe('verified-messages.json');
      const verified = JSON.parse(messagesUpload?.bytes.toString('utf8') as string);
      expect(verified.messages.map((m: { role: string }) => m.role)).toEqual(['context', 'reported']);
      // The same <report> in the file drop, identical to what the API received.
      const ctFiles = await readdir(ctDropDir);
      expect(ctFiles).toHaveLength(1);
      expect(await readFile(join(ctDropDir, ctFiles[0] as string), 'utf8')).toBe(sent?.xml);

      // DSA statement of reasons: schema-valid, names the ground, carries no ids and no content.
      const sorFiles = await readdir(sorDir);
      expect(sorFiles).toHaveLength(1);
      const sorText = await readFile(join(sorDir, sorFiles[0] as string), 'utf8');
      const sor = JSON.parse(sorText);
      const ajv = new Ajv({ allErrors: true, strictRequired: false, allowUnionTypes: true });
      const sorValid = ajv.compile(DSA_STATEMENT_OF_REASONS_SCHEMA as unknown as object);
      expect(sorValid(sor), JSON.stringify(sorValid.errors)).toBe(true);
      expect(sor).toMatchObject({
        decision_account: 'DECISION_ACCOUNT_TERMINATED',
        decision_ground: 'DECISION_GROUND_INCOMPATIBLE_CONTENT',
        incompatible_content_ground: TERMS_GROUND,
        incompatible_content_illegal: 'Yes',
        category: 'STATEMENT_CATEGORY_PROTECTION_OF_MINORS',
        category_specification: ['KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL'],
        puid: ban.decisionId,
      });
      for (const secret of [id(alice), id(bob), reportId, `alice-${suffix}`, 'look at this', banReason, note]) {
        expect(sorText).not.toContain(secret);
      }
      // Every request is recorded with what came back.
      const attempts = await p.db.kysely
        .selectFrom('authority_delivery_attempts')
        .select(['delivery_id', 'step', 'response_status', 'error'])
        .where(
          'delivery_id',
          'in',
          deliveries.map((d) => d.id),
        )
        .orderBy('delivery_id')
        .orderBy('seq')
        .execute();
      expect(
        attempts.filter((a) => a.delivery_id === api?.id).map((a) => [a.step, a.response_status, a.error]),
      ).toEqual([
        ['submit', 200, null],
        ['upload:1', 200, null],
        ['fileinfo:1', 200, null],
        ['upload:messages', 200, null],
        ['fileinfo:messages', 200, null],
        ['finish', 200, null],
      ]);
      expect(attempts.filter((a) => a.step === 'file').map((a) => a.error)).toEqual([null, null]);

      // --- Evidence: the bundle verifies offline with the served key; its log entry is the commitment. ---
      const evidenceKey = await openEvidenceKey(p.db, Date.now());
      const exported = await exportEvidence(p.db, evidenceKey, {
        reportId,
        exportedBy: 'operator:test',
        now: Date.now(),
      });
      const servedKey = parseEvidencePublicKey(await (await fetch(`${p.url}/v1/evidence/key`)).text());
      const bundle = verifyEvidenceBundle(exported.bytes, servedKey);
      expect(bundle.openingsVerified).toBe(2);
      const imageEntry = bundle.manifest.files.find((f) => f.mediaType === 'image/png');
      expect(imageEntry?.sha256).toBe(hex('sha256', image.png));
      expect(imageEntry?.size).toBe(image.png.length);
      const imageFile = bundle.files.find((f) => f.name === imageEntry?.name);
      expect(Buffer.from(imageFile?.content ?? new Uint8Array()).equals(Buffer.from(image.png))).toBe(true);
      expect(bundle.manifest.metadata).toMatchObject({
        report: { id: reportId, category: 'child_sexual_exploitation', reportedAccountId: id(alice) },
        decisions: [
          { action: 'escalate', decidedBy: id(cs1), approvedBy: id(cs2), status: 'effective' },
          { action: 'ban', reason: banReason, decidedBy: id(cs1), approvedBy: id(cs2), status: 'effective' },
        ],
      });
      const logRow = await p.db.kysely
        .selectFrom('log_entries')
        .select(['entry'])
        .where('idx', '=', exported.logIndex)
        .executeTakeFirstOrThrow();
      const logEntry = evidenceRegistry().decode(new Uint8Array(logRow.entry));
      expect(logEntry.kind).toBe(EVIDENCE_BUNDLE_ENTRY.kind);
      expect(logEntry.body).toEqual(bundle.commitment);
      const entryBytes = Buffer.from(logRow.entry);
      for (const h of [hex('sha256', image.png), hex('md5', image.png), image.pdq]) {
        expect(entryBytes.includes(Buffer.from(h, 'hex'))).toBe(false);
      }
      // One flipped byte of the image in the bundle: refused offline.
      const tampered = new Uint8Array(exported.bytes);
      tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
      expect(() => verifyEvidenceBundle(tampered, servedKey)).toThrow();

      // --- The affected user: told the ban and its reason, appeals, another moderator decides. ---
      await alice.sync();
      expect(notices.map((n) => [n.action, n.reason, n.decisionId])).toEqual([['ban', banReason, ban.decisionId]]);
      const listed = await alice.callApi('listNotices');
      expect(listed.notices.map((n) => [n.action, n.reason])).toEqual([['ban', banReason]]);
      const appeal = await alice.callApi('fileAppeal', {
        body: { decisionId: ban.decisionId, statement: 'The image was sent by mistake' },
      });
      const open = await cs3.callApi('modAppeals');
      expect(open.appeals.map((a) => a.appeal.appealId)).toContain(appeal.appealId);
      const outcomeReason = 'The image is CSAM; the ban stands';
      for (const same of [cs1, cs2]) {
        await expectCode(
          same.callApi('modDecideAppeal', {
            params: { appealId: appeal.appealId },
            body: { outcome: 'overturn', reason: 'I changed my mind' },
          }),
          'moderation.same_decider',
        );
      }
      const decided = await cs3.callApi('modDecideAppeal', {
        params: { appealId: appeal.appealId },
        body: { outcome: 'uphold', reason: outcomeReason },
      });
      expect(decided).toMatchObject({ status: 'upheld', outcomeReason });
      await alice.sync();
      expect(notices.map((n) => [n.action, n.reason])).toEqual([
        ['ban', banReason],
        ['appeal.uphold', outcomeReason],
      ]);
      await expectCode(alice.callApi('countKeyPackages'), 'account.banned');

      // --- Audit: every step a row and a moderation.event log entry (action and role only). ---
      const audit = await p.db.kysely
        .selectFrom('moderation_audit')
        .select(['action', 'actor_role', 'log_index'])
        .where('report_id', '=', reportId)
        .orderBy('log_index')
        .execute();
      expect(audit.map((a) => a.action)).toEqual(
        expect.arrayContaining(['reveal', 'claim', 'decide.escalate', 'approve', 'decide.ban']),
      );
      const modEntries = await p.db.kysely
        .selectFrom('log_entries')
        .select(['idx', 'entry'])
        .where(
          'idx',
          'in',
          audit.map((a) => a.log_index as number),
        )
        .execute();
      expect(modEntries).toHaveLength(audit.length);
      for (const e of modEntries) {
        expect(decodeLogEntry(new Uint8Array(e.entry)).kind).toBe(MODERATION_EVENT_ENTRY.kind);
        const text = Buffer.from(e.entry).toString('latin1');
        for (const s of [id(alice), id(bob), id(cs1), reportId]) expect(text).not.toContain(s);
      }
    });
  },
);
