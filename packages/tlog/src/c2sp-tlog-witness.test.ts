import { decodeBase64, decodeHex, utf8Encode } from '@fulcrum/common';
import { unsafeAssertLinearCost } from '@fulcrum/common/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asyncCodeOf, codeOf } from '../tests/helpers.js';
import cv from '../vectors/checkpoints.json' with { type: 'json' };
import hv from '../vectors/rfc6962-hashes.json' with { type: 'json' };
import {
  type AddCheckpointContext,
  MemoryMerkleTree,
  MemoryTileStore,
  type NoteVerifier,
  type WitnessRecord,
  appendSignatureLines,
  assertNoSplitView,
  createConsistencyProof,
  createCosignatureV1Signer,
  createEd25519NoteSigner,
  createMlDsa44CosignatureSigner,
  createMlDsa44CosignatureVerifier,
  formatAddCheckpointBody,
  integrateEntries,
  parseAddCheckpointBody,
  parseCheckpointText,
  parseVerifierKey,
  signCheckpoint,
  treeSize,
  verifyCheckpoint,
  verifyCheckpointExtends,
  verifyTiledLog,
  witnessAddCheckpoint,
  witnessCheckpointPath,
} from './index.js';

const T = cv.cosignature_timestamp;
const clock = { now: () => T * 1000 };
const ORIGIN = cv.keys.log.name;
const logSigner = createEd25519NoteSigner(ORIGIN, decodeHex(cv.keys.log.seed_hex));
const logVerifier = parseVerifierKey(cv.keys.log.vkey);
const cosigner = createCosignatureV1Signer(
  cv.keys.witness_ed25519.name,
  decodeHex(cv.keys.witness_ed25519.seed_hex),
  clock,
);
const witnessVerifier = parseVerifierKey(cv.keys.witness_ed25519.vkey_type04);
const cps = cv.checkpoints;

/** An in-memory witness: the pure state machine plus a map as its persisted state. */
function makeWitness(initial?: WitnessRecord, cosigners = [cosigner]) {
  const db = new Map<string, WitnessRecord>();
  if (initial) db.set(ORIGIN, initial);
  const ctx: AddCheckpointContext = {
    logKeys: (origin) => (origin === ORIGIN ? [logVerifier] : undefined),
    state: (origin) => db.get(origin),
    cosigners,
  };
  const add = async (body: string) => {
    const r = await witnessAddCheckpoint(body, ctx);
    if (r.status === 200) {
      // Compare-and-swap, as the result asks.
      if ((db.get(r.update.origin)?.size ?? 0) !== r.update.expectedSize) throw new Error('lost race');
      db.set(r.update.origin, r.update.record);
    }
    return r;
  };
  return { db, add };
}

const record = (size: number, rootB64?: string): WitnessRecord => {
  const c = cps[size] as (typeof cps)[number];
  return { size: treeSize(size), rootHash: decodeBase64(rootB64 ?? c.text.split('\n')[2]!), note: c.note };
};

