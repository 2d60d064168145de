/**
 * The transparency page's log reader (src/transparency/log-reader.ts) against a real server, through
 * a proxy that can tamper with what the log serves: the honest log verifies (signature, every entry
 * re-hashed to the signed root); a flipped byte in an entry bundle is `log.root_mismatch`; an altered
 * checkpoint is `log.bad_checkpoint`; a cosignature line from a key the page does not know is listed
 * as such and does not break verification.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerTestAccount, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { parseCheckpointText, parseNote } from '@fulcrum/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogReadError, readCheckpoint, readEntries } from '../src/transparency/log-reader.js';

type Mode = 'honest' | 'flip-bundle' | 'alter-checkpoint' | 'unknown-cosigner';

let p: TestPlatform;
let proxy: Server;
let base: string;
let mode: Mode = 'honest';

function tamper(path: string, body: Buffer): Buffer {
  if (mode === 'flip-bundle' && path.startsWith('/log/tile/entries/')) {
    const out = Buffer.from(body);
    out[out.length - 1] = (out[out.length - 1] as number) ^ 0x01;
    return out;
  }
  if (path === '/log/checkpoint' && mode === 'alter-checkpoint') {
    const text = body.toString('utf8');
    const [origin, size, ...rest] = text.split('\n');
    return Buffer.from([origin, String(Number(size) + 1), ...rest].join('\n'));
  }
  if (path === '/log/checkpoint' && mode === 'unknown-cosigner') {
    // A well-formed signature line (4-byte key id ‖ 8-byte timestamp ‖ 64-byte signature) from a stranger.
    return Buffer.concat([body, Buffer.from(`— stranger.example/w ${Buffer.alloc(76, 7).toString('base64')}\n`)]);
  }
  return body;
}

beforeAll(async () => {
  p = await startTestPlatform({ dialect: 'sqlite' });
  const tag = Math.random().toString(36).slice(2, 8);
  await registerTestAccount(p.url, `lr1${tag}`);
  await registerTestAccount(p.url, `lr2${tag}`);
  // Wait for the served checkpoint to cover the registrations (label key + 2 × (account, device)).
  for (let i = 0; i < 200; i++) {
    const r = await fetch(`${p.url}/log/checkpoint`);
    if (r.status === 200 && parseCheckpointText(parseNote(await r.text()).text).size >= 5) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  proxy = createServer(async (req, res) => {
    const path = req.url ?? '/';
    const upstream = await fetch(`${p.url}${path}`);
    const body = tamper(path, Buffer.from(await upstream.arrayBuffer()));
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' });
    res.end(body);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => proxy?.close(() => resolve()));
  await p?.close();
});

async function codeOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (err) {
    return err instanceof LogReadError ? err.code : String(err);
  }
}

describe('the transparency page’s log reader', () => {
  it('verifies an honest log: the checkpoint signature and every entry against the signed root', async () => {
    mode = 'honest';
    const { report, witnesses } = await readCheckpoint(base);
    expect(report.size).toBeGreaterThanOrEqual(5);
    expect(report.cosignatures).toEqual([]);
    expect(witnesses.quorum).toBe(0);
    const entries = await readEntries(base, report.size, report.rootHash);
    expect(entries.rootMatches).toBe(true);
    expect(entries.read).toBe(report.size);
    const kinds = entries.entries.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'key.account')).toHaveLength(2);
    expect(kinds).toContain('kt.label_key');
  });

  it('a flipped byte in an entry bundle does not hash to the signed root', async () => {
    mode = 'honest';
    const { report } = await readCheckpoint(base);
    mode = 'flip-bundle';
    expect(await codeOf(() => readEntries(base, report.size, report.rootHash))).toBe('log.root_mismatch');
  });

  it('an altered checkpoint does not verify against the log key', async () => {
    mode = 'alter-checkpoint';
    expect(await codeOf(() => readCheckpoint(base))).toBe('log.bad_checkpoint');
  });

  it('a cosignature from a key the page does not know is listed as such, and the log signature still verifies', async () => {
    mode = 'unknown-cosigner';
    const { report } = await readCheckpoint(base);
    expect(report.cosignatures).toEqual([{ name: 'stranger.example/w', state: 'unknown_key', keyId: '07070707' }]);
    expect(report.witnessed).toBe(false);
  });
});
