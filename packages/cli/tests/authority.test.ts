/**
 * `fulcrum authority destination add|list|disable` and `deliveries` on the store, on both dialects
 * (a temp SQLite directory; a fresh PostgreSQL schema), the way an operator runs them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgConnectionConfig } from '@fulcrum/server';
import { DEFAULT_TEST_POSTGRES_URL } from '@fulcrum/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/main.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(...args: string[]): Promise<Run> {
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
    const code = await runCli(['node', 'fulcrum', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = before;
  }
}

describe.each(['sqlite', 'postgres'] as const)('fulcrum authority (%s)', (dialect) => {
  let store: string[];
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    if (dialect === 'sqlite') {
      const dir = await mkdtemp(join(tmpdir(), 'fulcrum-authority-cli-'));
      store = ['--data-dir', dir];
      cleanup = () => rm(dir, { recursive: true, force: true });
    } else {
      const url = process.env.FULCRUM_TEST_POSTGRES ?? DEFAULT_TEST_POSTGRES_URL;
      const schema = `fulcrum_t_${randomBytes(6).toString('hex')}`;
      store = ['--postgres', url, '--postgres-schema', schema];
      cleanup = async () => {
        const c = new pg.Client(pgConnectionConfig(url));
        await c.connect();
        try {
          await c.query(`drop schema if exists "${schema}" cascade`);
        } finally {
          await c.end();
        }
      };
    }
  });

  afterAll(async () => {
    await cleanup?.();
  });

  it('adds, lists and disables destinations; refuses bad ones with typed codes', async () => {
    const add = await cli(
      'authority',
      'destination',
      'add',
      '--kind',
      'cybertipline',
      '--transport',
      'cybertipline_api',
      '--target',
      'https://exttest.cybertip.org/ispws',
      '--credentials',
      'env:NCMEC_CREDENTIALS',
      ...store,
      '--json',
    );
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const d = JSON.parse(add.stdout) as { id: string; enabled: boolean };
    expect(d.id).toMatch(/^dst_/);
    const drop = await cli(
      'authority',
      'destination',
      'add',
      '--kind',
      'dsa_sor',
      '--transport',
      'file',
      '--target',
      '/var/spool/dsa',
      ...store,
    );
    expect(drop.code).toBe(0);

    const bad = [
      ['--kind', 'police', '--transport', 'file', '--target', '/x'],
      ['--kind', 'art18', '--transport', 'https', '--target', 'http://example.org/in'],
      ['--kind', 'art18', '--transport', 'https', '--target', 'https://u:p@example.org/in'],
      ['--kind', 'dsa_sor', '--transport', 'cybertipline_api', '--target', 'https://example.org'],
      ['--kind', 'art18', '--transport', 'https', '--target', 'https://example.org', '--credentials', 'hunter2'],
    ];
    for (const args of bad) {
      const r = await cli('authority', 'destination', 'add', ...args, ...store);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('(authority.bad_destination)');
    }

    const list = await cli('authority', 'destination', 'list', ...store, '--json');
    const rows = JSON.parse(list.stdout) as Array<{
      id: string;
      kind: string;
      enabled: boolean;
      credentialsRef: string | null;
    }>;
    expect(rows.map((r) => [r.kind, r.enabled, r.credentialsRef])).toEqual([
      ['cybertipline', true, 'env:NCMEC_CREDENTIALS'],
      ['dsa_sor', true, null],
    ]);

    expect((await cli('authority', 'destination', 'disable', d.id, ...store)).code).toBe(0);
    const after = JSON.parse((await cli('authority', 'destination', 'list', ...store, '--json')).stdout) as typeof rows;
    expect(after.find((r) => r.id === d.id)?.enabled).toBe(false);
    const missing = await cli('authority', 'destination', 'disable', 'dst_nope', ...store);
    expect(missing.stderr).toContain('(authority.destination_not_found)');

    const deliveries = await cli('authority', 'deliveries', ...store, '--json');
    expect(JSON.parse(deliveries.stdout)).toEqual([]);
    const cancel = await cli('authority', 'cancel', 'dlv_nope', ...store);
    expect(cancel.stderr).toContain('(authority.delivery_not_found)');
  });
});
