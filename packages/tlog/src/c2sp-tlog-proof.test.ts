import { decodeHex, utf8Encode } from '@fulcrum/common';
import { unsafeAssertLinearCost } from '@fulcrum/common/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../tests/helpers.js';
import cv from '../vectors/checkpoints.json' with { type: 'json' };
import hv from '../vectors/rfc6962-hashes.json' with { type: 'json' };
import {
  MemoryMerkleTree,
  createTlogProof,
  formatTlogProof,
  parseTlogProof,
  parseTlogPolicy,
  parseVerifierKey,
  verifyCheckpoint,
  verifyCheckpointWithPolicy,
  verifyTlogProof,
} from './index.js';

const tree = new MemoryMerkleTree();
for (const l of hv.leaves_hex) tree.append(decodeHex(l));
const cosigned = (cv.checkpoints[8] as (typeof cv.checkpoints)[number]).note_with_cosignature;
const p = cv.tlog_proof;
const policy = parseTlogPolicy(
  `log ${cv.keys.log.vkey}\nwitness w1 ${cv.keys.witness_ed25519.vkey_type04}\nquorum w1\n`,
);
const byPolicy = (note: string) => verifyCheckpointWithPolicy(note, policy);

describe('C2SP tlog-proof (vectors: checkpoints.json tlog_proof)', () => {
  it('creates the leaf-5 proof byte for byte, with and without extra data', async () => {
    expect(await createTlogProof({ index: 5, checkpointNote: cosigned, reader: tree })).toBe(p.proof);
    expect(
      await createTlogProof({ index: 5, checkpointNote: cosigned, reader: tree, extra: utf8Encode(p.extra_plain) }),
    ).toBe(p.proof_with_extra);
  });

  it('verifies offline against a policy (log key + witness quorum) and returns what it proves', () => {
    const v = verifyTlogProof(p.proof_with_extra, { leafHash: decodeHex(p.leaf_hash_hex), verifyCheckpoint: byPolicy });
    expect(v.index).toBe(5);
    expect(new TextDecoder().decode(v.extra)).toBe(p.extra_plain);
    expect(v.checkpoint.cosignedBy).toEqual(['w1']);
    expect(v.inclusion.treeSize).toBe(8);
  });

  it('a wrong leaf, index, proof line, or an uncosigned checkpoint is refused', () => {
    const leaf = decodeHex(p.leaf_hash_hex);
    const run = (text: string, leafHash = leaf) =>
      codeOf(() => verifyTlogProof(text, { leafHash, verifyCheckpoint: byPolicy }));
    expect(run(p.proof, decodeHex(hv.leaf_hashes_hex[4] as string))).toBe('tlog.root_mismatch');
    expect(run(p.proof.replace('index 5', 'index 4'))).toBe('tlog.root_mismatch');
    expect(run(p.proof.replace('index 5', 'index 9'))).toBe('tlog.index_out_of_range');
    expect(run(p.proof.replace('vBoGQ7Eu', 'vBoGQ7Ev'))).toBe('tlog.root_mismatch');
    const lines = p.proof.split('\n');
    expect(run([...lines.slice(0, 2), ...lines.slice(3)].join('\n'))).toBe('tlog.bad_proof_length');
    // Only the log signature: the policy's witness quorum is not met.
    const bare = p.proof.slice(0, p.proof.lastIndexOf('\u2014 example.com/fulcrum-test-witness'));
    expect(run(bare)).toBe('tlog.policy_quorum_not_met');
    // With a plain log-key check it verifies.
    expect(
      verifyTlogProof(bare, {
        leafHash: leaf,
        verifyCheckpoint: (n) => verifyCheckpoint(n, { logVerifiers: [parseVerifierKey(cv.keys.log.vkey)] }),
      }).index,
    ).toBe(5);
  });

  it('malformed proofs are refused with tlog.proof_malformed', () => {
    const bad = [
      p.proof.replace('c2sp.org/tlog-proof@v1', 'c2sp.org/tlog-proof@v2'),
      p.proof.replace('index 5', 'index 05'),
      p.proof.replace('index 5', 'idx 5'),
      p.proof.replace('index 5\n', ''),
      p.proof.replace('vBoGQ7Eu', 'vBoG'),
      p.proof.replace('\n\nexample.com', '\nexample.com'),
      p.proof_with_extra.replace('extra Z', 'extra !'),
      `${p.proof.split('\n').slice(0, 2).join('\n')}\n${'vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=\n'.repeat(64)}\n${cosigned}`,
      p.proof.slice(0, p.proof.indexOf('\u2014')),
    ];
    for (const text of bad)
      expect(
        codeOf(() => parseTlogProof(text)),
        text.slice(0, 60),
      ).toBe('tlog.proof_malformed');
    expect(codeOf(() => parseTlogProof('x'.repeat(2 << 20)))).toBe('tlog.proof_malformed');
  });

  it('property: format → parse round-trips', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 63 }),
        fc.option(fc.uint8Array({ maxLength: 100 }), { nil: undefined }),
        (index, proof, extra) => {
          const base = { index: index as never, proof, checkpointNote: cosigned };
          const q = extra === undefined ? base : { ...base, extra };
          expect(parseTlogProof(formatTlogProof(q))).toEqual(q);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('parsing cost grows linearly (signature lines of the embedded note)', () => {
    const sigLine = cosigned.slice(cosigned.lastIndexOf('\u2014'));
    const [small, large] = [8, 80].map((n) => p.proof + sigLine.repeat(n));
    unsafeAssertLinearCost('parseTlogProof', {
      small: () => parseTlogProof(small as string),
      large: () => parseTlogProof(large as string),
      inputRatio: 10,
    });
  });
});
