import { type Random, decodeHex, encodeHex } from '@fulcrum/common';
import { ristretto255 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../tests/helpers.js';
import v from '../vectors/rfc9497-voprf-ristretto255.json' with { type: 'json' };
import {
  voprfBlind,
  voprfBlindEvaluate,
  voprfDeriveKeyPair,
  voprfEvaluate,
  voprfFinalize,
  voprfGenerateKeyPair,
} from './index.js';

const Fn = ristretto255.Point.Fn;
const h = (x: string) => decodeHex(x);

/**
 * A Random that makes noble's scalar sampling return exactly the RFC's scalar: noble maps 48
 * random bytes x to (x mod (order - 1)) + 1, so we hand it LE(scalar - 1) (the same trick as
 * noble's own RFC 9497 test).
 */
function fixedScalars(...scalarsLeHex: string[]): Random {
  const queue = scalarsLeHex.map((s) => {
    const n = Fn.fromBytes(h(s)) - 1n;
    const out = new Uint8Array(48);
    let x = n;
    for (let i = 0; i < 48; i++) {
      out[i] = Number(x & 255n);
      x >>= 8n;
    }
    return out;
  });
  return {
    bytes(length: number) {
      const next = queue.shift();
      if (next === undefined || next.length !== length) throw new Error('unexpected randomness request');
      return next;
    },
  };
}

describe('RFC 9497 VOPRF ristretto255-SHA512 (vectors: rfc9497-voprf-ristretto255.json, Appendix A.1.2)', () => {
  const keys = voprfDeriveKeyPair(h(v.Seed), h(v.KeyInfo));

  it('DeriveKeyPair gives skSm and pkSm', () => {
    expect(encodeHex(keys.secretKey)).toBe(v.skSm);
    expect(encodeHex(keys.publicKey)).toBe(v.pkSm);
  });

  for (const t of v.tests) {
    it(`${t.name}: Blind, BlindEvaluate (proof), Finalize and Evaluate reproduce every value`, () => {
      t.Input.forEach((input, i) => {
        const b = voprfBlind(h(input), fixedScalars(t.Blind[i] as string));
        expect(encodeHex(b.blind)).toBe(t.Blind[i]);
        expect(encodeHex(b.blindedElement)).toBe(t.BlindedElement[i]);
      });
      const evaluated = voprfBlindEvaluate(keys, t.BlindedElement.map(h), fixedScalars(t.ProofRandomScalar));
      expect(evaluated.evaluatedElements.map(encodeHex)).toEqual(t.EvaluationElement);
      expect(encodeHex(evaluated.proof)).toBe(t.Proof);
      const items = t.Input.map((input, i) => ({
        input: h(input),
        blind: h(t.Blind[i] as string),
        blindedElement: h(t.BlindedElement[i] as string),
        evaluatedElement: h(t.EvaluationElement[i] as string),
      }));
      expect(voprfFinalize(items, keys.publicKey, h(t.Proof)).map(encodeHex)).toEqual(t.Output);
      t.Input.forEach((input, i) => {
        expect(encodeHex(voprfEvaluate(keys.secretKey, h(input)))).toBe(t.Output[i]);
      });
    });
  }

  it('a wrong proof, a proof for other elements, or another public key is refused (tlog.voprf_bad_proof)', () => {
    const t = v.tests[0] as (typeof v.tests)[number];
    const item = {
      input: h('00'),
      blind: h(t.Blind[0] as string),
      blindedElement: h(t.BlindedElement[0] as string),
      evaluatedElement: h(t.EvaluationElement[0] as string),
    };
    const proof = h(t.Proof);
    const other = voprfGenerateKeyPair();
    expect(codeOf(() => voprfFinalize([item], other.publicKey, proof))).toBe('tlog.voprf_bad_proof');
    const bent = proof.slice();
    bent[40]! ^= 1;
    expect(codeOf(() => voprfFinalize([item], keys.publicKey, bent))).toMatch(/^tlog\.voprf_bad_(proof|input)$/);
    const t2 = v.tests[1] as (typeof v.tests)[number];
    expect(
      codeOf(() =>
        voprfFinalize([{ ...item, evaluatedElement: h(t2.EvaluationElement[0] as string) }], keys.publicKey, proof),
      ),
    ).toBe('tlog.voprf_bad_proof');
  });

  it('malformed elements, scalars and sizes are refused (tlog.voprf_bad_input)', () => {
    const t = v.tests[0] as (typeof v.tests)[number];
    const good = {
      input: h('00'),
      blind: h(t.Blind[0] as string),
      blindedElement: h(t.BlindedElement[0] as string),
      evaluatedElement: h(t.EvaluationElement[0] as string),
    };
    const proof = h(t.Proof);
    const identity = new Uint8Array(32);
    const invalid = new Uint8Array(32).fill(0xff);
    expect(codeOf(() => voprfFinalize([{ ...good, evaluatedElement: identity }], keys.publicKey, proof))).toBe(
      'tlog.voprf_bad_input',
    );
    expect(codeOf(() => voprfFinalize([{ ...good, evaluatedElement: invalid }], keys.publicKey, proof))).toBe(
      'tlog.voprf_bad_input',
    );
    expect(codeOf(() => voprfFinalize([good], identity, proof))).toBe('tlog.voprf_bad_input');
    expect(codeOf(() => voprfFinalize([good], keys.publicKey, proof.subarray(0, 63)))).toBe('tlog.voprf_bad_input');
    expect(codeOf(() => voprfFinalize([{ ...good, blind: new Uint8Array(32) }], keys.publicKey, proof))).toBe(
      'tlog.voprf_bad_input',
    );
    expect(codeOf(() => voprfFinalize([{ ...good, blind: invalid }], keys.publicKey, proof))).toBe(
      'tlog.voprf_bad_input',
    );
    expect(codeOf(() => voprfBlindEvaluate(keys, [identity]))).toBe('tlog.voprf_bad_input');
    expect(codeOf(() => voprfBlindEvaluate(keys, []))).toBe('tlog.voprf_bad_input');
    expect(codeOf(() => voprfBlindEvaluate({ ...keys, secretKey: invalid }, [good.blindedElement]))).toBe(
      'tlog.voprf_bad_input',
    );
    expect(codeOf(() => voprfBlind(new Uint8Array(65536)))).toBe('tlog.voprf_bad_input');
    expect(codeOf(() => voprfDeriveKeyPair(new Uint8Array(31), new Uint8Array()))).toBe('tlog.voprf_bad_input');
  });

  it('property: Blind → BlindEvaluate → Finalize equals Evaluate for random inputs and keys', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (input, seed) => {
        const k = voprfDeriveKeyPair(seed, new Uint8Array());
        const b = voprfBlind(input);
        const e = voprfBlindEvaluate(k, [b.blindedElement]);
        const [out] = voprfFinalize(
          [
            {
              input,
              blind: b.blind,
              blindedElement: b.blindedElement,
              evaluatedElement: e.evaluatedElements[0] as Uint8Array,
            },
          ],
          k.publicKey,
          e.proof,
        );
        expect(out).toEqual(voprfEvaluate(k.secretKey, input));
      }),
      { numRuns: 25 },
    );
  });
});
