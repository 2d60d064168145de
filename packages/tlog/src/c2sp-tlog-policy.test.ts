import { decodeHex, utf8Encode } from '@fulcrum/common';
import { unsafeAssertLinearCost } from '@fulcrum/common/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../tests/helpers.js';
import cv from '../vectors/checkpoints.json' with { type: 'json' };
import {
  appendSignatureLines,
  createCosignatureV1Signer,
  createMlDsa44CosignatureSigner,
  describeQuorum,
  evaluateQuorum,
  formatSignatureLine,
  formatVerifierKey,
  parseTlogPolicy,
  verifyCheckpointWithPolicy,
} from './index.js';

const clock = { now: () => cv.cosignature_timestamp * 1000 };
const w = (i: number) => createCosignatureV1Signer(`witness${i}.example`, new Uint8Array(32).fill(40 + i), clock);
const W = Array.from({ length: 6 }, (_, i) => w(i));
const vk = (i: number) => formatVerifierKey(W[i]!);
const cp8 = cv.checkpoints[8] as (typeof cv.checkpoints)[number];

/** The spec's example: 2 of X1..X3 and any of Y1..Y3. */
const example = `
# The example of c2sp.org/tlog-policy, with real keys.
log ${cv.keys.log.vkey} https://log.example/
\t
witness X1 ${vk(0)}
witness X2 ${vk(1)}
witness X3 ${vk(2)} https://x3.example/
group X-witnesses 2 X1 X2 X3

witness Y1 ${vk(3)}
witness Y2 ${vk(4)}
witness Y3 ${vk(5)}
group Y-witnesses any Y1 Y2 Y3

  group X-and-Y all X-witnesses Y-witnesses   
quorum X-and-Y
`;

async function cosignedBy(indices: number[]): Promise<string> {
  let note = cp8.note;
  for (const i of indices) {
    const s = W[i]!;
    const line = formatSignatureLine({ name: s.name, keyId: s.keyId, signature: await s.sign(utf8Encode(cp8.text)) });
    note = appendSignatureLines(note, line);
  }
  return note;
}

