import { encodeHex } from '@fulcrum/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hex, refLeaf, refMth } from '../tests/helpers.js';
import v from '../vectors/rfc6962-hashes.json' with { type: 'json' };
import {
  EMPTY_ROOT,
  MemoryMerkleTree,
  hashChildren,
  hashLeaf,
  rootFromLeafHashes,
  subtreesOfRange,
  treeRoot,
} from './index.js';

describe('RFC 9162 §2.1.1 Merkle Tree Hash (vectors: rfc6962-hashes.json)', () => {
  it('basic hasher vectors', () => {
    for (const c of v.basic) {
      if (c.fn === 'emptyRoot') expect(encodeHex(EMPTY_ROOT)).toBe(c.want);
      if (c.fn === 'hashLeaf') expect(encodeHex(hashLeaf(hex(c.input_hex as string)))).toBe(c.want);
      if (c.fn === 'hashChildren')
        expect(encodeHex(hashChildren(hex(c.left_hex as string), hex(c.right_hex as string)))).toBe(c.want);
    }
    expect(v.basic.length).toBe(5);
  });

  it('leaf hashes, complete-subtree hashes and the root of every size 0..8', async () => {
    const tree = new MemoryMerkleTree();
    v.leaves_hex.forEach((leaf, i) => {
      expect(tree.append(hex(leaf))).toBe(i);
      expect(encodeHex(hashLeaf(hex(leaf)))).toBe(v.leaf_hashes_hex[i]);
    });
    v.complete_subtree_hashes_by_level_hex.forEach((level, l) => {
      for (const [n, h] of level.entries()) expect(encodeHex(tree.subtreeHash({ level: l, index: n }))).toBe(h);
    });
    for (let size = 0; size <= 8; size++) {
      const want = v.root_by_tree_size_hex[size];
      expect(encodeHex(tree.root(size))).toBe(want);
      expect(encodeHex(await treeRoot(size, tree))).toBe(want);
      expect(encodeHex(rootFromLeafHashes(v.leaf_hashes_hex.slice(0, size).map(hex)))).toBe(want);
    }
  });

  it('subtreesOfRange tiles a range with aligned, decreasing complete subtrees', () => {
    expect(subtreesOfRange(0, 7)).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
    expect(subtreesOfRange(4, 8)).toEqual([{ level: 2, index: 1 }]);
    expect(subtreesOfRange(5, 5)).toEqual([]);
  });

  it('property: streaming root, memory tree and reader-based root equal the recursive MTH', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 70 }), async (entries) => {
        const leaves = entries.map(refLeaf);
        const want = refMth(leaves);
        const tree = new MemoryMerkleTree();
        for (const e of entries) tree.append(e);
        expect(rootFromLeafHashes(leaves)).toEqual(want);
        expect(tree.root()).toEqual(want);
        expect(await treeRoot(entries.length, tree)).toEqual(want);
      }),
      { numRuns: 150 },
    );
  });

  it('large tree sizes: subtree arithmetic stays exact above 2^32', () => {
    const size = 2 ** 40 + 2 ** 33 + 5;
    const subtrees = subtreesOfRange(0, size);
    expect(subtrees.map((s) => s.level)).toEqual([40, 33, 2, 0]);
    expect(subtrees[3]).toEqual({ level: 0, index: size - 1 });
  });
});
