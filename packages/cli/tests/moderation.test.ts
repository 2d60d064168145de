/**
 * `fulcrum staff` (operator, on the store), `fulcrum mod …` (staff) and `fulcrum appeal` /
 * `fulcrum notices` (the affected user), end to end in-process against a real server (SQLite):
 * the same store the server runs on is changed by the operator command while it serves. The SDK
 * surfaces a moderation notice as its `moderation` event. (The server suite covers both dialects.)
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModerationNoticeEvent } from '@fulcrum/client';
import { createNodeClient } from '@fulcrum/client-node';
import { utf8Encode } from '@fulcrum/common';
import { registerTestAccount, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createReportId, insertVerifiedReport, type ReportCategory } from '../../server/src/reports/store.js';
import { runCli } from '../src/main.js';

let platform: TestPlatform;
let root: string;
let dataDir: string;

beforeAll(async () => {
  platform = await startTestPlatform({ dialect: 'sqlite', server: { rateLimit: false } });
  if (platform.storage.dialect !== 'sqlite') throw new Error('unreachable');
  dataDir = platform.storage.dataDir;
  root = await mkdtemp(join(tmpdir(), 'fulcrum-cli-mod-'));
});

afterAll(async () => {
  await platform?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>[];
}

/** Runs the CLI; client commands get `--server` and the user's `--data`, `staff` gets the store. */
async function cli(user: string | undefined, ...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const before = process.exitCode;
  try {
    const where = user === undefined ? [] : ['--server', platform.url, '--data', join(root, user)];
    const code = await runCli(['node', 'fulcrum', ...args, ...where]);
    const json = args.includes('--json')
      ? stdout
          .split('\n')
          .filter((l) => l.startsWith('{') || l.startsWith('['))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
      : [];
    return { code, stdout, stderr, json };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = before;
  }
}

const accounts = new Map<string, string>();

async function register(name: string): Promise<void> {
  const r = await cli(name, 'register', '--name', name, '--json');
  expect(r.code, r.stderr).toBe(0);
  accounts.set(name, r.json[0]?.accountId as string);
}

/** A report against `reported`, through intake's store function. */
async function report(category: ReportCategory, reported: string, text: string): Promise<string> {
  const id = createReportId();
  const now = Date.now();
  const reporter = accounts.get('bob') as string;
  await platform.db.transaction((tx) =>
    insertVerifiedReport(tx, {
      id,
      reporterAccountId: reporter,
      reporterDeviceId: randomBytes(16).toString('base64url'),
      reportedAccountId: accounts.get(reported) as string,
      conversationId: randomBytes(32).toString('base64url'),
      category,
      note: null,
      createdAt: now,
      retainUntil: now + 86_400_000,
      messages: [
        {
          role: 'reported',
          senderAccountId: accounts.get(reported) as string,
          senderDeviceId: randomBytes(16).toString('base64url'),
          serverSeq: 3,
          epoch: 1,
          serverTime: now - 500,
          keyId: 'k',
          body: utf8Encode(JSON.stringify({ text, type: 'text', v: 1 })),
          frankingKey: new Uint8Array(32),
          commitment: new Uint8Array(32),
          tag: new Uint8Array(32),
        },
      ],
      files: [
        {
          position: 0,
          attachmentId: randomBytes(16).toString('base64url'),
          mediaType: 'text/plain',
          name: 'evidence.txt',
          size: 4,
          plaintextSha256: new Uint8Array(32),
          blobSha256: new Uint8Array(32),
          md5: new Uint8Array(16),
          pdq: null,
          content: utf8Encode('file'),
        },
      ],
    }),
  );
  return id;
}

