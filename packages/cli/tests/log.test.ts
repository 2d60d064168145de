/**
 * `fulcrum log verify / show / proof` against a real server: trust on first use, consistency
 * with the remembered state, and the failures a monitor must report — a split view (the log's
 * own key signing another root for the same size), a rollback, a tampered entry bundle, a key
 * that is not the log's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerTestAccount, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { generateEd25519NoteKey, parseEd25519PrivateKey, signCheckpoint, treeSize } from '@fulcrum/tlog';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogCommand, type LogIo } from '../src/commands/log.js';

async function run(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  let code = 0;
  const io: LogIo = {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    setExitCode: (c) => {
      code = c;
    },
    fetch: (...a) => fetch(...a),
  };
  const root = new Command('fulcrum').exitOverride();
  root.addCommand(createLogCommand(io));
  await root.parseAsync(['node', 'fulcrum', 'log', ...args]);
  return { out, err, code };
}

async function waitForSize(p: TestPlatform, size: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const text = await (await fetch(`${p.url}/log/checkpoint`)).text();
    if (Number(text.split('\n')[1]) >= size) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`log did not reach ${size}`);
}

describe.each(['sqlite', 'postgres'] as const)('fulcrum log (%s)', (dialect) => {
  let p: TestPlatform;
  let dir: string;
  beforeAll(async () => {
    p = await startTestPlatform({ dialect });
    dir = mkdtempSync(join(tmpdir(), 'fulcrum-log-cli-'));
  });
  afterAll(async () => {
    await p?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const state = () => ['--state', join(dir, 'state')];

  it('verifies on first use with a warning, then proves consistency with the remembered state', async () => {
    await registerTestAccount(p.url, 'alice');
    await waitForSize(p, 3);
    const first = await run(['verify', `${p.url}/log`, ...state(), '--json']);
    expect(first.code).toBe(0);
    expect(first.err).toContain('trusting the log key');
    const v1 = JSON.parse(first.out);
    expect(v1).toMatchObject({ ok: true, size: 3, keyTrustedOnFirstUse: true, entriesAudited: 3 });
    expect(v1.kinds).toEqual({ 'kt.label_key': 1, 'key.account': 1, 'key.device': 1 });

    await registerTestAccount(p.url, 'bob');
    await waitForSize(p, 5);
    const second = await run(['verify', `${p.url}/log`, ...state()]);
    expect(second.code).toBe(0);
    expect(second.err).toBe('');
    expect(second.out).toContain('consistent with the previously verified size 3');
    expect(second.out).toContain('size 5');

    const shown = await run(['show', `${p.url}/log`, '--log-key', p.server.log.keys.vkey, '--kind', 'key.device']);
    expect(shown.code).toBe(0);
    expect(shown.out.trim().split('\n')).toHaveLength(2);
    const proof = await run(['proof', `${p.url}/log`, '2', '--log-key', p.server.log.keys.vkey]);
    expect(proof.code).toBe(0);
    expect(proof.out.startsWith('c2sp.org/tlog-proof@v1\nindex 2\n')).toBe(true);
  });

  it('reports a split view, a rollback, a tampered bundle and a wrong key with their codes', async () => {
    const row = await p.db.kysely
      .selectFrom('log_checkpoint')
      .selectAll()
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    const key = await p.db.kysely
      .selectFrom('log_keys')
      .select('secret')
      .where('purpose', '=', 'checkpoint')
      .executeTakeFirstOrThrow();
    const signer = parseEd25519PrivateKey(key.secret);
    const serve = (note: string) =>
      p.db.kysely.updateTable('log_checkpoint').set({ note }).where('id', '=', 1).execute();
    try {
      // The log's key signs another root for the size already verified: a fork.
      await serve(
        await signCheckpoint(
          { origin: signer.name, size: treeSize(row.size), rootHash: new Uint8Array(32).fill(7), extensions: [] },
          [signer],
        ),
      );
      const fork = await run(['verify', `${p.url}/log`, ...state(), '--json']);
      expect(fork.code).toBe(1);
      expect(JSON.parse(fork.out)).toMatchObject({ ok: false, code: 'tlog.fork_detected' });
      // A smaller tree than the one verified: a rollback.
      await serve(
        await signCheckpoint(
          { origin: signer.name, size: treeSize(row.size - 1), rootHash: new Uint8Array(32), extensions: [] },
          [signer],
        ),
      );
      const rollback = await run(['verify', `${p.url}/log`, ...state()]);
      expect(rollback.code).toBe(1);
      expect(rollback.err).toContain('(tlog.rollback)');
    } finally {
      await serve(row.note);
    }
    // The state did not move on failures: the genuine log still verifies.
    expect((await run(['verify', `${p.url}/log`, ...state()])).code).toBe(0);

    // A stored entry changed after signing: the audit re-derives other tiles and root.
    const bundle = await p.db.kysely
      .selectFrom('log_tiles')
      .selectAll()
      .where('level', '=', -1)
      .where('tile_index', '=', 0)
      .executeTakeFirstOrThrow();
    const tampered = Buffer.from(bundle.data);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 1, tampered.length - 1);
    await p.db.kysely
      .updateTable('log_tiles')
      .set({ data: tampered })
      .where('level', '=', -1)
      .where('tile_index', '=', 0)
      .execute();
    try {
      const audit = await run(['verify', `${p.url}/log`, ...state(), '--json']);
      expect(audit.code).toBe(1);
      // The rebuilt tiles differ from the served (signed) ones before the root is even compared.
      expect(JSON.parse(audit.out).code).toBe('tlog.tile_mismatch');
    } finally {
      await p.db.kysely
        .updateTable('log_tiles')
        .set({ data: Buffer.from(bundle.data) })
        .where('level', '=', -1)
        .where('tile_index', '=', 0)
        .execute();
    }

    // Another key than the one remembered, or than the log's.
    const other = generateEd25519NoteKey(signer.name).vkey;
    const mismatch = await run(['verify', `${p.url}/log`, ...state(), '--log-key', other, '--json']);
    expect(JSON.parse(mismatch.out).code).toBe('cli.log_key_mismatch');
    const wrong = await run(['verify', `${p.url}/log`, '--state', join(dir, 'fresh'), '--log-key', other, '--json']);
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.out).code).toMatch(/^tlog\.note_/);
    const down = await run([
      'verify',
      'http://127.0.0.1:9/log',
      '--state',
      join(dir, 'down'),
      '--log-key',
      other,
      '--json',
    ]);
    expect(JSON.parse(down.out).code).toBe('cli.log_unreachable');
  });
});