describe('C2SP tlog-policy', () => {
  it('parses the spec example and describes the quorum', () => {
    const p = parseTlogPolicy(example);
    expect(p.logs.length).toBe(1);
    expect(p.logs[0]?.url).toBe('https://log.example/');
    expect([...p.witnesses.keys()]).toEqual(['X1', 'X2', 'X3', 'Y1', 'Y2', 'Y3']);
    expect(p.witnesses.get('X3')?.url).toBe('https://x3.example/');
    expect(p.groups.get('X-witnesses')?.threshold).toBe(2);
    expect(p.groups.get('Y-witnesses')?.threshold).toBe(1);
    expect(p.groups.get('X-and-Y')?.threshold).toBe(2);
    const q = describeQuorum(p);
    expect(q).toMatchObject({ kind: 'group', name: 'X-and-Y', threshold: 2 });
    expect(evaluateQuorum(p, new Set(['X1', 'X3', 'Y2'])).satisfied).toBe(true);
    expect(evaluateQuorum(p, new Set(['X1', 'Y2'])).satisfied).toBe(false);
    expect(evaluateQuorum(p, new Set(['X1', 'X2', 'X3'])).byName.get('Y-witnesses')).toBe(false);
  });

  it('evaluates real cosignatures on a checkpoint against the quorum', async () => {
    const p = parseTlogPolicy(example);
    const ok = verifyCheckpointWithPolicy(await cosignedBy([0, 2, 4]), p);
    expect([...ok.cosignedBy].sort()).toEqual(['X1', 'X3', 'Y2']);
    expect(ok.checkpoint.size).toBe(8);
    expect(codeOf(() => verifyCheckpointWithPolicy(cp8.note, p))).toBe('tlog.policy_quorum_not_met');
    expect(codeOf(() => verifyCheckpointWithPolicy('', p))).toBe('tlog.note_malformed');
    const two = await cosignedBy([0, 1]);
    expect(codeOf(() => verifyCheckpointWithPolicy(two, p))).toBe('tlog.policy_quorum_not_met');
    // A policy without witnesses accepts the bare checkpoint; a policy without the log refuses it.
    expect(
      verifyCheckpointWithPolicy(cp8.note, parseTlogPolicy(`log ${cv.keys.log.vkey}\nquorum none\n`)).cosignedBy,
    ).toEqual([]);
    expect(
      codeOf(() => verifyCheckpointWithPolicy(cp8.note, parseTlogPolicy(`witness a ${vk(0)}\nquorum none\n`))),
    ).toBe('tlog.policy_unknown_log');
  });

  it('a cosignature from a policy witness that fails to verify rejects the checkpoint', async () => {
    const note = await cosignedBy([0, 1, 3]);
    // Change a character inside the signature (after the key ID and timestamp): same key, bad signature.
    const tampered = note.replace(
      /(\u2014 witness0\.example .{30})(.)/,
      (_, a: string, c: string) => a + (c === 'A' ? 'B' : 'A'),
    );
    expect(codeOf(() => verifyCheckpointWithPolicy(tampered, parseTlogPolicy(example)))).toBe(
      'tlog.note_bad_signature',
    );
  });

  it('enforces every rule of the grammar', () => {
    const L = `log ${cv.keys.log.vkey}\n`;
    const bad = [
      `${L}`, // no quorum
      `${L}quorum none\nquorum none\n`, // two quorums
      `${L}quorum X\n`, // undefined
      `${L}quorum X\nwitness X ${vk(0)}\n`, // forward reference
      `${L}witness none ${vk(0)}\nquorum none\n`,
      `${L}witness A ${vk(0)}\nwitness A ${vk(1)}\nquorum A\n`, // duplicate name
      `${L}witness A ${vk(0)}\nwitness B ${vk(0)}\nquorum A\n`, // duplicate key
      `${L}${L}quorum none\n`, // duplicate log
      `${L}witness A ${vk(0)}\ngroup G 2 A\nquorum G\n`, // k > n
      `${L}witness A ${vk(0)}\ngroup G 0 A\nquorum G\n`,
      `${L}witness A ${vk(0)}\ngroup G 01 A\nquorum G\n`,
      `${L}witness A ${vk(0)}\ngroup G any A A\nquorum G\n`, // member twice
      `${L}witness A ${vk(0)}\ngroup G any\nquorum G\n`, // no members
      `${L}witness A ${vk(0)}\ngroup G any none\nquorum G\n`,
      `${L}witness A ${vk(0)}\ngroup G any B\nquorum G\n`,
      `${L}witness A ${cv.keys.log.vkey}\nquorum A\n`, // an Ed25519 note key is not a cosigner key
      `log ${vk(0)}\nquorum none\n`, // a cosigner key is not a log key
      `${L}frobnicate\nquorum none\n`,
      `${L}witness A\nquorum none\n`,
      `${L}quorum none extra\n`,
      `${L}quorum none\r\n`,
      `${L}quorum\u0001none\n`,
      `log not-a-vkey\nquorum none\n`,
    ];
    for (const text of bad)
      expect(
        codeOf(() => parseTlogPolicy(text)),
        JSON.stringify(text.slice(-60)),
      ).toBe('tlog.policy_malformed');
    // Opaque non-ASCII names and a Kelvin sign distinct from K.
    const p = parseTlogPolicy(`${L}witness K ${vk(0)}\nwitness \u212a ${vk(1)}\ngroup g all K \u212a\nquorum g\n`);
    expect(p.witnesses.size).toBe(2);
    expect(
      codeOf(() =>
        parseTlogPolicy(
          new Uint8Array([0x71, 0x75, 0x6f, 0x72, 0x75, 0x6d, 0x20, 0x6e, 0x6f, 0x6e, 0x65, 0x0a, 0xff, 0x0a]),
        ),
      ),
    ).toBe('tlog.policy_malformed');
  });

  it('size limits and linear cost', () => {
    expect(codeOf(() => parseTlogPolicy(`${'# comment\n'.repeat(8000)}quorum none\n`))).toBe('tlog.policy_malformed');
    const body = (n: number) => {
      const lines = Array.from({ length: n }, (_, i) => {
        const seed = new Uint8Array(32);
        seed[0] = i & 255;
        seed[1] = i >> 8;
        return `witness w${i} ${formatVerifierKey(createCosignatureV1Signer(`w${i}`, seed, clock))}`;
      });
      return `${lines.join('\n')}\ngroup g any ${lines.map((_, i) => `w${i}`).join(' ')}\nquorum g\n`;
    };
    const [small, large] = [body(60), body(600)];
    expect(codeOf(() => parseTlogPolicy(large, { maxEntries: 100, maxBytes: 1 << 20 }))).toBe('tlog.policy_malformed');
    const limits = { maxEntries: 1000, maxBytes: 1 << 20 };
    unsafeAssertLinearCost('parseTlogPolicy', {
      small: () => parseTlogPolicy(small, limits),
      large: () => parseTlogPolicy(large, limits),
      inputRatio: 10,
    });
  });

  it('uses a witness vector key (type 0x04) in a policy', () => {
    const p = parseTlogPolicy(`log ${cv.keys.log.vkey}\nwitness w ${cv.keys.witness_ed25519.vkey_type04}\nquorum w\n`);
    expect(verifyCheckpointWithPolicy(cp8.note_with_cosignature, p).cosignedBy).toEqual(['w']);
    expect(decodeHex(cv.keys.witness_ed25519.pubkey_hex)).toEqual(p.witnesses.get('w')?.verifier.publicKey);
  });
});