describe('fulcrum staff / mod / appeal / notices', () => {
  it('bootstraps staff on the store, then works a case from the queue to an appeal', async () => {
    for (const n of ['boss', 'mona', 'milo', 'bob', 'eve']) await register(n);

    // Operator: first admin, directly on the store the server is running on.
    const granted = await cli(undefined, 'staff', 'grant', 'boss', 'admin', '--data-dir', dataDir, '--json');
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.json[0]).toMatchObject({ roles: ['admin'] });
    const unknown = await cli(undefined, 'staff', 'grant', 'nobody', 'admin', '--data-dir', dataDir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('cli.account_not_found');
    // Admin: the other roles over the API; a non-admin is refused with the server's code.
    for (const n of ['mona', 'milo']) expect((await cli('boss', 'mod', 'grant', n, 'moderator')).code).toBe(0);
    const refused = await cli('mona', 'mod', 'grant', 'bob', 'admin');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('moderation.role_required');
    const list = await cli(undefined, 'staff', 'list', '--data', dataDir, '--json');
    expect(list.json[0]).toEqual(
      expect.arrayContaining([
        { accountId: accounts.get('boss'), name: 'boss', roles: ['admin'] },
        { accountId: accounts.get('mona'), name: 'mona', roles: ['moderator'] },
      ]),
    );
    expect((await cli('bob', 'mod', 'queue')).stderr).toContain('moderation.not_staff');
    expect((await cli('mona', 'mod', 'roles')).stdout).toContain('moderator');
    expect((await cli('bob', 'mod', 'roles')).stdout).toContain('not staff');

    // A warning first: the SDK surfaces the notice as a `moderation` event on sync.
    const warnCase = await report('spam', 'eve', 'buy now');
    expect((await cli('mona', 'mod', 'claim', warnCase)).code).toBe(0);
    const warned = await cli('mona', 'mod', 'decide', warnCase, 'warn', '--reason', 'no ads please', '--json');
    expect(warned.code, warned.stderr).toBe(0);
    const eve = await createNodeClient({ server: platform.url, dataDir: join(root, 'eve') });
    try {
      const seen: ModerationNoticeEvent[] = [];
      eve.on('moderation', (n) => seen.push(n));
      await eve.sync();
      expect(seen).toEqual([
        expect.objectContaining({ action: 'warn', reason: 'no ads please', decisionId: warned.json[0]?.decisionId }),
      ]);
    } finally {
      await eve.close();
    }

    // Queue, metadata, audited reveal, claim, decide.
    const id = await report('harassment', 'eve', 'you will regret this');
    const queue = await cli('mona', 'mod', 'queue', '--json');
    expect(queue.json.map((c) => c.reportId)).toContain(id);
    const shown = await cli('mona', 'mod', 'show', id);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('franking verified');
    expect(shown.stdout).not.toContain('you will regret this');
    const saveDir = join(root, 'revealed');
    const revealed = await cli('mona', 'mod', 'reveal', id, '--save', saveDir);
    expect(revealed.code, revealed.stderr).toBe(0);
    expect(revealed.stdout).toContain('#0: you will regret this');
    expect(await readFile(join(saveDir, '0-evidence.txt'), 'utf8')).toBe('file');
    expect((await cli('mona', 'mod', 'claim', id)).code).toBe(0);
    const other = await cli('milo', 'mod', 'claim', id);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('moderation.claimed_by_other');
    const suspended = await cli(
      'mona',
      'mod',
      'decide',
      id,
      'suspend',
      '--reason',
      'threats',
      '--duration',
      '7d',
      '--json',
    );
    expect(suspended.code, suspended.stderr).toBe(0);
    const decisionId = suspended.json[0]?.decisionId as string;

    // The user: notices, appeal; the appeal goes to someone other than the decider.
    const notices = await cli('eve', 'notices', '--json');
    expect(notices.code, notices.stderr).toBe(0);
    expect(notices.json[0]).toMatchObject({ action: 'suspend', reason: 'threats', durationMs: 7 * 86_400_000 });
    const blocked = await cli('eve', 'create-group', '--name', 'x', '--members', 'bob');
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('account.suspended');
    const appealed = await cli('eve', 'appeal', decisionId, '--statement', 'it was a quote from a film', '--json');
    expect(appealed.code, appealed.stderr).toBe(0);
    const appealId = appealed.json[0]?.appealId as string;
    const appeals = await cli('milo', 'mod', 'appeals', '--json');
    expect(appeals.json.map((a) => (a.appeal as { appealId: string }).appealId)).toContain(appealId);
    const self = await cli('mona', 'mod', 'appeal', appealId, 'overturn', '--reason', 'fine');
    expect(self.code).toBe(1);
    expect(self.stderr).toContain('moderation.same_decider');
    const decided = await cli('milo', 'mod', 'appeal', appealId, 'overturn', '--reason', 'a film quote', '--json');
    expect(decided.code, decided.stderr).toBe(0);
    expect(decided.json[0]).toMatchObject({ status: 'overturned' });
    expect((await cli('eve', 'notices', '--json')).json[0]).toMatchObject({ action: 'appeal.overturn' });

    // Four eyes on a ban.
    const banCase = await report('harassment', 'eve', 'again');
    expect((await cli('milo', 'mod', 'claim', banCase)).code).toBe(0);
    const ban = await cli('milo', 'mod', 'decide', banCase, 'ban', '--reason', 'repeat offender', '--json');
    expect(ban.json[0]).toMatchObject({ status: 'awaiting_approval' });
    const banId = ban.json[0]?.decisionId as string;
    const selfApproval = await cli('milo', 'mod', 'approve', banId, '--reason', 'me');
    expect(selfApproval.code).toBe(1);
    expect(selfApproval.stderr).toContain('moderation.self_approval');
    const approved = await cli('mona', 'mod', 'approve', banId, '--reason', 'agreed', '--json');
    expect(approved.json[0]).toMatchObject({ status: 'effective' });
    const banned = await cli('eve', 'create-group', '--name', 'y', '--members', 'bob');
    expect(banned.stderr).toContain('account.banned');

    // The operator's changes are in the audit like everyone else's.
    const audit = await platform.db.kysely
      .selectFrom('moderation_audit')
      .select(['action', 'actor_role'])
      .where('actor_role', '=', 'operator')
      .execute();
    expect(audit).toEqual([{ action: 'staff.grant', actor_role: 'operator' }]);
  });

  it('moderates a report made through real intake (franked message, fulcrum report)', async () => {
    for (const n of ['carl', 'dora']) await register(n);
    expect((await cli('carl', 'create-group', '--name', 'chat', '--members', 'dora')).code).toBe(0);
    expect((await cli('carl', 'send', 'chat', 'give me your password or else')).code).toBe(0);
    expect((await cli('dora', 'inbox')).code).toBe(0);
    const history = await cli('dora', 'history', 'chat', '--json');
    const message = history.json.find((m) => (m.content as { text?: string }).text === 'give me your password or else');
    const reported = await cli('dora', 'report', 'chat', String(message?.serverSeq), '--category', 'threats', '--json');
    expect(reported.code, reported.stderr).toBe(0);
    const reportId = reported.json[0]?.reportId as string;

    const queue = await cli('mona', 'mod', 'queue', '--category', 'threats', '--json');
    expect(queue.json.map((c) => c.reportId)).toContain(reportId);
    const shown = await cli('mona', 'mod', 'show', reportId, '--json');
    expect(shown.json[0]).toMatchObject({ category: 'threats', reportedAccountId: accounts.get('carl') });
    expect((shown.json[0]?.messages as { verified: string }[] | undefined)?.[0]?.verified).toBe('franking');
    const revealed = await cli('mona', 'mod', 'reveal', reportId);
    expect(revealed.stdout).toContain('give me your password or else');
    expect((await cli('mona', 'mod', 'claim', reportId)).code).toBe(0);
    const warned = await cli('mona', 'mod', 'decide', reportId, 'warn', '--reason', 'threatening another user');
    expect(warned.code, warned.stderr).toBe(0);
    const notices = await cli('carl', 'notices', '--json');
    expect(notices.json[0]).toMatchObject({ action: 'warn', reason: 'threatening another user' });
    // The reporter learns nothing of the decision through notices.
    expect((await cli('dora', 'notices', '--json')).json).toEqual([]);
  });

  it('grants, lists and revokes on a PostgreSQL store (--postgres, --postgres-schema)', async () => {
    const pg = await startTestPlatform({ dialect: 'postgres' });
    try {
      if (pg.storage.dialect !== 'postgres') throw new Error('unreachable');
      const store = ['--postgres', pg.storage.url, '--postgres-schema', pg.storage.schema as string];
      const ada = await registerTestAccount(pg.url, 'ada');
      const granted = await cli(undefined, 'staff', 'grant', 'ada', 'child_safety', ...store, '--json');
      expect(granted.code, granted.stderr).toBe(0);
      expect(granted.json[0]).toEqual({ accountId: ada.accountId, roles: ['child_safety'] });
      const byId = await cli(undefined, 'staff', 'grant', ada.accountId, 'admin', ...store, '--json');
      expect(byId.json[0]).toMatchObject({ roles: ['admin', 'child_safety'] });
      const list = await cli(undefined, 'staff', 'list', ...store, '--json');
      expect(list.json[0]).toEqual([{ accountId: ada.accountId, name: 'ada', roles: ['admin', 'child_safety'] }]);
      const revoked = await cli(undefined, 'staff', 'revoke', 'ada', 'admin', ...store, '--json');
      expect(revoked.json[0]).toMatchObject({ roles: ['child_safety'] });
      const audit = await pg.db.kysely.selectFrom('moderation_audit').select(['action', 'actor_role']).execute();
      expect(audit.map((a) => a.action).sort()).toEqual(['staff.grant', 'staff.grant', 'staff.revoke']);
      expect(new Set(audit.map((a) => a.actor_role))).toEqual(new Set(['operator']));
    } finally {
      await pg.close();
    }
  }, 120_000);
});
