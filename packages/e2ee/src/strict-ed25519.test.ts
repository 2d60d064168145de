/**
 * verifyEd25519Strict must answer exactly what @noble/curves answers with `zip215: false`, including
 * on the signatures where WebCrypto (cofactorless, no small-order check) and noble strict
 * (cofactored, small-order keys refused) disagree.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyEd25519Strict } from './strict-ed25519.js';

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const Point = ed25519.Point;
const le = (n: bigint): Uint8Array => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 255n);
    n >>= 8n;
  }
  return out;
};
const fromLe = (b: Uint8Array): bigint => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);
const noble = (sig: Uint8Array, msg: Uint8Array, pub: Uint8Array) => {
  try {
    return ed25519.verify(sig, msg, pub, { zip215: false });
  } catch {
    return false;
  }
};
const webCrypto = async (sig: Uint8Array, msg: Uint8Array, pub: Uint8Array) => {
  try {
    const k = await crypto.subtle.importKey('raw', new Uint8Array(pub), 'Ed25519', false, ['verify']);
    return await crypto.subtle.verify('Ed25519', k, new Uint8Array(sig), new Uint8Array(msg));
  } catch {
    return false;
  }
};

/** A point of order 8 (the torsion part of [L]P for a random point P). */
function torsionPointOfOrder8() {
  for (;;) {
    let p: ReturnType<typeof Point.fromBytes>;
    try {
      p = Point.fromBytes(crypto.getRandomValues(new Uint8Array(32)), false);
    } catch {
      continue;
    }
    const t = p.multiplyUnsafe(L - 1n).add(p); // [L]P
    if (!t.double().double().is0()) return t; // order exactly 8
  }
}

describe('verifyEd25519Strict equals noble strict verification', () => {
  it('valid signatures verify; tampered ones do not', async () => {
    for (let i = 0; i < 20; i++) {
      const seed = ed25519.utils.randomSecretKey();
      const pub = ed25519.getPublicKey(seed);
      const msg = crypto.getRandomValues(new Uint8Array(i * 13));
      const sig = ed25519.sign(msg, seed);
      expect(await verifyEd25519Strict(sig, msg, pub)).toBe(true);
      const bad = sig.slice();
      bad[i % 64]! ^= 1 << (i % 8);
      expect(await verifyEd25519Strict(bad, msg, pub)).toBe(noble(bad, msg, pub));
      expect(await verifyEd25519Strict(sig, msg, ed25519.getPublicKey(ed25519.utils.randomSecretKey()))).toBe(false);
    }
  });

  it('small-order public key: WebCrypto accepts, noble strict refuses, so must we', async () => {
    const identity = new Uint8Array(32);
    identity[0] = 1; // the neutral element, order 1
    const s = 123456789n;
    const sig = new Uint8Array([...Point.BASE.multiply(s).toBytes(), ...le(s)]); // R = [S]B: valid when A = 0
    const msg = Uint8Array.of(1, 2, 3);
    expect(noble(sig, msg, identity)).toBe(false);
    expect(await webCrypto(sig, msg, identity)).toBe(true); // cofactorless, no key check: accepts
    expect(await verifyEd25519Strict(sig, msg, identity)).toBe(false);
  });

  it('R with a small-order component: WebCrypto refuses, noble strict (cofactored) accepts, so must we', async () => {
    const seed = ed25519.utils.randomSecretKey();
    const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(seed);
    const msg = crypto.getRandomValues(new Uint8Array(40));
    const r = fromLe(crypto.getRandomValues(new Uint8Array(32))) % L;
    const R = Point.BASE.multiply(r).add(torsionPointOfOrder8()).toBytes();
    const k = fromLe(sha512(new Uint8Array([...R, ...pointBytes, ...msg]))) % L;
    const s = (r + k * scalar) % L;
    const sig = new Uint8Array([...R, ...le(s)]);
    expect(noble(sig, msg, pointBytes)).toBe(true);
    expect(await webCrypto(sig, msg, pointBytes)).toBe(false);
    expect(await verifyEd25519Strict(sig, msg, pointBytes)).toBe(true);
  });

  it('S >= L is refused', async () => {
    const seed = ed25519.utils.randomSecretKey();
    const pub = ed25519.getPublicKey(seed);
    const msg = Uint8Array.of(9);
    const sig = ed25519.sign(msg, seed);
    const big = new Uint8Array([...sig.subarray(0, 32), ...le(fromLe(sig.subarray(32)) + L)]);
    expect(noble(big, msg, pub)).toBe(false);
    expect(await verifyEd25519Strict(big, msg, pub)).toBe(false);
  });

  it('wrong lengths are refused', async () => {
    const seed = ed25519.utils.randomSecretKey();
    const sig = ed25519.sign(new Uint8Array(0), seed);
    expect(await verifyEd25519Strict(sig.subarray(1), new Uint8Array(0), ed25519.getPublicKey(seed))).toBe(false);
    expect(await verifyEd25519Strict(sig, new Uint8Array(0), ed25519.getPublicKey(seed).subarray(1))).toBe(false);
  });

  it('property: on random mutations of a valid signature, key and message, the answer is noble strict', async () => {
    const seed = ed25519.utils.randomSecretKey();
    const pub = ed25519.getPublicKey(seed);
    const msg = Uint8Array.of(1, 2, 3, 4);
    const sig = ed25519.sign(msg, seed);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 127 }),
        fc.integer({ min: 0, max: 7 }),
        fc.constantFrom('sig', 'pub') as fc.Arbitrary<'sig' | 'pub'>,
        async (pos, bit, which) => {
          const s = sig.slice();
          const p = pub.slice();
          if (which === 'sig') s[pos % 64]! ^= 1 << bit;
          else p[pos % 32]! ^= 1 << bit;
          expect(await verifyEd25519Strict(s, msg, p)).toBe(noble(s, msg, p));
        },
      ),
      { numRuns: 60 },
    );
  });
});
