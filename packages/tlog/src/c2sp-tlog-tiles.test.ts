import { decodeHex, encodeHex, utf8Encode } from '@fulcrum/common';
import { unsafeAssertLinearCost } from '@fulcrum/common/testing';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asyncCodeOf, codeOf } from '../tests/helpers.js';
import cv from '../vectors/checkpoints.json' with { type: 'json' };
import hv from '../vectors/rfc6962-hashes.json' with { type: 'json' };
import tv from '../vectors/tiles.json' with { type: 'json' };
import {
  MAX_BUNDLE_SIZE,
  MemoryMerkleTree,
  MemoryTileStore,
  type Sha256,
  TileBuilder,
  createConsistencyProof,
  createEd25519NoteSigner,
  createInclusionProof,
  createTileHashReader,
  decodeEntryBundle,
  encodeEntryBundle,
  formatBundlePath,
  formatTilePath,
  integrateEntries,
  parseTilePath,
  parseVerifierKey,
  signCheckpoint,
  tileCounts,
  treeRoot,
  treeSize,
  verifyCheckpoint,
  verifyTiledLog,
} from './index.js';

const entry300 = (i: number) => utf8Encode(`fulcrum test entry ${i}`);

/** Builds a tiled log in memory by integrating `entries` in batches of the given sizes. */
async function buildLog(entries: Uint8Array[], batches: number[] = [entries.length], hash?: Sha256) {
  const store = new MemoryTileStore();
  let size = 0;
  let root: Uint8Array | undefined;
  let offset = 0;
  for (const n of batches) {
    const batch = entries.slice(offset, offset + n);
    offset += n;
    const r = await integrateEntries({
      oldSize: size,
      entries: batch,
      source: store,
      ...(root ? { oldRootHash: root } : {}),
      ...(hash ? { sha256: hash } : {}),
    });
    store.apply(r);
    size = r.size;
    root = r.rootHash;
  }
  return { store, size, root: root as Uint8Array };
}

