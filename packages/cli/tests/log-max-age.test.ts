/**
 * `fulcrum log verify --policy FILE --max-age <duration>` against a real server that collects
 * cosignatures from two real witnesses over HTTP (in-process `startWitness`): one on the system
 * clock, one whose clock is two days behind. A witness whose cosignature is older than the age
 * does not count toward the policy's quorum (`tlog.stale_checkpoint`); the same checkpoint is
 * refused once the age has passed on the verifier's clock (moved through `LogIo.now`, no sleeping).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningWitness, startWitness, type TransparencyLogOptions } from '@fulcrum/server';
import { registerTestAccount, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogCommand, type LogIo, parseDuration } from '../src/commands/log.js';

const ORIGIN = 'test.fulcrum/cli-max-age';
const HOUR = 3_600_000;

let clockOffset = 0;
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
    now: () => Date.now() + clockOffset,
  };
  const root = new Command('fulcrum').exitOverride();
  root.addCommand(createLogCommand(io));
  await root.parseAsync(['node', 'fulcrum', 'log', ...args]);
  return { out, err, code };
}

describe('fulcrum log verify --max-age (sqlite)', () => {
  const serverOptions: { transparencyLog: TransparencyLogOptions } = {
    transparencyLog: { origin: ORIGIN, witnessTiming: { retryMs: 50, maxRetryMs: 300, pollMs: 20 } },
  };
  let p: TestPlatform;
  let dir: string;
  let logVkey: string;
  let wNow: RunningWitness;
  let wOld: RunningWitness;
  let n = 0;
  const state = () => ['--state', join(dir, `state-${n++}`)];
  const policyFile = (quorum: string) => {
    const f = join(dir, `policy-${n++}`);
    writeFileSync(f, `log ${logVkey}\nwitness now ${wNow.vkey}\nwitness old ${wOld.vkey}\n${quorum}`);
    return f;
  };
  const verify = async (args: string[]) => {
    const r = await run(['verify', `${p.url}/log`, '--log-key', logVkey, '--no-audit', '--json', ...state(), ...args]);
    return { code: r.code, verdict: JSON.parse(r.out) as Record<string, unknown> };
  };

  beforeAll(async () => {
    p = await startTestPlatform({ dialect: 'sqlite', server: serverOptions });
    dir = mkdtempSync(join(tmpdir(), 'fulcrum-cli-max-age-'));
    logVkey = (await (await fetch(`${p.url}/log/key`)).text()).trim();
    const logs = [{ origin: ORIGIN, vkey: logVkey }];
    wNow = await startWitness({ dataDir: join(dir, 'now'), port: 0, name: 'test.fulcrum/now', logs });
    wOld = await startWitness({
      dataDir: join(dir, 'old'),
      port: 0,
      name: 'test.fulcrum/old',
      logs,
      clock: { now: () => Date.now() - 48 * HOUR },
    });
    serverOptions.transparencyLog = {
      ...serverOptions.transparencyLog,
      witnesses: [
        { name: 'now', vkey: wNow.vkey, url: wNow.url },
        { name: 'old', vkey: wOld.vkey, url: wOld.url },
      ],
    };
    await p.restart();
    for (let i = 0; i < 400; i++) {
      const ok = await fetch(`${p.url}/log/checkpoint`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await registerTestAccount(p.url, 'max-age');
  });
  afterAll(async () => {
    await p?.close();
    await wNow?.close();
    await wOld?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses durations', () => {
    expect(parseDuration('3600')).toBe(HOUR);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(30 * 60_000);
    expect(parseDuration('24h')).toBe(24 * HOUR);
    expect(parseDuration('7d')).toBe(7 * 24 * HOUR);
    for (const bad of ['0', '-5', '1.5h', '24 hours', '', 'h', '05m']) expect(() => parseDuration(bad)).toThrow();
  });

  it('a fresh quorum passes; a too-old witness does not count; the same checkpoint fails once the age passes', async () => {
    // Only the up-to-date witness required: passes within 1 h, and says so.
    const ok = await verify(['--policy', policyFile('quorum now\n'), '--max-age', '1h']);
    expect(ok.code).toBe(0);
    expect(ok.verdict).toMatchObject({
      ok: true,
      witnesses: { cosignedBy: ['now'], maxAgeMs: HOUR, ignored: [{ name: 'old', reason: 'stale' }] },
    });
    // Both required: old's cosignature is two days old.
    const both = policyFile('group g all now old\nquorum g\n');
    const stale = await verify(['--policy', both, '--max-age', '24h']);
    expect(stale.code).toBe(1);
    expect(stale.verdict).toMatchObject({
      ok: false,
      code: 'tlog.stale_checkpoint',
      detail: { cosignedBy: ['now'], stale: [{ name: 'old' }] },
    });
    expect(stale.verdict.message).toContain('too old: old (');
    // A 3-day window counts it; without --max-age nothing is checked (as before).
    expect((await verify(['--policy', both, '--max-age', '3d'])).code).toBe(0);
    expect((await verify(['--policy', both])).code).toBe(0);

    // Two hours later on the verifier's clock the up-to-date witness's cosignature is 2 h old too.
    const again = policyFile('quorum now\n');
    const st = state();
    expect(
      (await run(['verify', `${p.url}/log`, '--log-key', logVkey, ...st, '--policy', again, '--max-age', '1h'])).code,
    ).toBe(0);
    clockOffset = 2 * HOUR;
    try {
      const later = await run([
        'verify',
        `${p.url}/log`,
        '--log-key',
        logVkey,
        ...st,
        '--policy',
        again,
        '--max-age',
        '1h',
      ]);
      expect(later.code).toBe(1);
      expect(later.err).toContain('(tlog.stale_checkpoint)');
      expect(later.err).toContain('checkpoint not recently cosigned');
    } finally {
      clockOffset = 0;
    }
  });

  it('--max-age needs --policy and a valid duration (usage errors of the built binary)', async () => {
    const bin = fileURLToPath(new URL('../bin/fulcrum.js', import.meta.url));
    const usage = (args: string[]) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const child = spawn(process.execPath, [bin, 'log', 'verify', `${p.url}/log`, ...state(), ...args], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        child.stderr?.on('data', (d: Buffer) => {
          err += d.toString();
        });
        child.once('close', (code) => resolve({ code, err }));
      });
    const noPolicy = await usage(['--max-age', '1h']);
    expect(noPolicy.code).toBe(1);
    expect(noPolicy.err).toContain('--max-age needs --policy');
    const bad = await usage(['--policy', policyFile('quorum now\n'), '--max-age', 'soon']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('not a duration');
  }, 60_000);
});
