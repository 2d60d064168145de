/**
 * `fulcrum evidence export / verify / hold / key` against a real server's store on both dialects:
 * the operator exports a report's bundle from the store, a verifier fetches the key from the
 * server and verifies offline; tampering, a wrong key and unknown reports fail with exit 1 and a
 * typed code.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBase64Url } from '@fulcrum/common';
import { generateEvidenceSigningKey, formatEvidencePublicKey } from '@fulcrum/evidence';
import { commitMessage, createFrankingKey, createServerTag } from '@fulcrum/franking';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { sha256 } from '@noble/hashes/sha2.js';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportId, insertVerifiedReport } from '../../server/src/reports/store.js';
import { createEvidenceCommand, type EvidenceIo } from '../src/commands/evidence.js';
import { createLogCommand, type LogIo } from '../src/commands/log.js';

async function run(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  let code = 0;
  const io: EvidenceIo = {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    setExitCode: (c) => {
      code = c;
    },
    now: () => Date.now(),
    fetch: (...a) => fetch(...a),
  };
  const root = new Command('fulcrum').exitOverride();
  root.addCommand(createEvidenceCommand(io));
  await root.parseAsync(['node', 'fulcrum', 'evidence', ...args]);
  return { out, err, code };
}

describe.each(['sqlite', 'postgres'] as const)('fulcrum evidence (%s)', (dialect) => {
  let p: TestPlatform;
  let dir: string;
  let reportId: string;
  const body = new Uint8Array(randomBytes(120));
  const image = new Uint8Array(randomBytes(5000));

  const store = (): string[] =>
    p.storage.dialect === 'sqlite'
      ? ['--data', p.storage.dataDir]
      : ['--postgres', p.storage.url, '--postgres-schema', p.storage.schema as string];

  beforeAll(async () => {
    p = await startTestPlatform({ dialect });
    dir = mkdtempSync(join(tmpdir(), 'fulcrum-evidence-cli-'));
    const now = Date.now();
    const franking = await p.server.franking.current(now);
    const conversation = new Uint8Array(randomBytes(16));
    const frankingKey = createFrankingKey();
    const commitment = commitMessage({ frankingKey, conversationId: conversation, body });
    const context = {
      conversationId: conversation,
      epoch: 1,
      senderDeviceId: 'dev-s',
      serverSeq: 4,
      serverTime: now - 10,
      keyId: franking.keyId,
    };
    reportId = createReportId();
    await p.db.transaction((tx) =>
      insertVerifiedReport(tx, {
        id: reportId,
        reporterAccountId: 'acct-r',
        reporterDeviceId: 'dev-r',
        reportedAccountId: 'acct-s',
        conversationId: encodeBase64Url(conversation),
        category: 'threats',
        note: null,
        createdAt: now,
        retainUntil: now + 90 * 86_400_000,
        messages: [
          {
            role: 'reported',
            senderAccountId: 'acct-s',
            senderDeviceId: 'dev-s',
            serverSeq: 4,
            epoch: 1,
            serverTime: context.serverTime,
            keyId: franking.keyId,
            body,
            frankingKey,
            commitment,
            tag: createServerTag(franking, commitment, context),
          },
        ],
        files: [
          {
            position: 0,
            attachmentId: 'att',
            mediaType: 'image/jpeg',
            name: 'photo.jpg',
            size: image.length,
            plaintextSha256: sha256(image),
            blobSha256: new Uint8Array(32),
            md5: new Uint8Array(16),
            pdq: null,
            content: image,
          },
        ],
      }),
    );
  });
  afterAll(async () => {
    await p?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('key: the store and the server agree', async () => {
    const fromStore = await run(['key', ...store()]);
    const fromServer = await run(['key', '--server', p.url]);
    expect(fromStore.code).toBe(0);
    expect(fromServer.out).toBe(fromStore.out);
    expect(fromServer.out.startsWith('fulcrum-evidence-ed25519:')).toBe(true);
  });

  it('export (operator, on the store) then verify offline; tampering and a wrong key fail with exit 1', async () => {
    const file = join(dir, `${dialect}.fevb`);
    const exported = await run([
      'export',
      reportId,
      '--out',
      file,
      '--by',
      'ops-alice',
      '--issuer',
      'example.org/fulcrum',
      '--json',
      ...store(),
    ]);
    expect(exported.code, exported.out + exported.err).toBe(0);
    const summary = JSON.parse(exported.out);
    expect(summary.files).toBe(2);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const keyFile = join(dir, `${dialect}.key`);
    writeFileSync(keyFile, (await run(['key', '--server', p.url])).out);
    const ok = await run(['verify', file, '--key', keyFile, '--json', '--extract', join(dir, `${dialect}-x`)]);
    expect(ok.code, ok.out + ok.err).toBe(0);
    const verdict = JSON.parse(ok.out);
    expect(verdict.ok).toBe(true);
    expect(verdict.openingsVerified).toBe(1);
    expect(verdict.commitment).toBe(summary.commitment);
    expect(verdict.metadata.report.id).toBe(reportId);
    expect(verdict.issuer).toBe('example.org/fulcrum');
    expect(verdict.metadata.exportedBy).toBe('ops-alice');
    expect(readFileSync(join(dir, `${dialect}-x`, 'files', '0', 'photo.jpg'))).toEqual(Buffer.from(image));
    expect(readdirSync(join(dir, `${dialect}-x`, 'messages'))).toEqual(['0.bin']);

    // The log: the entry at the printed index is this bundle's commitment, included in a signed checkpoint.
    const vkey = (await (await fetch(`${p.url}/log/key`)).text()).trim();
    let logged = await run([
      'verify',
      file,
      '--key',
      keyFile,
      '--json',
      '--log',
      `${p.url}/log`,
      '--log-index',
      String(summary.logIndex),
      '--log-key',
      vkey,
    ]);
    for (let i = 0; i < 200 && logged.code !== 0; i++) {
      // Until the integrator has put the entry under a checkpoint, the receipt is 404.
      await new Promise((r) => setTimeout(r, 50));
      logged = await run([
        'verify',
        file,
        '--key',
        keyFile,
        '--json',
        '--log',
        `${p.url}/log`,
        '--log-index',
        String(summary.logIndex),
        '--log-key',
        vkey,
      ]);
    }
    expect(logged.code, logged.out + logged.err).toBe(0);
    expect(JSON.parse(logged.out).logged).toMatchObject({ index: summary.logIndex });
    expect(JSON.parse(logged.out).logged.checkpointSize).toBeGreaterThan(summary.logIndex);
    // `fulcrum log show` names the entry's kind (and nothing but a prefix of the commitment).
    let shown = '';
    const logIo: LogIo = {
      stdout: { write: (s: string) => (shown += s) },
      stderr: { write: () => true },
      setExitCode: () => {},
      fetch: (...a) => fetch(...a),
    };
    const root = new Command('fulcrum').exitOverride();
    root.addCommand(createLogCommand(logIo));
    await root.parseAsync([
      'node',
      'fulcrum',
      'log',
      'show',
      `${p.url}/log`,
      '--log-key',
      vkey,
      '--kind',
      'evidence.bundle',
      '--json',
    ]);
    const listed = shown
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(listed.map((e) => e.index)).toContain(summary.logIndex);
    expect(listed.every((e) => e.kind === 'evidence.bundle')).toBe(true);
    // Another index (the log's first entry, kt.label_key) is not this bundle.
    const wrongIndex = await run([
      'verify',
      file,
      '--key',
      keyFile,
      '--json',
      '--log',
      `${p.url}/log`,
      '--log-index',
      '0',
      '--log-key',
      vkey,
    ]);
    expect(JSON.parse(wrongIndex.out)).toMatchObject({ ok: false, code: 'cli.evidence_not_logged' });
    // A log key that is not the log's.
    const forged = vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+');
    const badKey = await run([
      'verify',
      file,
      '--key',
      keyFile,
      '--json',
      '--log',
      `${p.url}/log`,
      '--log-index',
      String(summary.logIndex),
      '--log-key',
      forged,
    ]);
    expect(badKey.code).toBe(1);
    expect((await run(['verify', file, '--key', keyFile, '--log', `${p.url}/log`])).err).toMatch(/cli\.evidence_usage/);

    const human = await run(['verify', file, '--key', readFileSync(keyFile, 'utf8').trim()]);
    expect(human.code).toBe(0);
    expect(human.out).toMatch(/^OK: evidence bundle verified/);

    // One byte of the image changed.
    const bytes = readFileSync(file);
    const tampered = Buffer.from(bytes);
    const at = tampered.indexOf(Buffer.from(image.subarray(0, 32))) + 100;
    tampered[at] = (tampered[at] as number) ^ 0xff;
    writeFileSync(join(dir, 'tampered.fevb'), tampered);
    const bad = await run(['verify', join(dir, 'tampered.fevb'), '--key', keyFile]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^FAILED: .*\(evidence\.file_tampered\)/);

    // Cut short.
    writeFileSync(join(dir, 'cut.fevb'), bytes.subarray(0, bytes.length - 10));
    expect(JSON.parse((await run(['verify', join(dir, 'cut.fevb'), '--key', keyFile, '--json'])).out).code).toBe(
      'evidence.truncated',
    );

    // Another platform's key.
    const other = formatEvidencePublicKey(generateEvidenceSigningKey().publicKey);
    const wrong = await run(['verify', file, '--key', other, '--json']);
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.out)).toMatchObject({ ok: false, code: 'evidence.wrong_key' });

    // A key argument that is neither a key nor a file.
    expect((await run(['verify', file, '--key', join(dir, 'missing')])).err).toMatch(/cli\.evidence_key_unreadable/);

    // The output file is not overwritten without --force.
    const again = await run(['export', reportId, '--out', file, ...store()]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/cli\.evidence_out_exists/);
  });

  it('hold extends retention; unknown reports fail with a typed code', async () => {
    const until = Date.now() + 400 * 86_400_000;
    const held = await run([
      'hold',
      reportId,
      '--until',
      new Date(until).toISOString(),
      '--reason',
      'court order 42',
      '--json',
      ...store(),
    ]);
    expect(held.code, held.out + held.err).toBe(0);
    expect(JSON.parse(held.out)).toMatchObject({ ok: true, reportId, reason: 'court order 42' });
    const row = await p.db.kysely
      .selectFrom('reports')
      .select('retain_until')
      .where('id', '=', reportId)
      .executeTakeFirstOrThrow();
    expect(row.retain_until).toBe(until);

    const missing = await run(['export', 'rpt_missing', '--out', join(dir, 'x.fevb'), ...store()]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/\(evidence\.report_not_found\)/);
    const past = await run(['hold', reportId, '--until', '2001-01-01', '--reason', 'r', ...store()]);
    expect(past.err).toMatch(/\(evidence\.bad_hold\)/);
  });
});
