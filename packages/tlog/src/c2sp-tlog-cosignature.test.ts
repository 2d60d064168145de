import { decodeBase64, decodeHex, encodeHex, utf8Encode } from '@fulcrum/common';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../tests/helpers.js';
import cv from '../vectors/checkpoints.json' with { type: 'json' };
import {
  SIGNATURE_TYPE,
  appendSignatureLines,
  cosignatureV1Message,
  createCosignatureV1Signer,
  createCosignatureV1Verifier,
  createEd25519NoteVerifier,
  createMlDsa44CosignatureSigner,
  createMlDsa44CosignatureVerifier,
  formatKeyId,
  formatSignatureLine,
  formatVerifierKey,
  parseCheckpointText,
  parseNote,
  parseVerifierKey,
  subtreeCosignedMessage,
  verifyCheckpoint,
  verifySubtreeCosignature,
} from './index.js';

const T = cv.cosignature_timestamp;
const clock = { now: () => T * 1000 + 999 };
const logVerifier = parseVerifierKey(cv.keys.log.vkey);
const witnessSigner = createCosignatureV1Signer(
  cv.keys.witness_ed25519.name,
  decodeHex(cv.keys.witness_ed25519.seed_hex),
  clock,
);
const witnessVerifier = parseVerifierKey(cv.keys.witness_ed25519.vkey_type04);
const pq = cv.keys.witness_mldsa44;
const pqVerifier = createMlDsa44CosignatureVerifier(pq.name, decodeBase64(pq.pubkey_b64));
const cp8 = cv.checkpoints[8] as (typeof cv.checkpoints)[number];

