/**
 * The client commands end to end, in-process: `runCli` against a real server (testkit, SQLite),
 * each user with a data directory of their own, output read back as --json lines.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/main.js';

let platform: TestPlatform;
let root: string;

beforeAll(async () => {
  platform = await startTestPlatform({ dialect: 'sqlite' });
  root = await mkdtemp(join(tmpdir(), 'fulcrum-cli-'));
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

async function cli(user: string, ...args: string[]): Promise<Run> {
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
    const code = await runCli(['node', 'fulcrum', ...args, '--server', platform.url, '--data', join(root, user)]);
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

describe('fulcrum client commands', () => {
  it('register, create a group, send text and a file, and read them on the other side', async () => {
    const a = await cli('alice', 'register', '--name', 'alice', '--json');
    expect(a.code, a.stderr).toBe(0);
    expect(a.json[0]).toMatchObject({ name: 'alice' });
    expect((await cli('bob', 'register', '--name', 'bob', '--json')).code).toBe(0);

    const created = await cli('alice', 'create-group', '--name', 'team', '--members', 'bob', '--json');
    expect(created.code, created.stderr).toBe(0);
    const groupId = created.json[0]?.groupId as string;
    expect(groupId).toMatch(/^[A-Za-z0-9_-]+$/);

    const sent = await cli('alice', 'send', 'team', 'hello', 'bob', '--json');
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.json[0]).toMatchObject({ groupId, status: 'sent' });

    const file = join(root, 'notes.txt');
    await writeFile(file, 'the plan, in a file');
    expect((await cli('alice', 'send', groupId, '--file', file, '--json')).code).toBe(0);

    const saveDir = join(root, 'bob-downloads');
    const inbox = await cli('bob', 'inbox', '--save', saveDir, '--json');
    expect(inbox.code, inbox.stderr).toBe(0);
    const messages = inbox.json.filter((j) => j.event === 'message');
    expect(inbox.json.some((j) => j.event === 'membership' && j.change === 'renamed' && j.name === 'team')).toBe(true);
    expect(messages.map((m) => m.content)).toEqual([
      { type: 'text', text: 'hello bob' },
      { type: 'attachment', attachmentId: expect.any(String), name: 'notes.txt', mediaType: 'text/plain', size: 19 },
    ]);
    const savedTo = messages[1]?.savedTo as string;
    expect(await readFile(savedTo, 'utf8')).toBe('the plan, in a file');

    // A second inbox has nothing new: no duplicates.
    const again = await cli('bob', 'inbox', '--json');
    expect(again.json.filter((j) => j.event === 'message')).toEqual([]);

    const groups = await cli('bob', 'groups', '--json');
    expect(groups.json[0]).toMatchObject({ groupId, name: 'team' });
    const history = await cli('bob', 'history', 'team', '--json');
    expect(history.json.map((m) => (m.content as { type: string }).type)).toEqual(['rename', 'text', 'attachment']);
  });

  it('removes a member, who then gets nothing new', async () => {
    expect((await cli('carol', 'register', '--name', 'carol')).code).toBe(0);
    const created = await cli('alice', 'create-group', '--name', 'trio', '--members', 'bob,carol', '--json');
    expect(created.code, created.stderr).toBe(0);
    await cli('carol', 'inbox');
    const removed = await cli('alice', 'remove', 'trio', 'carol', '--json');
    expect(removed.code, removed.stderr).toBe(0);
    expect(((removed.json[0]?.members ?? []) as { name?: string }[]).map((m) => m.name).sort()).toEqual([
      'alice',
      'bob',
    ]);
    expect((await cli('alice', 'send', 'trio', 'after carol left')).code).toBe(0);
    const carol = await cli('carol', 'inbox', '--json');
    expect(carol.json.filter((j) => j.event === 'message')).toEqual([]);
    expect(carol.json.some((j) => j.event === 'membership' && j.change === 'removed' && j.self === true)).toBe(true);
    const bob = await cli('bob', 'inbox', '--json');
    expect(bob.json.filter((j) => j.event === 'message').map((m) => (m.content as { text?: string }).text)).toContain(
      'after carol left',
    );
  });

  it('says plainly what is wrong', async () => {
    const unknown = await cli('alice', 'send', 'no-such-group', 'hi');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('cli.unknown_conversation');
    const nothing = await cli('alice', 'send', 'team');
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('cli.nothing_to_send');
    const fresh = await cli('nobody', 'whoami');
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toContain('cli.not_registered');
    const taken = await cli('mallory', 'register', '--name', 'alice');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('account.name_taken');
    const missing = await cli('alice', 'send', 'team', '--file', join(root, 'does-not-exist'));
    expect(missing.code).toBe(1);
  });
});
