/**
 * Reports to authorities (src/authority), on both storage dialects: moderation's decisions enqueue
 * payloads (built from the report tables), and the delivery worker sends them by file drop, HTTPS
 * POST and the CyberTipline API flow, with retries, backoff and idempotency, keeping a record of
 * every request and what came back.
 *
 * The CyberTipline endpoint here is a TEST SERVER written for this file: it speaks the protocol
 * shape of NCMEC's published Reporting API (Basic auth; POST /submit with a <report> document →
 * <reportResponse> with reportId; multipart /upload with id and file → fileId and MD5; /fileinfo
 * with <fileDetails>; /finish and /retract with id) and validates what it receives against our
 * XSD. It is not NCMEC's test environment, which needs credentials we do not have.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CYBERTIPLINE_XSD,
  DSA_STATEMENT_OF_REASONS_SCHEMA,
  ART18_NOTIFICATION_SCHEMA,
  type PlatformInfo,
} from '@fulcrum/authority-reports';
import type { Clock } from '@fulcrum/common';
import { addDestination, disableDestination, listDestinations } from '@fulcrum/server';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { ModerationService } from '../src/moderation/service.js';
import { grantStaffRole } from '../src/moderation/staff.js';
import { insertVerifiedReport } from '../src/reports/store.js';

const PLATFORM: PlatformInfo = {
  name: 'Example Messenger Ltd',
  service: 'Fulcrum',
  reportingPerson: { firstName: 'Trust', lastName: 'Safety', email: 'safety@example.org' },
  legalUrl: 'https://example.org/legal',
  termsUrl: 'https://example.org/terms',
  establishment: 'IE',
};

class TestClock implements Clock {
  t = Date.UTC(2026, 10, 25, 12, 0, 0);
  now(): number {
    return this.t;
  }
}

const enc = new TextEncoder();
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]);
const digest = (alg: string, b: Uint8Array) => new Uint8Array(createHash(alg).update(b).digest());

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function listen(
  handler: (req: IncomingMessage, body: Buffer, res: ServerResponse) => Promise<void>,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => handler(req, body, res))
      .catch(() => {
        res.statusCode = 500;
        res.end();
      });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  const port = typeof a === 'object' && a !== null ? a.port : 0;
  return { server, url: `http://127.0.0.1:${port}` };
}

async function xsdValid(xml: string): Promise<boolean> {
  const r = await validateXML({ xml: [{ fileName: 'd.xml', contents: xml }], schema: [CYBERTIPLINE_XSD] });
  return r.valid;
}

/** The test CyberTipline server (see the file header). */
function cybertiplineTestServer() {
  const state = {
    calls: [] as string[],
    reports: new Map<
      string,
      {
        xml: string;
        files: Map<string, { name: string; bytes: Buffer; info?: string }>;
        finished: boolean;
        retracted: boolean;
      }
    >(),
    failNext: new Map<string, { status: number; code?: number }>(),
    invalidXml: 0,
    next: 1000,
  };
  const auth = `Basic ${Buffer.from('esp-user:esp-pass').toString('base64')}`;
  const respond = (res: ServerResponse, status: number, xml: string) => {
    res.statusCode = status;
    res.setHeader('content-type', 'application/xml');
    res.end(`<?xml version="1.0" encoding="UTF-8"?>${xml}`);
  };
  const resp = (code: number, extra = '') =>
    `<reportResponse><responseCode>${code}</responseCode><responseDescription>${code === 0 ? 'Success' : 'Error'}</responseDescription>${extra}</reportResponse>`;
  const handler = async (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    state.calls.push(path);
    if (req.headers.authorization !== auth) return respond(res, 401, resp(2000));
    const fail = state.failNext.get(path);
    if (fail !== undefined) {
      state.failNext.delete(path);
      return respond(res, fail.status, resp(fail.code ?? 1000));
    }
    const form = async () =>
      new Request('http://x', {
        method: 'POST',
        headers: { 'content-type': String(req.headers['content-type']) },
        body: new Uint8Array(body),
      }).formData();
    if (path === '/submit') {
      const xml = body.toString('utf8');
      if (!(await xsdValid(xml))) {
        state.invalidXml++;
        return respond(res, 400, resp(4110));
      }
      const id = String(state.next++);
      state.reports.set(id, { xml, files: new Map(), finished: false, retracted: false });
      return respond(res, 200, resp(0, `<reportId>${id}</reportId>`));
    }
    if (path === '/upload') {
      const f = await form();
      const id = String(f.get('id'));
      const file = f.get('file');
      const r = state.reports.get(id);
      if (r === undefined) return respond(res, 200, resp(5001));
      if (!(file instanceof File)) return respond(res, 200, resp(4200));
      const bytes = Buffer.from(await file.arrayBuffer());
      const fileId = createHash('md5').update(`${id}/${r.files.size}`).digest('hex');
      r.files.set(fileId, { name: file.name, bytes });
      const md5 = createHash('md5').update(bytes).digest('hex');
      return respond(res, 200, resp(0, `<reportId>${id}</reportId><fileId>${fileId}</fileId><hash>${md5}</hash>`));
    }
    if (path === '/fileinfo') {
      const xml = body.toString('utf8');
      if (!(await xsdValid(xml))) {
        state.invalidXml++;
        return respond(res, 400, resp(4110));
      }
      const id = /<reportId>([^<]*)<\/reportId>/.exec(xml)?.[1] ?? '';
      const fileId = /<fileId>([^<]*)<\/fileId>/.exec(xml)?.[1] ?? '';
      const file = state.reports.get(id)?.files.get(fileId);
      if (file === undefined) return respond(res, 200, resp(5002));
      file.info = xml;
      return respond(res, 200, resp(0, `<reportId>${id}</reportId>`));
    }
    if (path === '/finish' || path === '/retract') {
      const id = String((await form()).get('id'));
      const r = state.reports.get(id);
      if (r === undefined) return respond(res, 200, resp(5001));
      if (path === '/retract') {
        if (r.finished) return respond(res, 200, resp(5102));
        r.retracted = true;
        return respond(res, 200, resp(0, `<reportId>${id}</reportId>`));
      }
      if (r.retracted) return respond(res, 200, resp(5101));
      r.finished = true;
      const files = [...r.files.keys()].map((k) => `<fileId>${k}</fileId>`).join('');
      return respond(
        res,
        200,
        `<reportDoneResponse><responseCode>0</responseCode><reportId>${id}</reportId><files>${files}</files></reportDoneResponse>`,
      );
    }
    return respond(res, 404, resp(1210));
  };
  return { state, handler };
}