describe('C2SP tlog-tiles (vectors: tiles.json)', () => {
  it('tile and entry-bundle paths: format and parse, byte for byte', () => {
    for (const p of tv.paths) {
      if ('entries' in p) {
        expect(formatBundlePath({ index: p.index, width: p.width })).toBe(p.path);
        expect(parseTilePath(p.path)).toEqual({ kind: 'entries', index: p.index, width: p.width });
      } else {
        const t = { level: p.level as number, index: p.index, width: p.width };
        expect(formatTilePath(t)).toBe(p.path);
        expect(parseTilePath(p.path)).toEqual({ kind: 'tile', ...t });
      }
    }
  });

  it('non-canonical or out-of-range paths are refused', () => {
    for (const bad of [
      'tile/0/x000/001',
      'tile/0/1',
      'tile/0/0001',
      'tile/00/000',
      'tile/64/000',
      'tile/0/000.p/0',
      'tile/0/000.p/256',
      'tile/0/000.p/08',
      'tile/0/001/002',
      'tile/0/x001/x002',
      'tile/entries/000.p/',
      '/tile/0/000',
      'tile/0/000/',
    ]) {
      expect(
        codeOf(() => parseTilePath(bad)),
        bad,
      ).toBe('tlog.tile_bad_path');
    }
    expect(codeOf(() => formatTilePath({ level: 0, index: 0, width: 0 }))).toBe('tlog.tile_bad_path');
    expect(codeOf(() => formatTilePath({ level: 64, index: 0, width: 1 }))).toBe('tlog.tile_bad_path');
  });

  it('property: tile paths round-trip for any index', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 63 }),
        fc.nat({ max: 2 ** 45 }),
        fc.integer({ min: 1, max: 256 }),
        (level, index, width) => {
          expect(parseTilePath(formatTilePath({ level, index, width }))).toEqual({ kind: 'tile', level, index, width });
        },
      ),
    );
  });

  it('which tiles a tree of size N has (70000, 256, 300, 8)', () => {
    for (const s of tv.tile_sets) {
      expect(tileCounts(s.tree_size)).toEqual(
        s.tiles.map((t) => ({ level: t.level, fullTiles: t.full_tiles, partialWidth: t.partial_width })),
      );
    }
    expect(tileCounts(0)).toEqual([]);
  });

  it('the 8-leaf log: exact tile and entry-bundle bytes', async () => {
    const { store, root } = await buildLog(hv.leaves_hex.map((h) => decodeHex(h)));
    expect(encodeHex(store.get('tile/0/000.p/8') as Uint8Array)).toBe(tv.log8['tile/0/000.p/8_hex']);
    expect(encodeHex(store.get('tile/entries/000.p/8') as Uint8Array)).toBe(tv.log8['tile/entries/000.p/8_hex']);
    expect(encodeHex(root)).toBe(tv.log8.root_hex);
    expect(store.paths().sort()).toEqual(['tile/0/000.p/8', 'tile/entries/000.p/8']);
  });

  it('the 300-entry log: exact tiles and bundles, whatever the batching and with an injected SHA-256', async () => {
    const entries = Array.from({ length: 300 }, (_, i) => entry300(i));
    // A one-shot SHA-256 handed in (what the server passes: node:crypto), counting its calls.
    let calls = 0;
    const injected: Sha256 = (data) => {
      calls++;
      return sha256(data);
    };
    const batchings = [[300], [1, 254, 1, 44], [256, 44], [100, 100, 100], Array(300).fill(1)];
    for (const [batches, hash] of batchings.flatMap((b) => [[b, undefined] as const, [b, injected] as const])) {
      const before = calls;
      const { store, root } = await buildLog(entries, batches, hash);
      // Every hash of the step goes through the injected function (300 leaves + 299 nodes at least).
      if (hash !== undefined) expect(calls - before).toBeGreaterThanOrEqual(599);
      else expect(calls).toBe(before);
      const l = tv.log300;
      expect(encodeHex(root)).toBe(l.root_hex);
      const full = store.get('tile/0/000') as Uint8Array;
      expect(full.length).toBe(l['tile/0/000_len']);
      expect(encodeHex(sha256(full))).toBe(l['tile/0/000_sha256_hex']);
      expect(encodeHex(store.get('tile/0/001.p/44') as Uint8Array)).toBe(l['tile/0/001.p/44_hex']);
      expect(encodeHex(store.get('tile/1/000.p/1') as Uint8Array)).toBe(l['tile/1/000.p/1_hex']);
      expect(encodeHex(sha256(store.get('tile/entries/000') as Uint8Array))).toBe(l['tile/entries/000_sha256_hex']);
      expect(encodeHex(store.get('tile/entries/001.p/44') as Uint8Array)).toBe(l['tile/entries/001.p/44_hex']);
    }
  });

  it('proofs read from verified tiles equal the in-memory tree proofs (random sizes)', async () => {
    const entries = Array.from({ length: 1100 }, (_, i) => entry300(i));
    const mem = new MemoryMerkleTree();
    for (const e of entries) mem.append(e);
    const { store, size, root } = await buildLog(entries, [700, 400]);
    expect(root).toEqual(mem.root());
    const reader = createTileHashReader({ treeSize: size, source: store, rootHash: root });
    expect(await treeRoot(size, reader)).toEqual(root);
    await fc.assert(
      fc.asyncProperty(fc.nat(size - 1), fc.nat(size - 1), async (a, b) => {
        const [m, n] = [Math.min(a, b), Math.max(a, b) + 1];
        expect(await createInclusionProof(a, size, reader)).toEqual(await createInclusionProof(a, size, mem));
        expect(await createConsistencyProof(m, n, reader)).toEqual(await createConsistencyProof(m, n, mem));
        expect(await treeRoot(n, reader)).toEqual(mem.root(n));
      }),
      { numRuns: 60 },
    );
  });

  it('a tampered, truncated or missing tile is caught by the verifying reader', async () => {
    const entries = Array.from({ length: 600 }, (_, i) => entry300(i));
    const { store, size, root } = await buildLog(entries);
    const tamper = (path: string, f: (b: Uint8Array) => Uint8Array) => {
      const s = new MemoryTileStore();
      for (const p of store.paths())
        s.put(p, p === path ? f(store.get(p) as Uint8Array) : (store.get(p) as Uint8Array));
      return s;
    };
    const flip = (b: Uint8Array) => {
      b[10]! ^= 1;
      return b;
    };
    const proofFrom = (s: MemoryTileStore) =>
      createInclusionProof(5, size, createTileHashReader({ treeSize: size, source: s, rootHash: root }));
    expect(await asyncCodeOf(() => proofFrom(tamper('tile/0/000', flip)))).toBe('tlog.tile_mismatch');
    expect(await asyncCodeOf(() => proofFrom(tamper('tile/1/000.p/2', flip)))).toBe('tlog.tile_mismatch');
    expect(await asyncCodeOf(() => proofFrom(tamper('tile/0/000', (b) => b.subarray(0, 8160))))).toBe(
      'tlog.tile_bad_size',
    );
    const missing = tamper('x', (b) => b);
    missing.delete('tile/0/000');
    expect(await asyncCodeOf(() => proofFrom(missing))).toBe('tlog.tile_missing');
    // Without a root (trusted storage), the reader does not verify.
    expect(
      await asyncCodeOf(() =>
        createInclusionProof(5, size, createTileHashReader({ treeSize: size, source: tamper('tile/0/000', flip) })),
      ),
    ).toBe('no error');
  });

  it('a partial tile that is gone is read from the full tile (the log grew)', async () => {
    const entries = Array.from({ length: 300 }, (_, i) => entry300(i));
    const { store } = await buildLog(entries, [100, 200]);
    expect(store.get('tile/0/000.p/100')).toBeDefined();
    store.delete('tile/0/000.p/100');
    store.delete('tile/entries/000.p/100');
    const mem = new MemoryMerkleTree();
    for (const e of entries.slice(0, 100)) mem.append(e);
    // Read the size-100 tree: its edge tile is now only available as the full tile's prefix.
    const reader = createTileHashReader({ treeSize: 100, source: store, rootHash: mem.root() });
    expect(await createInclusionProof(42, 100, reader)).toEqual(await createInclusionProof(42, 100, mem));
  });

  it('reads and verifies a whole log from tiles: checkpoint, consistency with the last state, full audit', async () => {
    const signer = createEd25519NoteSigner(cv.keys.log.name, decodeHex(cv.keys.log.seed_hex));
    const logVerifiers = [parseVerifierKey(cv.keys.log.vkey)];
    const entries = Array.from({ length: 700 }, (_, i) => entry300(i));
    const { store, size, root } = await buildLog(entries, [513, 187]);
    store.putCheckpoint(
      await signCheckpoint({ origin: signer.name, size: treeSize(size), rootHash: root, extensions: [] }, [signer]),
    );
    const mem = new MemoryMerkleTree();
    for (const e of entries.slice(0, 513)) mem.append(e);
    const seen: number[] = [];
    const verdict = await verifyTiledLog({
      source: store,
      verifyCheckpoint: (note) => verifyCheckpoint(note, { logVerifiers }),
      previous: { size: 513, rootHash: mem.root() },
      audit: { onEntry: (i) => void seen.push(i) },
    });
    expect(verdict.checkpoint.checkpoint.size).toBe(700);
    expect(verdict.consistentWith?.size).toBe(513);
    expect(verdict.audit?.entries).toBe(700);
    expect(verdict.audit?.tilesChecked).toBe(4); // full 0/000 and 0/001, edges 0/002.p/188 and 1/000.p/2
    expect(seen).toEqual(Array.from({ length: 700 }, (_, i) => i));

    const run = (previous: { size: number; rootHash: Uint8Array }) =>
      asyncCodeOf(() =>
        verifyTiledLog({ source: store, verifyCheckpoint: (n) => verifyCheckpoint(n, { logVerifiers }), previous }),
      );
    // A previous view that the new tree does not extend: fork.
    const other = new MemoryMerkleTree();
    for (const e of entries.slice(0, 512)) other.append(e);
    other.append(utf8Encode('forked'));
    expect(await run({ size: 513, rootHash: other.root() })).toBe('tlog.fork_detected');
    expect(await run({ size: 700, rootHash: other.root() })).toBe('tlog.fork_detected');
    expect(await run({ size: 701, rootHash: other.root() })).toBe('tlog.rollback');
    // An entry altered in its bundle fails the audit.
    const bundle = store.get('tile/entries/001') as Uint8Array;
    bundle[10]! ^= 1;
    store.put('tile/entries/001', bundle);
    expect(
      await asyncCodeOf(() =>
        verifyTiledLog({ source: store, verifyCheckpoint: (n) => verifyCheckpoint(n, { logVerifiers }), audit: {} }),
      ),
    ).toBe('tlog.tile_mismatch');
    expect(
      await asyncCodeOf(() =>
        verifyTiledLog({
          source: store,
          verifyCheckpoint: (n) => verifyCheckpoint(n, { logVerifiers }),
          audit: { checkTiles: false },
        }),
      ),
    ).toBe('tlog.root_mismatch');
  });

  it('TileBuilder.resume refuses edge tiles of the wrong width', () => {
    const b = TileBuilder.empty();
    for (let i = 0; i < 5; i++) b.appendLeafHash(new Uint8Array(32).fill(i));
    const edges = b.partialTiles();
    expect(TileBuilder.resume(5, edges).root()).toEqual(b.root());
    expect(codeOf(() => TileBuilder.resume(6, edges))).toBe('tlog.tile_bad_size');
    expect(codeOf(() => TileBuilder.resume(5, []))).toBe('tlog.tile_bad_size');
  });
});