describe('C2SP tlog-cosignature (vectors: checkpoints.json)', () => {
  it('cosignature/v1 key: type 0x04 key ID and vkey', () => {
    expect(encodeHex(witnessSigner.publicKey)).toBe(cv.keys.witness_ed25519.pubkey_hex);
    expect(formatVerifierKey(witnessSigner)).toBe(cv.keys.witness_ed25519.vkey_type04);
    expect(witnessVerifier.type).toBe(SIGNATURE_TYPE.cosignatureV1);
    // Same key as a plain Ed25519 note key gets a different key ID (domain separation).
    expect(createEd25519NoteVerifier(witnessSigner.name, witnessSigner.publicKey).keyId).not.toBe(
      witnessVerifier.keyId,
    );
  });

  it('signed messages and cosignature lines for all 9 checkpoints, byte for byte', async () => {
    for (const c of cv.checkpoints) {
      expect(new TextDecoder().decode(cosignatureV1Message(c.text, T))).toBe(c.cosignature_v1_signed_message);
      const sig = await witnessSigner.sign(utf8Encode(c.text));
      const line = formatSignatureLine({ name: witnessSigner.name, keyId: witnessSigner.keyId, signature: sig });
      expect(line).toBe(c.cosignature_v1_line);
      expect(appendSignatureLines(c.note, line)).toBe(c.note_with_cosignature);
      const v = verifyCheckpoint(c.note_with_cosignature, {
        logVerifiers: [logVerifier],
        witnessVerifiers: [witnessVerifier],
      });
      expect(v.cosignatures.map((x) => [x.name, x.timestamp, x.type])).toEqual([[witnessSigner.name, T, 0x04]]);
    }
  });

  it('a cosignature with an altered timestamp or over another checkpoint fails, rejecting the note', () => {
    const note = cp8.note_with_cosignature;
    const parsed = parseNote(note);
    const cos = parsed.signatures[1]!;
    const bumped = cos.signature.slice();
    bumped[7]! ^= 1;
    const bad = `${parsed.text}\n${formatSignatureLine(parsed.signatures[0]!)}${formatSignatureLine({ ...cos, signature: bumped })}`;
    expect(
      codeOf(() => verifyCheckpoint(bad, { logVerifiers: [logVerifier], witnessVerifiers: [witnessVerifier] })),
    ).toBe('tlog.note_bad_signature');
    // Without the witness key the same note is fine: the unknown line is ignored.
    expect(verifyCheckpoint(bad, { logVerifiers: [logVerifier] }).cosignatures).toEqual([]);
    // The size-7 cosignature moved onto the size-8 checkpoint does not verify.
    const line7 = (cv.checkpoints[7] as (typeof cv.checkpoints)[number]).cosignature_v1_line;
    expect(
      codeOf(() =>
        verifyCheckpoint(cp8.note + line7, { logVerifiers: [logVerifier], witnessVerifiers: [witnessVerifier] }),
      ),
    ).toBe('tlog.note_bad_signature');
    // Timestamps beyond 2^53-1 are refused by the verifier.
    const huge = cos.signature.slice();
    huge[0] = 0x7f;
    expect(witnessVerifier.verify(utf8Encode(parsed.text), huge)).toBe(false);
  });

  it('ML-DSA-44 subtree/v1: key ID, cosigned message and the vector signature verify', () => {
    expect(formatKeyId(pqVerifier.keyId)).toBe(pq.key_id_hex);
    const cp = parseCheckpointText(cp8.text);
    const message = subtreeCosignedMessage({
      cosignerName: pq.name,
      timestamp: T,
      origin: cp.origin,
      start: 0,
      end: cp.size,
      hash: cp.rootHash,
    });
    expect(encodeHex(message)).toBe(cv.mldsa44_subtree_cosignature.cosigned_message_hex);
    const note = cp8.note + cv.mldsa44_subtree_cosignature.signature_line;
    const v = verifyCheckpoint(note, { logVerifiers: [logVerifier], witnessVerifiers: [pqVerifier] });
    expect(v.cosignatures.map((x) => [x.name, x.timestamp, x.type])).toEqual([[pq.name, T, 0x06]]);
    // The vkey form parses to the same verifier.
    expect(parseVerifierKey(formatVerifierKey(pqVerifier)).keyId).toBe(pqVerifier.keyId);
    // The same signature does not verify for another checkpoint.
    const cp7 = cv.checkpoints[7] as (typeof cv.checkpoints)[number];
    expect(
      codeOf(() =>
        verifyCheckpoint(cp7.note + cv.mldsa44_subtree_cosignature.signature_line, {
          logVerifiers: [logVerifier],
          witnessVerifiers: [pqVerifier],
        }),
      ),
    ).toBe('tlog.note_bad_signature');
    // The explicit subtree API agrees.
    const sig = parseNote(note).signatures[1]!.signature;
    expect(
      verifySubtreeCosignature(pqVerifier, { origin: cp.origin, start: 0, end: 8, hash: cp.rootHash }, sig).timestamp,
    ).toBe(T);
    expect(
      codeOf(() =>
        verifySubtreeCosignature(pqVerifier, { origin: cp.origin, start: 0, end: 7, hash: cp.rootHash }, sig),
      ),
    ).toBe('tlog.note_bad_signature');
  });

  it('ML-DSA-44 signing (hedged) round-trips: our cosigner key matches the vector public key', async () => {
    const signer = createMlDsa44CosignatureSigner(pq.name, decodeHex(pq.seed_hex), clock);
    expect(signer.publicKey).toEqual(decodeBase64(pq.pubkey_b64));
    const a = await signer.sign(utf8Encode(cp8.text));
    const b = await signer.sign(utf8Encode(cp8.text));
    expect(a).not.toEqual(b); // randomised
    for (const s of [a, b]) expect(pqVerifier.verify(utf8Encode(cp8.text), s)).toBe(true);
  });

  it('subtree message rules: start 0 for timestamped, lengths 1..255, start < end', () => {
    const base = { cosignerName: 'w', timestamp: 0, origin: 'o', start: 0, end: 1, hash: new Uint8Array(32) };
    expect(codeOf(() => subtreeCosignedMessage({ ...base, start: 4, end: 8, timestamp: 5 }))).toBe(
      'tlog.cosignature_malformed',
    );
    expect(codeOf(() => subtreeCosignedMessage({ ...base, origin: '' }))).toBe('tlog.cosignature_malformed');
    expect(codeOf(() => subtreeCosignedMessage({ ...base, cosignerName: 'x'.repeat(256) }))).toBe(
      'tlog.cosignature_malformed',
    );
    expect(codeOf(() => subtreeCosignedMessage({ ...base, start: 1, end: 1 }))).toBe('tlog.cosignature_malformed');
    expect(codeOf(() => subtreeCosignedMessage({ ...base, hash: new Uint8Array(31) }))).toBe(
      'tlog.cosignature_malformed',
    );
    expect(subtreeCosignedMessage({ ...base, start: 4, end: 8 }).length).toBe(12 + 2 + 8 + 2 + 8 + 8 + 32);
  });

  it('key sizes are checked', () => {
    expect(codeOf(() => createCosignatureV1Verifier('w', new Uint8Array(31)))).toBe('tlog.bad_key');
    expect(codeOf(() => createMlDsa44CosignatureVerifier('w', new Uint8Array(32)))).toBe('tlog.bad_key');
  });
});