describe.each(['sqlite', 'postgres'] as const)('authority reports (%s)', (dialect) => {
  let p: TestPlatform;
  const clock = new TestClock();
  let dropDir: string;
  let moderation: ModerationService;
  const ajv = new Ajv({ allErrors: true, strictRequired: false, allowUnionTypes: true });
  const sorValid = ajv.compile(DSA_STATEMENT_OF_REASONS_SCHEMA as unknown as object);
  const art18Valid = ajv.compile(ART18_NOTIFICATION_SCHEMA as unknown as object);
  const env: Record<string, string> = { CT_CREDS: 'esp-user:esp-pass', DSA_TOKEN: 'tok-123' };

  beforeAll(async () => {
    dropDir = await mkdtemp(join(tmpdir(), 'fulcrum-drop-'));
    p = await startTestPlatform({
      dialect,
      server: {
        clock,
        authority: { platform: PLATFORM, env, intervalMs: 3_600_000, backoffBaseMs: 1000, maxAttempts: 4 },
      },
    });
    moderation = new ModerationService({ authority: p.server.authority });
    const t = clock.now();
    await p.db.transaction(async (tx) => {
      for (const [id, name] of [
        ['acc_reporter', 'reporter'],
        ['acc_offender', 'offender'],
        ['acc_cs1', 'specialist1'],
        ['acc_cs2', 'specialist2'],
      ] as const) {
        await tx.db
          .insertInto('accounts')
          .values({ account_id: id, name, identity_key: new Uint8Array(32), created_at: t })
          .execute();
      }
      await grantStaffRole(tx, { accountId: 'acc_cs1', role: 'child_safety', by: null, now: t });
      await grantStaffRole(tx, { accountId: 'acc_cs2', role: 'child_safety', by: null, now: t });
    });
  });

  afterAll(async () => {
    await p?.close();
    await rm(dropDir, { recursive: true, force: true });
  });

  async function newReport(
    id: string,
    category: 'child_sexual_exploitation' | 'harassment',
    seqBase: number,
  ): Promise<void> {
    const t = clock.now();
    await p.db.transaction(async (tx) => {
      await insertVerifiedReport(tx, {
        id,
        reporterAccountId: 'acc_reporter',
        reporterDeviceId: 'dev_r',
        reportedAccountId: 'acc_offender',
        conversationId: `grp_${id}`,
        category,
        note: 'he sent <this> & "that"',
        createdAt: t,
        retainUntil: t + 90 * 86_400_000,
        messages: [
          {
            role: 'context',
            senderAccountId: 'acc_reporter',
            senderDeviceId: 'dev_r',
            serverSeq: seqBase,
            epoch: 1,
            serverTime: t - 60_000,
            keyId: 'k1',
            body: enc.encode(JSON.stringify({ text: 'hi', type: 'text', v: 1 })),
            frankingKey: new Uint8Array(32),
            commitment: new Uint8Array(32),
            tag: new Uint8Array(32),
          },
          {
            role: 'reported',
            senderAccountId: 'acc_offender',
            senderDeviceId: 'dev_o',
            serverSeq: seqBase + 1,
            epoch: 1,
            serverTime: t - 30_000,
            keyId: 'k1',
            body: enc.encode(
              JSON.stringify({
                attachmentId: 'att1',
                blobSha256: 'x',
                key: 'x',
                mediaType: 'image/png',
                name: 'img.png',
                plaintextSha256: 'x',
                size: PNG.length,
                type: 'attachment',
                v: 1,
              }),
            ),
            frankingKey: new Uint8Array(32),
            commitment: new Uint8Array(32),
            tag: new Uint8Array(32),
          },
        ],
        files: [
          {
            position: 1,
            attachmentId: 'att1',
            mediaType: 'image/png',
            name: 'img.png',
            size: PNG.length,
            plaintextSha256: digest('sha256', PNG),
            blobSha256: digest('sha256', enc.encode('blob')),
            md5: digest('md5', PNG),
            pdq: 'a'.repeat(64),
            content: PNG,
          },
        ],
      });
    });
  }

  /** A specialist escalates (kinds) and a second approves; then the other suspends (dsa_sor). */
  async function escalateAndApprove(reportId: string, kinds: Array<'cybertipline' | 'art18'>): Promise<void> {
    const t = clock.now();
    const d = await p.db.transaction(async (tx) => {
      await moderation.claim(tx, 'acc_cs1', reportId, t);
      await moderation.reveal(tx, 'acc_cs1', reportId, t);
      return moderation.decide(tx, 'acc_cs1', reportId, { action: 'escalate', reason: 'Apparent CSAM.', kinds }, t);
    });
    await p.db.transaction((tx) =>
      moderation.approve(tx, 'acc_cs2', d.decisionId, { approve: true, reason: 'Agreed.' }, t),
    );
  }

  test('decisions enqueue payloads that validate; a second enqueue adds nothing; unbuildable kinds are recorded', async () => {
    const dst = await addDestination(p.db.kysely, { kind: 'art18', transport: 'file', target: dropDir }, clock.now());
    await newReport('rpt_enqueue', 'child_sexual_exploitation', 100);
    await escalateAndApprove('rpt_enqueue', ['cybertipline', 'art18']);
    const rows = await p.db.kysely
      .selectFrom('authority_reports')
      .selectAll()
      .where('report_id', '=', 'rpt_enqueue')
      .execute();
    expect(rows.map((r) => r.kind).sort()).toEqual(['art18', 'cybertipline']);
    const ct = rows.find((r) => r.kind === 'cybertipline')!;
    expect(ct.build_error).toBeNull();
    expect(await xsdValid(ct.payload!)).toBe(true);
    expect(ct.payload).toContain('<screenName>offender</screenName>');
    const a18 = rows.find((r) => r.kind === 'art18')!;
    expect(art18Valid(JSON.parse(a18.payload!)), JSON.stringify(art18Valid.errors)).toBe(true);
    // Only art18 had a destination: one delivery.
    const deliveries = await p.server.authority.listDeliveries('rpt_enqueue');
    expect(deliveries.map((d) => [d.kind, d.destinationId, d.state])).toEqual([['art18', dst.id, 'pending']]);
    // Again (a retried transaction): nothing new.
    await p.db.transaction((tx) =>
      p.server.authority.enqueue(tx, { reportId: 'rpt_enqueue', kinds: ['cybertipline', 'art18'] }),
    );
    expect(
      await p.db.kysely.selectFrom('authority_reports').select('id').where('report_id', '=', 'rpt_enqueue').execute(),
    ).toHaveLength(2);

    // A harassment suspension: a statement of reasons that validates; a CyberTipline report for
    // it cannot be built, which is recorded (code), not thrown into moderation's transaction.
    await newReport('rpt_harass', 'harassment', 200);
    const t = clock.now();
    await p.db.transaction(async (tx) => {
      await moderation.claim(tx, 'acc_cs1', 'rpt_harass', t);
      await moderation.decide(
        tx,
        'acc_cs1',
        'rpt_harass',
        { action: 'suspend', reason: 'Harassment.', durationMs: 7 * 86_400_000 },
        t,
      );
    });
    const sor = await p.db.kysely
      .selectFrom('authority_reports')
      .selectAll()
      .where('report_id', '=', 'rpt_harass')
      .where('kind', '=', 'dsa_sor')
      .executeTakeFirstOrThrow();
    const statement = JSON.parse(sor.payload!);
    expect(sorValid(statement), JSON.stringify(sorValid.errors)).toBe(true);
    expect(statement.decision_account).toBe('DECISION_ACCOUNT_SUSPENDED');
    expect(sor.payload).not.toContain('acc_offender');
    const r = await p.db.transaction((tx) =>
      p.server.authority.enqueue(tx, { reportId: 'rpt_harass', kinds: ['cybertipline'] }),
    );
    expect(r.built).toEqual([
      expect.objectContaining({ kind: 'cybertipline', buildError: 'authority.unsupported_category', deliveries: 0 }),
    ]);
    // Disabling a destination queues nothing new to it; its pending delivery is cancelled explicitly.
    await disableDestination(p.db.kysely, dst.id);
    expect(await p.server.authority.cancelDelivery(deliveries[0]!.id)).toBe('cancelled');
    expect(await p.server.authority.runDueOnce()).toBe(0);
  });

  test('file drop: the payload appears whole under its idempotency key; a failed drop leaves no partial file', async () => {
    const dir = join(dropDir, 'sor');
    const dst = await addDestination(p.db.kysely, { kind: 'dsa_sor', transport: 'file', target: dir }, clock.now());
    await newReport('rpt_file', 'harassment', 300);
    const t = clock.now();
    await p.db.transaction(async (tx) => {
      await moderation.claim(tx, 'acc_cs1', 'rpt_file', t);
      await moderation.decide(tx, 'acc_cs1', 'rpt_file', { action: 'restrict', reason: 'Spam links.' }, t);
    });
    // The directory does not exist yet: the attempt fails, retryably, and leaves nothing.
    expect(await p.server.authority.runDueOnce()).toBe(1);
    let [d] = await p.server.authority.listDeliveries('rpt_file');
    expect(d).toMatchObject({ state: 'pending', attempts: 1, lastError: 'authority.unavailable' });
    await mkdir(dir);
    clock.t += 1000; // the first backoff
    expect(await p.server.authority.runDueOnce()).toBe(1);
    [d] = await p.server.authority.listDeliveries('rpt_file');
    expect(d).toMatchObject({ state: 'delivered', attempts: 2, responseStatus: 0 });
    const files = await readdir(dir);
    expect(files).toEqual([`${d!.idempotencyKey}.json`]);
    const payload = await p.db.kysely
      .selectFrom('authority_reports')
      .select('payload')
      .where('id', '=', d!.authorityReportId)
      .executeTakeFirstOrThrow();
    expect(await readFile(join(dir, files[0]!), 'utf8')).toBe(payload.payload);
    expect(d!.responseDigest).toBe(createHash('sha256').update(payload.payload!).digest('hex'));
    // Delivered deliveries are not sent again.
    clock.t += 10_000;
    expect(await p.server.authority.runDueOnce()).toBe(0);
    const attempts = await p.db.kysely
      .selectFrom('authority_delivery_attempts')
      .selectAll()
      .where('delivery_id', '=', d!.id)
      .orderBy('seq')
      .execute();
    expect(attempts.map((a) => [a.step, a.error])).toEqual([
      ['file', 'authority.unavailable'],
      ['file', null],
    ]);
    await disableDestination(p.db.kysely, dst.id);
  });

  test('HTTPS POST: a 500 then success delivers exactly once (same Idempotency-Key), with the record kept', async () => {
    const received = new Map<string, string>();
    const keys: string[] = [];
    let fails = 1;
    const { server, url } = await listen(async (req, body, res) => {
      const key = String(req.headers['idempotency-key']);
      keys.push(key);
      if (req.headers.authorization !== 'Bearer tok-123') {
        res.statusCode = 401;
        return void res.end();
      }
      if (fails-- > 0) {
        res.statusCode = 500;
        return void res.end('oops');
      }
      if (!received.has(key)) received.set(key, body.toString('utf8'));
      res.statusCode = 201;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ uuid: 'sor-1' }));
    });
    try {
      const dst = await addDestination(
        p.db.kysely,
        { kind: 'dsa_sor', transport: 'https', target: `${url}/api/v1/statement`, credentialsRef: 'env:DSA_TOKEN' },
        clock.now(),
      );
      await newReport('rpt_https', 'harassment', 400);
      const t = clock.now();
      await p.db.transaction(async (tx) => {
        await moderation.claim(tx, 'acc_cs1', 'rpt_https', t);
        await moderation.decide(tx, 'acc_cs1', 'rpt_https', { action: 'suspend', reason: 'Threats.' }, t);
      });
      expect(await p.server.authority.runDueOnce()).toBe(1);
      let [d] = await p.server.authority.listDeliveries('rpt_https');
      expect(d).toMatchObject({
        state: 'pending',
        attempts: 1,
        responseStatus: 500,
        lastError: 'authority.unavailable',
      });
      expect(d!.nextAttemptAt).toBe(clock.t + 1000);
      // Not due before the backoff has passed.
      expect(await p.server.authority.runDueOnce()).toBe(0);
      clock.t += 1000;
      expect(await p.server.authority.runDueOnce()).toBe(1);
      [d] = await p.server.authority.listDeliveries('rpt_https');
      expect(d).toMatchObject({ state: 'delivered', attempts: 2, responseStatus: 201, lastError: null });
      expect(keys).toEqual([d!.idempotencyKey, d!.idempotencyKey]);
      expect(received.size).toBe(1);
      expect(sorValid(JSON.parse([...received.values()][0]!))).toBe(true);
      expect(d!.responseDigest).toBe(
        createHash('sha256')
          .update(JSON.stringify({ uuid: 'sor-1' }))
          .digest('hex'),
      );
      await disableDestination(p.db.kysely, dst.id);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('HTTPS to a DSA-like endpoint: a lost answer, then 422 "puid not unique" for our own puid, is one delivery', async () => {
    // Like the Transparency Database: one statement per puid; a repeat gets 422 with existing.puid.
    const statements = new Map<string, string>();
    let loseAnswer = true;
    const { server, url } = await listen(async (_req, body, res) => {
      const s = JSON.parse(body.toString('utf8')) as { puid: string };
      res.setHeader('content-type', 'application/json');
      if (statements.has(s.puid)) {
        res.statusCode = 422;
        const message = 'The identifier given is not unique within this platform.';
        return void res.end(JSON.stringify({ message, errors: { puid: [message] }, existing: { puid: s.puid } }));
      }
      statements.set(s.puid, body.toString('utf8'));
      if (loseAnswer) {
        loseAnswer = false;
        res.statusCode = 502; // stored, but the answer never reaches the sender
        return void res.end();
      }
      res.statusCode = 201;
      res.end(JSON.stringify({ puid: s.puid }));
    });
    try {
      const dst = await addDestination(
        p.db.kysely,
        { kind: 'dsa_sor', transport: 'https', target: `${url}/api/v1/statement`, credentialsRef: 'env:DSA_TOKEN' },
        clock.now(),
      );
      await newReport('rpt_puid', 'harassment', 450);
      const t = clock.now();
      await p.db.transaction(async (tx) => {
        await moderation.claim(tx, 'acc_cs1', 'rpt_puid', t);
        await moderation.decide(tx, 'acc_cs1', 'rpt_puid', { action: 'ban', reason: 'Threats.' }, t);
      });
      // A ban waits for a second pair of eyes.
      const pendingBan = await p.db.kysely
        .selectFrom('moderation_decisions')
        .select('id')
        .where('report_id', '=', 'rpt_puid')
        .executeTakeFirstOrThrow();
      await p.db.transaction((tx) =>
        moderation.approve(tx, 'acc_cs2', pendingBan.id, { approve: true, reason: 'Yes.' }, t),
      );
      expect(await p.server.authority.runDueOnce()).toBe(1);
      let [d] = await p.server.authority.listDeliveries('rpt_puid');
      expect(d).toMatchObject({ state: 'pending', responseStatus: 502 });
      clock.t += 1000;
      expect(await p.server.authority.runDueOnce()).toBe(1);
      [d] = await p.server.authority.listDeliveries('rpt_puid');
      expect(d).toMatchObject({ state: 'delivered', attempts: 2, responseStatus: 422, lastError: null });
      expect(statements.size).toBe(1);
      await disableDestination(p.db.kysely, dst.id);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('CyberTipline API flow: submit, upload, fileinfo, finish; a failed step resumes without a second report', async () => {
    const ct = cybertiplineTestServer();
    const { server, url } = await listen(ct.handler);
    try {
      const dst = await addDestination(
        p.db.kysely,
        { kind: 'cybertipline', transport: 'cybertipline_api', target: url, credentialsRef: 'env:CT_CREDS' },
        clock.now(),
      );
      await newReport('rpt_ct', 'child_sexual_exploitation', 500);
      ct.state.failNext.set('/fileinfo', { status: 500, code: 1000 });
      await escalateAndApprove('rpt_ct', ['cybertipline']);
      expect(await p.server.authority.runDueOnce()).toBe(1);
      let [d] = await p.server.authority.listDeliveries('rpt_ct');
      expect(d).toMatchObject({ state: 'pending', attempts: 1, lastError: 'authority.unavailable' });
      expect(d!.remoteReportId).toBe('1000');
      expect(ct.state.calls).toEqual(['/submit', '/upload', '/fileinfo']);
      clock.t += 1000;
      expect(await p.server.authority.runDueOnce()).toBe(1);
      [d] = await p.server.authority.listDeliveries('rpt_ct');
      expect(d).toMatchObject({ state: 'delivered', attempts: 2, remoteReportId: '1000', responseStatus: 200 });
      // Resumed at fileinfo: one submit, one upload in all.
      expect(ct.state.calls).toEqual([
        '/submit',
        '/upload',
        '/fileinfo',
        '/fileinfo',
        '/upload',
        '/fileinfo',
        '/finish',
      ]);
      expect(ct.state.invalidXml).toBe(0);
      const report = ct.state.reports.get('1000')!;
      expect(report.finished).toBe(true);
      const [file, messagesFile] = [...report.files.values()];
      expect(messagesFile!.name).toBe('verified-messages.json');
      const evidence = JSON.parse(messagesFile!.bytes.toString('utf8'));
      expect(evidence.messages.map((m: { role: string; serverSeq: number }) => [m.role, m.serverSeq])).toEqual([
        ['context', 500],
        ['reported', 501],
      ]);
      expect(messagesFile!.info).toContain(
        `<originalFileHash hashType="SHA256">${createHash('sha256').update(messagesFile!.bytes).digest('hex')}</originalFileHash>`,
      );
      expect(file!.bytes.equals(Buffer.from(PNG))).toBe(true);
      expect(file!.info).toContain(
        `<originalFileHash hashType="MD5">${createHash('md5').update(PNG).digest('hex')}</originalFileHash>`,
      );
      expect(file!.info).toContain(`<originalFileHash hashType="PDQ">${'a'.repeat(64)}</originalFileHash>`);
      const steps = await p.db.kysely
        .selectFrom('authority_delivery_attempts')
        .selectAll()
        .where('delivery_id', '=', d!.id)
        .orderBy('seq')
        .execute();
      expect(steps.map((s) => [s.step, s.response_status, s.error])).toEqual([
        ['submit', 200, null],
        ['upload:1', 200, null],
        ['fileinfo:1', 500, 'authority.unavailable'],
        ['fileinfo:1', 200, null],
        ['upload:messages', 200, null],
        ['fileinfo:messages', 200, null],
        ['finish', 200, null],
      ]);

      // Retention deletes the report's content: the payloads that carry it go too (no delivery is
      // pending), their digest stays; the delivery record stays.
      const built = await p.db.kysely
        .selectFrom('authority_reports')
        .selectAll()
        .where('report_id', '=', 'rpt_ct')
        .executeTakeFirstOrThrow();
      expect(built.payload_sha256).toBe(createHash('sha256').update(built.payload!).digest('hex'));
      await p.db.kysely
        .updateTable('reports')
        .set({ content_deleted_at: clock.t })
        .where('id', '=', 'rpt_ct')
        .execute();
      expect(await p.server.authority.purgeDeletedContent()).toBe(1);
      const purged = await p.db.kysely
        .selectFrom('authority_reports')
        .selectAll()
        .where('report_id', '=', 'rpt_ct')
        .executeTakeFirstOrThrow();
      expect(purged).toMatchObject({
        payload: null,
        payload_sha256: built.payload_sha256,
        payload_deleted_at: clock.t,
      });
      expect((await p.server.authority.listDeliveries('rpt_ct'))[0]!.state).toBe('delivered');

      // A sender that died mid-flow (lease held, not expired) is left alone; once its lease has
      // expired the delivery is taken again and resumes after the stored reportId.
      await newReport('rpt_ct3', 'child_sexual_exploitation', 700);
      ct.state.failNext.set('/upload', { status: 503, code: 1111 });
      await escalateAndApprove('rpt_ct3', ['cybertipline']);
      expect(await p.server.authority.runDueOnce()).toBe(1);
      let [d3] = await p.server.authority.listDeliveries('rpt_ct3');
      expect(d3).toMatchObject({ state: 'pending', remoteReportId: '1001', lastError: 'authority.unavailable' });
      await p.db.kysely
        .updateTable('authority_deliveries')
        .set({ state: 'sending', lease_until: clock.t + 60_000, next_attempt_at: clock.t + 3_600_000 })
        .where('id', '=', d3!.id)
        .execute();
      expect(await p.server.authority.runDueOnce()).toBe(0);
      clock.t += 60_001;
      expect(await p.server.authority.runDueOnce()).toBe(1);
      [d3] = await p.server.authority.listDeliveries('rpt_ct3');
      expect(d3).toMatchObject({ state: 'delivered', attempts: 2, remoteReportId: '1001' });
      expect(ct.state.calls.filter((c) => c === '/submit')).toHaveLength(2); // rpt_ct and rpt_ct3, once each
      expect(ct.state.reports.get('1001')!.finished).toBe(true);

      // A refused upload fails the delivery for good; cancelling retracts the open report.
      await newReport('rpt_ct2', 'child_sexual_exploitation', 600);
      ct.state.failNext.set('/upload', { status: 200, code: 4200 });
      await escalateAndApprove('rpt_ct2', ['cybertipline']);
      expect(await p.server.authority.runDueOnce()).toBe(1);
      let [d2] = await p.server.authority.listDeliveries('rpt_ct2');
      expect(d2).toMatchObject({
        state: 'failed',
        attempts: 1,
        lastError: 'authority.rejected',
        remoteReportId: '1002',
      });
      expect(await p.server.authority.cancelDelivery(d2!.id)).toBe('retracted');
      expect(ct.state.reports.get('1002')!.retracted).toBe(true);
      [d2] = await p.server.authority.listDeliveries('rpt_ct2');
      expect(d2!.state).toBe('retracted');
      await disableDestination(p.db.kysely, dst.id);
      expect((await listDestinations(p.db.kysely)).every((x) => !x.enabled)).toBe(true);
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 180_000);
});
