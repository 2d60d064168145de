/**
 * `fulcrum pdq` end to end on the PDQ reference vectors (copied in
 * packages/pdq/vectors): real files, real decoding, real lists.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPdqCommand, type PdqIo } from '../src/commands/pdq.js';

const VECTORS = new URL('../../pdq/vectors/', import.meta.url).pathname;
const expected = new Map(
  readFileSync(join(VECTORS, 'expected-cpp.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','))
    .map(([file, hash, quality]) => [file!, { hash: hash!, quality: Number(quality) }]),
);

async function run(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  let code = 0;
  const io: PdqIo = {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s), isTTY: false },
    setExitCode: (c) => {
      code = c;
    },
  };
  const root = new Command('fulcrum').exitOverride();
  root.addCommand(createPdqCommand(io));
  await root.parseAsync(['node', 'fulcrum', 'pdq', ...args]);
  return { out, err, code };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fulcrum-pdq-cli-'));
  mkdirSync(join(dir, 'good', 'nested'), { recursive: true });
  mkdirSync(join(dir, 'mixed'));
  copyFileSync(join(VECTORS, 'dih/bridge-1-original.jpg'), join(dir, 'good', 'a.jpg'));
  copyFileSync(join(VECTORS, 'misc-images/wee.jpg'), join(dir, 'good', 'nested', 'b.jpg'));
  copyFileSync(join(VECTORS, 'misc-images/modes/F.webp'), join(dir, 'good', 'nested', 'c.webp'));
  writeFileSync(join(dir, 'good', 'notes.txt'), 'not an image, skipped when walking folders');
  copyFileSync(join(VECTORS, 'dih/bridge-2-rotate-90.jpg'), join(dir, 'mixed', '1-ok.jpg'));
  writeFileSync(join(dir, 'mixed', '2-empty.jpg'), '');
  writeFileSync(
    join(dir, 'mixed', '3-truncated.jpg'),
    readFileSync(join(VECTORS, 'dih/bridge-1-original.jpg')).subarray(0, 50_000),
  );
  writeFileSync(join(dir, 'mixed', '4-text.png'), 'hello');
  copyFileSync(join(VECTORS, 'misc-images/small.jpg'), join(dir, 'mixed', '5-low-quality.jpg'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fulcrum pdq hash', () => {
  it('walks folders recursively and prints hash,quality,path equal to the C++ reference', async () => {
    const { out, err, code } = await run(['hash', join(dir, 'good')]);
    expect(code).toBe(0);
    expect(err).toBe('');
    const lines = out.trim().split('\n');
    expect(lines).toEqual([
      `${expected.get('dih/bridge-1-original.jpg')!.hash},100,${join(dir, 'good', 'a.jpg')}`,
      `${expected.get('misc-images/wee.jpg')!.hash},100,${join(dir, 'good', 'nested', 'b.jpg')}`,
      `${expected.get('misc-images/modes/F.webp')!.hash},100,${join(dir, 'good', 'nested', 'c.webp')}`,
    ]);
  });

  it('reports each bad file on stderr, continues, flags low quality, and exits 1', async () => {
    const { out, err, code } = await run(['hash', join(dir, 'mixed'), join(dir, 'missing.jpg')]);
    expect(code).toBe(1);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(`${expected.get('dih/bridge-2-rotate-90.jpg')!.hash},100,${join(dir, 'mixed', '1-ok.jpg')}`);
    expect(lines[1]).toBe(
      `${expected.get('misc-images/small.jpg')!.hash},0,${join(dir, 'mixed', '5-low-quality.jpg')}`,
    );
    expect(err).toContain('2-empty.jpg: ');
    expect(err).toContain('(client-node.image_empty)');
    expect(err).toContain('3-truncated.jpg: ');
    expect(err).toContain('(client-node.image_corrupt)');
    expect(err).toContain('4-text.png: ');
    expect(err).toContain('(client-node.image_unsupported)');
    expect(err).toContain('missing.jpg: cannot read (ENOENT)');
    expect(err).toContain('5-low-quality.jpg: low quality 0');
  });

  it('prints the 8 dihedral hashes with --dihedral', async () => {
    const { out } = await run(['hash', '--dihedral', join(VECTORS, 'dih/bridge-1-original.jpg')]);
    const row = readFileSync(join(VECTORS, 'expected-cpp-dihedral.csv'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('dih/bridge-1-original.jpg'))!
      .split(',');
    expect(out.trim()).toBe(`${row.slice(1, 9).join(',')},100,${join(VECTORS, 'dih/bridge-1-original.jpg')}`);
  });
});

describe('fulcrum pdq match', () => {
  let listPath: string;
  beforeAll(() => {
    // The reference's own output format: hash,quality,filename.
    listPath = join(dir, 'list.csv');
    const lines = [...expected].map(([file, { hash, quality }]) => `${hash},${quality},${file}`);
    writeFileSync(listPath, `${lines.join('\n')}\n`);
  });

  it('prints every list entry within the radius with its distance; refuses low quality', async () => {
    const { out, err, code } = await run(['match', '--list', listPath, join(dir, 'mixed')]);
    expect(code).toBe(1);
    const rows = out
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    // 1-ok.jpg is dih/bridge-2-rotate-90.jpg: matches itself and its decoded copy at 0.
    const ok = rows.filter((r) => r[0]!.endsWith('1-ok.jpg'));
    expect(ok.map((r) => `${r[4]}:${r[2]}`)).toEqual(
      expect.arrayContaining(['decoded/bridge-2-rotate-90.png:0', 'dih/bridge-2-rotate-90.jpg:0']),
    );
    for (const r of rows) expect(Number(r[2])).toBeLessThanOrEqual(31);
    expect(rows.some((r) => r[0]!.endsWith('5-low-quality.jpg'))).toBe(false);
    expect(err).toContain('5-low-quality.jpg: low quality 0');
    expect(err).toContain('not matched');
  });

  it('--dihedral finds the original from a rotated upload; --radius narrows', async () => {
    const rotated = join(VECTORS, 'dih/bridge-4-rotate-270.jpg');
    const distances = (out: string) =>
      new Map(
        out
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(','))
          .map((r) => [r[4], Number(r[2])]),
      );
    const plain = distances((await run(['match', '--list', listPath, rotated])).out);
    expect(plain.has('dih/bridge-1-original.jpg')).toBe(false);
    const dih = distances((await run(['match', '--list', listPath, '--dihedral', rotated])).out);
    const d = dih.get('dih/bridge-1-original.jpg');
    expect(d).toBeLessThanOrEqual(31);
    const narrow = distances(
      (await run(['match', '--list', listPath, '--dihedral', '-r', String(d! - 1), rotated])).out,
    );
    expect(narrow.has('dih/bridge-1-original.jpg')).toBe(false);
    expect(narrow.get('dih/bridge-4-rotate-270.jpg')).toBe(0);
  });
});

describe('fulcrum pdq hash output as a match list', () => {
  it('round-trips: every hashed file matches itself at distance 0', async () => {
    const hashed = await run(['hash', join(dir, 'good')]);
    const list = join(dir, 'own-list.csv');
    writeFileSync(list, hashed.out);
    const { out, code } = await run(['match', '--list', list, join(dir, 'good')]);
    expect(code).toBe(0);
    const self = out
      .trim()
      .split('\n')
      .map((l) => l.split(','))
      .filter((r) => r[0] === r[4]);
    expect(self.map((r) => r[2])).toEqual(['0', '0', '0']);
  });
});

describe('fulcrum pdq index build|query', () => {
  it('builds an FPDQ list and reproduces the mih-query -d 31 reference pairs', async () => {
    const out = join(dir, 'haystack.fpdq');
    const built = await run(['index', 'build', '-o', out, join(VECTORS, 'hash-lists/haystack.txt')]);
    expect(built.code).toBe(0);
    expect(readFileSync(out).subarray(0, 4).toString()).toBe('FPDQ');
    const q = await run(['index', 'query', '--index', out, '--queries', join(VECTORS, 'hash-lists/needles.txt')]);
    expect(q.code).toBe(0);
    const needles = readFileSync(join(VECTORS, 'hash-lists/needles.txt'), 'utf8').trim().split('\n');
    const got = q.out
      .trim()
      .split('\n')
      .map((l) => l.split(','))
      .map(([hash, line, , d]) => `${needles.indexOf(hash!) + 1},${line},${d}`);
    const want = readFileSync(join(VECTORS, 'hash-lists/needles-haystack-r31.csv'), 'utf8').trim().split('\n').slice(1);
    expect(got).toEqual(want);
  });

  it('refuses a malformed query hash and a malformed list line (with its line number)', async () => {
    const bad = await run(['index', 'query', '--index', join(VECTORS, 'hash-lists/haystack.txt'), 'abc']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('(pdq.bad_hash)');
    const badList = join(dir, 'bad-list.txt');
    writeFileSync(badList, `${'a'.repeat(64)}\n${'b'.repeat(63)}\n`);
    await expect(run(['index', 'build', '-o', join(dir, 'x.fpdq'), badList])).rejects.toMatchObject({
      code: 'pdq.bad_list_line',
      detail: { line: 2 },
    });
  });
});
