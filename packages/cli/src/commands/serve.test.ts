import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningServer } from '@fulcrum/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCosignatureV1Signer, formatVerifierKey } from '@fulcrum/tlog';
import { defaultServerDataDir, parseWitnessFlag, runServe, serveConfig } from './serve.js';

describe('fulcrum serve', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fulcrum-serve-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('defaults: SQLite in $FULCRUM_DATA or ~/.local/share/fulcrum/server', () => {
    expect(defaultServerDataDir({ FULCRUM_DATA: '/srv/f' })).toBe('/srv/f');
    expect(defaultServerDataDir({ XDG_DATA_HOME: '/x' })).toBe('/x/fulcrum/server');
    expect(serveConfig({ data: dir, port: 8080, host: '127.0.0.1', logLevel: 'info' }).storage).toEqual({
      dialect: 'sqlite',
      dataDir: dir,
    });
    expect(
      serveConfig({ data: dir, port: 1, host: 'h', postgres: 'postgres://127.0.0.1:5432/test', logLevel: 'info' })
        .storage,
    ).toEqual({ dialect: 'postgres', url: 'postgres://127.0.0.1:5432/test' });
  });

  it('--witness name=,key=,url= (repeatable) and --witness-quorum become the log’s witness config', () => {
    const key = (n: number) =>
      formatVerifierKey(createCosignatureV1Signer(`w${n}.example`, new Uint8Array(32).fill(n), { now: () => 0 }));
    let list = parseWitnessFlag(`name=w1,key=${key(1)},url=http://127.0.0.1:8081`);
    // Any order; a URL that comes last may hold commas.
    list = parseWitnessFlag(`url=https://w2.example/a,b,key=${key(2)},name=w2`, list);
    expect(list).toEqual([
      { name: 'w1', vkey: key(1), url: 'http://127.0.0.1:8081' },
      { name: 'w2', vkey: key(2), url: 'https://w2.example/a,b' },
    ]);
    expect(
      serveConfig({ data: dir, port: 0, host: 'h', logLevel: 'info', witnesses: list, witnessQuorum: 1 })
        .transparencyLog,
    ).toEqual({ witnesses: list, witnessQuorum: 1 });
    expect(
      serveConfig({ data: dir, port: 0, host: 'h', logLevel: 'info', witnesses: list, witnessRefreshMs: 600_000 })
        .transparencyLog,
    ).toEqual({ witnesses: list, witnessRefreshMs: 600_000 });
    expect(serveConfig({ data: dir, port: 0, host: 'h', logLevel: 'info' }).transparencyLog).toBeUndefined();
    for (const bad of [
      `name=w1,key=${key(1)}`, // no url
      `name=w1,key=${key(1)},url=ftp://x`, // not http(s)
      'name=w1,key=not-a-key,url=http://x',
      `name=w1,key=${key(1)},url=http://x,name=again`,
    ]) {
      expect(() => parseWitnessFlag(bad)).toThrow();
    }
    // The same name or key twice.
    expect(() => parseWitnessFlag(`name=w1,key=${key(2)},url=http://y`, list)).toThrow(/twice/);
    expect(() => parseWitnessFlag(`name=w3,key=${key(1)},url=http://y`, list)).toThrow(/twice/);
  });

  it('starts on SQLite, prints its URL, answers, and stops cleanly when told to', async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    let server: RunningServer | undefined;
    const running = runServe(
      { data: dir, port: 0, host: '127.0.0.1', logLevel: 'silent' },
      stop.signal,
      (l) => lines.push(l),
      (s) => {
        server = s;
      },
    );
    await expect.poll(() => server).toBeDefined();
    expect(lines[0]).toBe(`fulcrum server listening on ${server!.url} (SQLite in ${dir})`);
    const health = await fetch(`${server!.url}/v1/health`);
    expect(await health.json()).toEqual({ status: 'ok', protocol: 'fulcrum-v1' });
    expect(existsSync(join(dir, 'fulcrum.sqlite'))).toBe(true);
    stop.abort();
    await running;
    expect(lines.at(-1)).toBe('fulcrum server stopped');
    await expect(fetch(`${server!.url}/v1/health`)).rejects.toThrow();
  });

  // The real binary, as `npx fulcrum serve` runs it: needs `npm run build` (npm test builds first).
  it.runIf(existsSync(new URL('../../dist/main.js', import.meta.url)))(
    'the built binary serves and exits 0 on SIGTERM',
    async () => {
      const bin = new URL('../../bin/fulcrum.js', import.meta.url).pathname;
      const child = spawn(
        process.execPath,
        [bin, 'serve', '--data', join(dir, 'bin'), '--port', '0', '--log-level', 'silent'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
      });
      await expect.poll(() => /listening on (http:\/\/\S+)/.exec(out), { timeout: 60_000 }).toBeTruthy();
      const url = /listening on (http:\/\/\S+)/.exec(out)![1]!;
      expect((await fetch(`${url}/v1/health`)).status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('fulcrum server stopped');
    },
    90_000,
  );
});