describe('C2SP tlog-policy with cosignature freshness (c2sp.org/tlog-cosignature timestamps)', () => {
  const T = cv.cosignature_timestamp; // seconds
  const HOUR = 3600;
  /** Witness i signing with its clock `offset` seconds from T. */
  const at = (i: number, offset: number) =>
    createCosignatureV1Signer(`witness${i}.example`, new Uint8Array(32).fill(40 + i), {
      now: () => (T + offset) * 1000,
    });
  async function cosigned(
    signers: { sign(t: Uint8Array): Uint8Array | Promise<Uint8Array>; name: string; keyId: number }[],
  ) {
    let note = cp8.note;
    for (const s of signers) {
      const line = formatSignatureLine({ name: s.name, keyId: s.keyId, signature: await s.sign(utf8Encode(cp8.text)) });
      note = appendSignatureLines(note, line);
    }
    return note;
  }
  const policy = (quorum: string) =>
    parseTlogPolicy(`log ${cv.keys.log.vkey}\nwitness a ${vk(0)}\nwitness b ${vk(1)}\nwitness c ${vk(2)}\n${quorum}`);
  const fresh = (maxAgeMs: number, maxFutureSkewMs?: number) => ({
    now: T * 1000,
    maxAgeMs,
    ...(maxFutureSkewMs === undefined ? {} : { maxFutureSkewMs }),
  });
  const detailOf = (f: () => unknown): Record<string, unknown> => {
    try {
      f();
    } catch (e) {
      return (e as { detail?: Record<string, unknown> }).detail ?? {};
    }
    return {};
  };

  it('counts only cosignatures no older than maxAgeMs and not beyond the future skew', async () => {
    // a: now; b: 2 days ago; c: 1 hour ahead.
    const note = await cosigned([at(0, 0), at(1, -48 * HOUR), at(2, HOUR)]);
    const all = policy('group g all a b c\nquorum g\n');
    // Without freshness every verified cosignature counts (the earlier behaviour).
    expect([...verifyCheckpointWithPolicy(note, all).cosignedBy].sort()).toEqual(['a', 'b', 'c']);
    expect(verifyCheckpointWithPolicy(note, all).ignoredCosignatures).toEqual([]);
    // 24 h, default skew (5 min): b is stale, c is in the future; the quorum "all" fails on freshness.
    const f = () => verifyCheckpointWithPolicy(note, all, { freshness: fresh(24 * HOUR * 1000) });
    expect(codeOf(f)).toBe('tlog.stale_checkpoint');
    expect(detailOf(f)).toMatchObject({
      cosignedBy: ['a'],
      stale: [{ name: 'b', timestamp: T - 48 * HOUR }],
      future: [{ name: 'c', timestamp: T + HOUR }],
      maxAgeMs: 24 * HOUR * 1000,
    });
    // "any of b, c" is met only by too-old or future cosignatures: refused.
    const bc = policy('group g any b c\nquorum g\n');
    expect(codeOf(() => verifyCheckpointWithPolicy(note, bc, { freshness: fresh(24 * HOUR * 1000) }))).toBe(
      'tlog.stale_checkpoint',
    );
    // "2 of 3" is met by a and c once the skew allows 2 h; b still does not count.
    const two = policy('group g 2 a b c\nquorum g\n');
    const ok = verifyCheckpointWithPolicy(note, two, { freshness: fresh(24 * HOUR * 1000, 2 * HOUR * 1000) });
    expect([...ok.cosignedBy].sort()).toEqual(['a', 'c']);
    expect(ok.ignoredCosignatures).toEqual([{ name: 'b', timestamp: T - 48 * HOUR, reason: 'stale' }]);
    // A 3-day age counts b as well.
    expect(
      verifyCheckpointWithPolicy(note, all, { freshness: fresh(72 * HOUR * 1000, 2 * HOUR * 1000) }).cosignedBy,
    ).toHaveLength(3);
  });

  it('the window is inclusive to the second: exactly maxAgeMs old counts, one second more does not', async () => {
    const note = await cosigned([at(0, -100)]);
    const p = policy('quorum a\n');
    expect(verifyCheckpointWithPolicy(note, p, { freshness: fresh(100_000) }).cosignedBy).toEqual(['a']);
    expect(codeOf(() => verifyCheckpointWithPolicy(note, p, { freshness: fresh(99_000) }))).toBe(
      'tlog.stale_checkpoint',
    );
    const ahead = await cosigned([at(0, 60)]);
    expect(verifyCheckpointWithPolicy(ahead, p, { freshness: fresh(1000, 60_000) }).cosignedBy).toEqual(['a']);
    expect(codeOf(() => verifyCheckpointWithPolicy(ahead, p, { freshness: fresh(1000, 59_000) }))).toBe(
      'tlog.stale_checkpoint',
    );
  });

  it('a quorum missing even with the stale cosignatures is still policy_quorum_not_met; quorum none needs none', async () => {
    const note = await cosigned([at(0, -48 * HOUR)]);
    const p = policy('group g all a b\nquorum g\n');
    expect(codeOf(() => verifyCheckpointWithPolicy(note, p, { freshness: fresh(1000) }))).toBe(
      'tlog.policy_quorum_not_met',
    );
    const none = parseTlogPolicy(`log ${cv.keys.log.vkey}\nquorum none\n`);
    expect(verifyCheckpointWithPolicy(cp8.note, none, { freshness: fresh(1000) }).cosignedBy).toEqual([]);
    // A malformed freshness window is a programming error, never "everything is fresh".
    expect(() => verifyCheckpointWithPolicy(note, p, { freshness: { now: Number.NaN, maxAgeMs: 1000 } })).toThrow(
      RangeError,
    );
    expect(() => verifyCheckpointWithPolicy(note, p, { freshness: { now: 0, maxAgeMs: Number.NaN } })).toThrow(
      RangeError,
    );
  });

  it('ML-DSA-44 subtree/v1 checkpoint cosignatures are held to the same window', async () => {
    const seed = new Uint8Array(32).fill(7);
    const old = createMlDsa44CosignatureSigner('pq.example', seed, { now: () => (T - 48 * HOUR) * 1000 });
    const now = createMlDsa44CosignatureSigner('pq.example', seed, { now: () => T * 1000 });
    const p = parseTlogPolicy(`log ${cv.keys.log.vkey}\nwitness pq ${formatVerifierKey(now)}\nquorum pq\n`);
    expect(codeOf(() => verifyCheckpointWithPolicy(cp8.note, p))).toBe('tlog.policy_quorum_not_met');
    const withOld = await cosigned([old]);
    expect(verifyCheckpointWithPolicy(withOld, p).cosignedBy).toEqual(['pq']);
    expect(codeOf(() => verifyCheckpointWithPolicy(withOld, p, { freshness: fresh(HOUR * 1000) }))).toBe(
      'tlog.stale_checkpoint',
    );
    expect(verifyCheckpointWithPolicy(await cosigned([now]), p, { freshness: fresh(HOUR * 1000) }).cosignedBy).toEqual([
      'pq',
    ]);
  });

  it('property: accepted exactly when the fresh cosigners alone meet the quorum', async () => {
    const offsets = [-3 * HOUR, -HOUR - 1, -HOUR, 0, 299, 301, 2 * HOUR];
    const signers = await Promise.all(
      [0, 1, 2].flatMap((i) => offsets.map(async (o) => ({ i, o, note: await cosigned([at(i, o)]) }))),
    );
    const lineOf = (n: string) => n.slice(cp8.note.length);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: signers.length - 1 }), { maxLength: 3 }),
        fc.constantFrom(
          'group g all a b c\nquorum g\n',
          'group g any a b c\nquorum g\n',
          'group g 2 a b c\nquorum g\n',
        ),
        async (picks, quorum) => {
          const chosen = new Map<number, (typeof signers)[number]>();
          for (const k of picks) {
            const s = signers[k] as (typeof signers)[number];
            if (!chosen.has(s.i)) chosen.set(s.i, s);
          }
          const note = cp8.note + [...chosen.values()].map((s) => lineOf(s.note)).join('');
          const p = policy(quorum);
          const names = ['a', 'b', 'c'];
          const freshNames = new Set(
            [...chosen.values()].filter((s) => s.o >= -HOUR && s.o <= 300).map((s) => names[s.i] as string),
          );
          const allNames = new Set([...chosen.values()].map((s) => names[s.i] as string));
          const expected = evaluateQuorum(p, freshNames).satisfied
            ? 'no error'
            : evaluateQuorum(p, allNames).satisfied
              ? 'tlog.stale_checkpoint'
              : 'tlog.policy_quorum_not_met';
          expect(codeOf(() => verifyCheckpointWithPolicy(note, p, { freshness: fresh(HOUR * 1000) }))).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});
