import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isFulcrumError } from '@fulcrum/common';
import { SqliteClientStore } from '@fulcrum/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { describeStoreContract } from '../../client/tests/store-contract.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'fulcrum-store-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describeStoreContract('SqliteClientStore', async () => new SqliteClientStore(tempDir()));

describe('SqliteClientStore on disk', () => {
  it('keeps data across reopen, with private file modes', async () => {
    const dir = tempDir();
    const a = new SqliteClientStore(dir);
    await a.write([{ op: 'put', table: 't', key: 'k', value: new Uint8Array([1, 2, 3]) }]);
    await a.close();
    const b = new SqliteClientStore(dir);
    expect(await b.get('t', 'k')).toEqual(new Uint8Array([1, 2, 3]));
    await b.close();
    expect(statSync(join(dir, 'device.db')).mode & 0o077).toBe(0);
    expect(statSync(dir).mode & 0o077).toBe(0);
  });

  it('refuses a second opener of the same data directory while the first is open', async () => {
    const dir = tempDir();
    const a = new SqliteClientStore(dir);
    let code: string | undefined;
    try {
      new SqliteClientStore(dir);
    } catch (e) {
      code = isFulcrumError(e) ? e.code : 'other';
    }
    expect(code).toBe('client-node.data_dir_locked');
    await a.close();
    const b = new SqliteClientStore(dir); // released on close
    await b.close();
  });

  it('a process killed -9 mid-write loses no acknowledged batch and leaves no partial one', async () => {
    const script = fileURLToPath(new URL('./fixtures/crash-writer.mjs', import.meta.url));
    const dist = fileURLToPath(new URL('../dist/sqlite-store.js', import.meta.url));
    expect(existsSync(dist), 'build client-node first (npx tsc --build)').toBe(true);
    for (let round = 0; round < 3; round++) {
      const dir = tempDir();
      const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      let acked = 0;
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const l of lines) acked = Number(l);
      });
      // Let it write for a varying while, then kill it without warning.
      await new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (acked >= 20 + round * 37) {
            clearInterval(t);
            resolve();
          }
        }, 2);
      });
      const seenBeforeKill = acked;
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const store = new SqliteClientStore(dir); // takes over the dead process's lock
      const a = Number(new TextDecoder().decode(await store.get('a', 'latest')));
      const b = Number(new TextDecoder().decode(await store.get('b', 'latest')));
      const log = await store.list('log');
      expect(a).toBe(b); // the two puts of one batch are all-or-nothing
      expect(log.length).toBe(a); // and so is the third
      expect(a).toBeGreaterThanOrEqual(seenBeforeKill); // every acknowledged batch survived
      await store.close();
    }
  });
});
