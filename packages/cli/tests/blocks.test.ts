/**
 * `fulcrum block`, `fulcrum blocked`, `fulcrum unblock` end to end, in-process: `runCli` against a
 * real server (testkit, SQLite), two users with data directories of their own. A message sent
 * while blocked never arrives; one sent after the unblock does; unblocking again changes nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAs } from './run-cli.js';

let platform: TestPlatform;
let root: string;
const run = Math.random().toString(36).slice(2, 8);
const alice = `alice-${run}`;
const bob = `bob-${run}`;

beforeAll(async () => {
  platform = await startTestPlatform({ dialect: 'sqlite' });
  root = await mkdtemp(join(tmpdir(), 'fulcrum-cli-blocks-'));
});

afterAll(async () => {
  await platform?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

const cli = (user: string, ...args: string[]) => runCliAs(platform.url, join(root, user), args);

async function texts(user: string): Promise<string[]> {
  expect((await cli(user, 'inbox')).code).toBe(0);
  const h = await cli(user, 'history', 'pair', '--json');
  return h.json.map((m) => (m.content as { text?: string }).text ?? '');
}

describe('fulcrum block / blocked / unblock', () => {
  it('blocks by name, lists, unblocks; messages after the unblock arrive', async () => {
    expect((await cli('alice', 'register', '--name', alice)).code).toBe(0);
    expect((await cli('bob', 'register', '--name', bob)).code).toBe(0);
    expect((await cli('alice', 'create-group', '--name', 'pair', '--members', bob)).code).toBe(0);
    expect((await cli('alice', 'send', 'pair', 'before')).code).toBe(0);
    expect(await texts('bob')).toContain('before');

    const none = await cli('bob', 'blocked');
    expect([none.code, none.stdout.trim()]).toEqual([0, 'you block no one']);
    const blocked = await cli('bob', 'block', alice);
    expect([blocked.code, blocked.stdout.trim()], blocked.stderr).toEqual([0, `blocked ${alice}`]);
    expect((await cli('bob', 'block', alice)).stdout.trim()).toBe(`${alice} was already blocked`);
    const list = await cli('bob', 'blocked', '--json');
    expect(list.json).toEqual([{ accountId: expect.any(String), name: alice, blockedAt: expect.any(Number) }]);
    const aliceId = list.json[0]?.accountId as string;
    expect((await cli('bob', 'blocked')).stdout).toContain(`${alice}  ${aliceId}  since `);

    expect((await cli('alice', 'send', 'pair', 'while blocked')).code).toBe(0);
    expect(await texts('bob')).not.toContain('while blocked');

    // Unblock by account id; bob's client commits an update in the shared conversation first.
    const lifted = await cli('bob', 'unblock', aliceId, '--json');
    expect(lifted.code, lifted.stderr).toBe(0);
    expect(lifted.json[0]).toEqual({ accountId: aliceId, removed: true, refreshed: 1 });
    expect((await cli('bob', 'blocked', '--json')).json).toEqual([]);
    expect((await cli('alice', 'send', 'pair', 'after unblock')).code).toBe(0);
    const atBob = await texts('bob');
    expect(atBob.at(-1)).toBe('after unblock');
    expect(atBob).not.toContain('while blocked');

    // Idempotent, with a clear line.
    const again = await cli('bob', 'unblock', alice);
    expect([again.code, again.stdout.trim()]).toEqual([0, `${alice} was not blocked: nothing changed`]);
    // Refusals carry the server's code.
    const self = await cli('bob', 'block', bob);
    expect(self.code).toBe(1);
    expect(self.stderr).toContain('block.self');
    const nobody = await cli('bob', 'block', 'nobody-here');
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('account.not_found');
  }, 120_000);
});