describe('C2SP tlog-tiles entry bundles', () => {
  it('property: encode → decode round-trips', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 256 }), (entries) => {
        expect(decodeEntryBundle(encodeEntryBundle(entries), entries.length)).toEqual(entries);
      }),
      { numRuns: 50 },
    );
  });

  it('malformed bundles are refused', () => {
    const good = encodeEntryBundle([new Uint8Array([1, 2, 3]), new Uint8Array(0)]);
    expect(codeOf(() => decodeEntryBundle(good.subarray(0, 4)))).toBe('tlog.bundle_malformed');
    expect(codeOf(() => decodeEntryBundle(good.subarray(0, 6)))).toBe('tlog.bundle_malformed');
    expect(codeOf(() => decodeEntryBundle(new Uint8Array([...good, 0])))).toBe('tlog.bundle_malformed');
    expect(codeOf(() => decodeEntryBundle(good, 3))).toBe('tlog.bundle_malformed');
    expect(codeOf(() => decodeEntryBundle(new Uint8Array(257 * 2)))).toBe('tlog.bundle_malformed'); // 257 empty entries
    expect(codeOf(() => decodeEntryBundle(new Uint8Array(MAX_BUNDLE_SIZE + 1)))).toBe('tlog.bundle_malformed');
    expect(codeOf(() => encodeEntryBundle([new Uint8Array(65536)]))).toBe('tlog.entry_too_large');
    expect(codeOf(() => encodeEntryBundle([]))).toBe('tlog.bundle_malformed');
    expect(decodeEntryBundle(encodeEntryBundle([new Uint8Array(65535)]), 1)[0]?.length).toBe(65535);
  });

  it('decoding cost grows linearly with bundle size', () => {
    const small = encodeEntryBundle(Array.from({ length: 25 }, () => new Uint8Array(600)));
    const large = encodeEntryBundle(Array.from({ length: 250 }, () => new Uint8Array(600)));
    unsafeAssertLinearCost('decodeEntryBundle', {
      small: () => decodeEntryBundle(small),
      large: () => decodeEntryBundle(large),
      inputRatio: 10,
    });
  });
});
