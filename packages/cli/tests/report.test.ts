/**
 * `fulcrum report` end to end, in-process: `runCli` against a real server (testkit, SQLite), two
 * users with data directories of their own; the report is verified by the server and stored.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAs } from './run-cli.js';

let platform: TestPlatform;
let root: string;

beforeAll(async () => {
  platform = await startTestPlatform({ dialect: 'sqlite' });
  root = await mkdtemp(join(tmpdir(), 'fulcrum-cli-report-'));
});

afterAll(async () => {
  await platform?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

const cli = (user: string, ...args: string[]) => runCliAs(platform.url, join(root, user), args);

describe('fulcrum report', () => {
  it('reports a received message by its seq, with context and a block', async () => {
    expect((await cli('alice', 'register', '--name', 'alice')).code).toBe(0);
    expect((await cli('bob', 'register', '--name', 'bob')).code).toBe(0);
    expect((await cli('alice', 'create-group', '--name', 'pair', '--members', 'bob')).code).toBe(0);
    expect((await cli('alice', 'send', 'pair', 'first')).code).toBe(0);
    expect((await cli('alice', 'send', 'pair', 'buy cheap pills')).code).toBe(0);
    expect((await cli('bob', 'inbox')).code).toBe(0);
    const history = await cli('bob', 'history', 'pair', '--json');
    const spam = history.json.find((m) => (m.content as { text?: string }).text === 'buy cheap pills');
    const seq = String(spam?.serverSeq);
    expect(seq).toMatch(/^\d+$/);

    const bad = await cli('bob', 'report', 'pair', seq, '--category', 'rude');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('cli.usage');

    const r = await cli(
      'bob',
      'report',
      'pair',
      seq,
      '--category',
      'spam',
      '--note',
      'spam',
      '--context',
      '1',
      '--block',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.json[0]).toMatchObject({ messages: 2, files: 0, blocked: true });
    const reportId = r.json[0]?.reportId as string;
    const row = await platform.db.kysely
      .selectFrom('reports')
      .selectAll()
      .where('id', '=', reportId)
      .executeTakeFirst();
    expect(row).toMatchObject({ category: 'spam', note: 'spam', status: 'open' });
    const roles = await platform.db.kysely
      .selectFrom('report_messages')
      .select(['role', 'server_seq'])
      .where('report_id', '=', reportId)
      .orderBy('position')
      .execute();
    expect(roles.map((x) => x.role)).toEqual(['context', 'reported']);
    expect(roles[1]?.server_seq).toBe(Number(seq));

    // Again: the server refuses the replay with its code.
    const again = await cli('bob', 'report', 'pair', seq, '--category', 'spam');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('report.replayed');
    // An unknown seq.
    const none = await cli('bob', 'report', 'pair', '999999', '--category', 'spam');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('cli.usage');
  });
});