describe('C2SP tlog-witness add-checkpoint (vectors: checkpoints.json witness_add_checkpoint)', () => {
  it('every vector case gets exactly the expected status', async () => {
    for (const c of cv.witness_add_checkpoint.cases) {
      const w = makeWitness(
        record(c.witness_state_size, (c as { witness_state_root_b64?: string }).witness_state_root_b64),
      );
      const r = await w.add(c.body);
      expect(r.status, c.desc).toBe(c.expect_status);
      if (c.expect_status === 409) {
        expect(r.body).toBe(c.expect_body);
        expect(r.contentType).toBe(c.expect_content_type);
      }
    }
    expect(cv.witness_add_checkpoint.cases.length).toBe(8);
  });

  it('200: the response is the cosignature line, byte for byte, and the state moves to 8', async () => {
    const w = makeWitness(record(6));
    const c = cv.witness_add_checkpoint.cases[0] as (typeof cv.witness_add_checkpoint.cases)[number];
    const r = await w.add(c.body);
    if (r.status !== 200) throw new Error(`status ${r.status}`);
    expect(r.body).toBe((cps[8] as (typeof cps)[number]).cosignature_v1_line);
    expect(r.update.expectedSize).toBe(6);
    expect(w.db.get(ORIGIN)?.size).toBe(8);
    // The stored note is the cosigned checkpoint the monitoring endpoint serves.
    expect(w.db.get(ORIGIN)?.note).toBe((cps[8] as (typeof cps)[number]).note_with_cosignature);
    expect(witnessCheckpointPath(ORIGIN)).toMatch(/^[0-9a-f]{64}\/checkpoint$/);
    // The log adds the response to its checkpoint; clients verify the cosignature.
    const cosigned = appendSignatureLines((cps[8] as (typeof cps)[number]).note, r.body);
    expect(
      verifyCheckpoint(cosigned, { logVerifiers: [logVerifier], witnessVerifiers: [witnessVerifier] }).cosignatures
        .length,
    ).toBe(1);
    // Replaying the same request now conflicts: the witness is at 8.
    const again = await w.add(c.body);
    expect([again.status, again.body]).toEqual([409, '8\n']);
  });

  it('a witness with Ed25519 and ML-DSA-44 keys returns both cosignatures', async () => {
    const pq = cv.keys.witness_mldsa44;
    const pqSigner = createMlDsa44CosignatureSigner(pq.name, decodeHex(pq.seed_hex), clock);
    const w = makeWitness(record(6), [cosigner, pqSigner]);
    const r = await w.add((cv.witness_add_checkpoint.cases[0] as { body: string }).body);
    if (r.status !== 200) throw new Error(`status ${r.status}`);
    const cosigned = appendSignatureLines((cps[8] as (typeof cps)[number]).note, r.body);
    const pqVerifier: NoteVerifier = createMlDsa44CosignatureVerifier(pq.name, decodeBase64(pq.pubkey_b64));
    const v = verifyCheckpoint(cosigned, {
      logVerifiers: [logVerifier],
      witnessVerifiers: [witnessVerifier, pqVerifier],
    });
    expect(v.cosignatures.map((c) => c.type)).toEqual([0x04, 0x06]);
  });

  it('old 0: a first contact needs an empty proof; size-0 checkpoints need the empty root', async () => {
    const w = makeWitness();
    const cp3 = cps[3] as (typeof cps)[number];
    expect((await w.add(`old 0\n\n${cp3.note}`)).status).toBe(200);
    const w2 = makeWitness();
    expect((await w2.add(`old 0\nDrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=\n\n${cp3.note}`)).status).toBe(422);
    // A validly signed size-0 checkpoint with a non-empty root.
    const bogus = await signCheckpoint(
      { origin: ORIGIN, size: treeSize(0), rootHash: new Uint8Array(32), extensions: [] },
      [logSigner],
    );
    expect((await makeWitness().add(`old 0\n\n${bogus}`)).status).toBe(422);
    expect((await makeWitness().add(`old 0\n\n${(cps[0] as (typeof cps)[number]).note}`)).status).toBe(200);
  });

  it('malformed request bodies get 400', async () => {
    const note = (cps[8] as (typeof cps)[number]).note;
    for (const body of [
      note,
      `old 06\n\n${note}`,
      `old -1\n\n${note}`,
      `new 6\n\n${note}`,
      `old 6\nnot-base64\n\n${note}`,
      `old 6\nAAAA\n\n${note}`,
      `old 6\n${'DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=\n'.repeat(64)}\n${note}`,
      `old 6\n\nexample.com/fulcrum-test-log\n8\n`,
      `old 6\n\n${note.replace('\n8\n', '\n08\n')}`,
    ]) {
      const r = await makeWitness(record(6)).add(body);
      expect(r.status, body.slice(0, 30)).toBe(400);
    }
    expect(codeOf(() => parseAddCheckpointBody('x'.repeat(2 << 20)))).toBe('tlog.witness_request_malformed');
  });

  it('request parsing cost grows linearly (proof lines and note size)', () => {
    const c = cv.witness_add_checkpoint.cases[0] as { body: string };
    const sig = c.body.slice(c.body.lastIndexOf('\u2014'));
    // As bytes, the way the witness endpoint receives them: the UTF-8 decoding scales with the note.
    const [small, large] = [10, 100].map((n) => utf8Encode(c.body + sig.repeat(n))) as [Uint8Array, Uint8Array];
    unsafeAssertLinearCost('parseAddCheckpointBody', {
      small: () => parseAddCheckpointBody(small),
      large: () => parseAddCheckpointBody(large),
      inputRatio: 10,
    });
  });

  it('property: a witness follows an honest log through any growth, and refuses every fork of what it cosigned', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
        fc.nat(),
        fc.integer({ min: 0, max: 30 }),
        async (growth, forkAt, extra) => {
          const honest = new MemoryMerkleTree();
          const w = makeWitness();
          let witnessed = 0;
          for (const g of growth) {
            for (let i = 0; i < g; i++) honest.append(utf8Encode(`entry ${honest.size}`));
            const note = await signCheckpoint(
              { origin: ORIGIN, size: honest.size, rootHash: honest.root(), extensions: [] },
              [logSigner],
            );
            const proof = await createConsistencyProof(witnessed, honest.size, honest);
            const r = await w.add(formatAddCheckpointBody({ oldSize: witnessed, proof, checkpointNote: note }));
            expect(r.status).toBe(200);
            witnessed = honest.size;
          }
          // A fork: same prefix except one entry below the witnessed size, possibly longer.
          const fork = new MemoryMerkleTree();
          const changed = forkAt % witnessed;
          for (let i = 0; i < witnessed + extra; i++) fork.append(utf8Encode(i === changed ? 'evil' : `entry ${i}`));
          const note = await signCheckpoint(
            { origin: ORIGIN, size: fork.size, rootHash: fork.root(), extensions: [] },
            [logSigner],
          );
          const proof = await createConsistencyProof(witnessed, fork.size, fork);
          const r = await w.add(formatAddCheckpointBody({ oldSize: witnessed, proof, checkpointNote: note }));
          expect(r.status).toBe(422);
          expect(w.db.get(ORIGIN)?.size).toBe(witnessed);
          if (r.status === 422) expect(r.evidence).toBe(note);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('split view: the log shows two different size-8 checkpoints to two clients', () => {
  const honest = cps[8] as (typeof cps)[number];
  const forked = cv.forked_tree;

  it('the witness that cosigned the honest view refuses the forked one (422, fork)', async () => {
    const w = makeWitness(record(6));
    expect((await w.add(cv.witness_add_checkpoint.cases[0]!.body)).status).toBe(200);
    const r = await w.add(`old 8\n\n${forked.note}`);
    expect(r.status).toBe(422);
    if (r.status === 422) {
      expect(r.code).toBe('tlog.fork_detected');
      expect(r.evidence).toBe(forked.note);
    }
    expect(w.db.get(ORIGIN)?.rootHash).toEqual(parseCheckpointText(honest.text).rootHash);
  });

  it('a verifier comparing the two validly signed views reports tlog.fork_detected', () => {
    const a = verifyCheckpoint(honest.note, { logVerifiers: [logVerifier] });
    const b = verifyCheckpoint(forked.note, { logVerifiers: [logVerifier] }); // both carry the real log signature
    const known = (v: typeof a) => ({ ...v.checkpoint, note: v.note });
    expect(codeOf(() => assertNoSplitView(known(a), known(b)))).toBe('tlog.fork_detected');
    expect(codeOf(() => verifyCheckpointExtends(known(a), b.checkpoint, []))).toBe('tlog.fork_detected');
    try {
      assertNoSplitView(known(a), known(b));
    } catch (e) {
      expect((e as { detail: { notes: string[] } }).detail.notes).toEqual([honest.note, forked.note]);
    }
    // The honest view against itself, and its successor, are fine; going back is a rollback.
    assertNoSplitView(known(a), known(a));
    expect(
      codeOf(() =>
        verifyCheckpointExtends(
          known(a),
          verifyCheckpoint((cps[7] as (typeof cps)[number]).note, { logVerifiers: [logVerifier] }).checkpoint,
          [],
        ),
      ),
    ).toBe('tlog.rollback');
  });

  it('a client that verified the honest log and then reads the forked tiled log gets tlog.fork_detected', async () => {
    const store = new MemoryTileStore();
    const r = await integrateEntries({
      oldSize: 0,
      entries: forked.leaves_hex.map((h) => decodeHex(h)),
      source: store,
    });
    store.apply(r);
    store.putCheckpoint(forked.note);
    const honestRoot = decodeHex(hv.root_by_tree_size_hex[8] as string);
    expect(
      await asyncCodeOf(() =>
        verifyTiledLog({
          source: store,
          verifyCheckpoint: (n) => verifyCheckpoint(n, { logVerifiers: [logVerifier] }),
          previous: { size: 8, rootHash: honestRoot },
        }),
      ),
    ).toBe('tlog.fork_detected');
    // A client that last saw size 6 cannot tell from this log alone (the fork extends 6):
    // hence clients require a quorum of witnesses that saw the other branch.
    const six = new MemoryMerkleTree();
    for (const l of hv.leaves_hex.slice(0, 6)) six.append(decodeHex(l));
    const verdict = await verifyTiledLog({
      source: store,
      verifyCheckpoint: (n) => verifyCheckpoint(n, { logVerifiers: [logVerifier] }),
      previous: { size: 6, rootHash: six.root() },
    });
    expect(verdict.consistentWith?.size).toBe(6);
  });
});
