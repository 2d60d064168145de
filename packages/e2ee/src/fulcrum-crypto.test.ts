/**
 * The Fulcrum crypto provider against independent references: every primitive is compared with
 * @noble/* computed directly (Ed25519 is deterministic, RFC 8032 §5.1.6), on both sides of the size
 * threshold where it switches between @noble and WebCrypto; and its key caches are checked for
 * bounds, content (not identity) keying, and forgetting. The RFC 9420 vectors run under this
 * provider too (tests/vector-helpers.ts).
 */
import { gcm } from '@noble/ciphers/aes.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import {
  ciphersuiteImpl,
  defaultMlsCryptoProvider,
  describeMlsCryptoProvider,
  fulcrumMlsCryptoProvider,
} from './crypto-provider.js';
import { WEBCRYPTO_FROM_BYTES } from './fulcrum-crypto.js';

/** Random bytes (getRandomValues fills at most 64 KiB per call). */
function rnd(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}
const SIZES = [0, 1, 12, 64, 1024, WEBCRYPTO_FROM_BYTES - 1, WEBCRYPTO_FROM_BYTES, 5000, 70_000];
const PKCS8_PREFIX = Uint8Array.of(
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
);

describe('fulcrum crypto provider: primitives equal independent references', () => {
  it('uses WebCrypto Ed25519 with cached keys, noble HKDF, and the noble HKDF inside HPKE', async () => {
    const p = fulcrumMlsCryptoProvider();
    const d = await describeMlsCryptoProvider(p);
    // Node 20 and Chromium both have WebCrypto Ed25519; if the probe broke, signing would silently be 10x slower.
    expect(d?.ed25519).toBe('webcrypto, cached keys');
    expect(d?.hkdf).toContain('noble');
    // If an @hpke/core upgrade changes its KEM layout, the provider keeps @hpke's own KDF: notice it here.
    expect(d?.hpke).toContain('KEM and key schedule');
    expect(await describeMlsCryptoProvider(defaultMlsCryptoProvider())).toBeUndefined();
  });

  it('SHA-256 and HMAC-SHA256 on both sides of the WebCrypto threshold', async () => {
    const cs = await ciphersuiteImpl(fulcrumMlsCryptoProvider());
    const key = rnd(32);
    for (const n of SIZES) {
      const data = rnd(n);
      expect(await cs.hash.digest(data)).toEqual(sha256(data));
      const tag = hmac(sha256, key, data);
      expect(await cs.hash.mac(key, data)).toEqual(tag);
      expect(await cs.hash.verifyMac(key, tag, data)).toBe(true);
      const bad = tag.slice();
      bad[31]! ^= 1;
      expect(await cs.hash.verifyMac(key, bad, data)).toBe(false);
      expect(await cs.hash.verifyMac(key, tag.subarray(0, 31), data)).toBe(false);
      // An empty key (WebCrypto refuses those; HMAC pads keys with zeros, RFC 2104 §2).
      expect(await cs.hash.mac(new Uint8Array(0), data)).toEqual(hmac(sha256, new Uint8Array(0), data));
    }
  });

  it('HKDF extract and expand', async () => {
    const cs = await ciphersuiteImpl(fulcrumMlsCryptoProvider());
    expect(cs.kdf.size).toBe(32);
    for (let i = 0; i < 20; i++) {
      const salt = rnd(32);
      const ikm = rnd(i * 7);
      const info = rnd(i * 3);
      const prk = extract(sha256, ikm, salt);
      expect(await cs.kdf.extract(salt, ikm)).toEqual(prk);
      for (const len of [1, 12, 16, 32, 33, 100])
        expect(await cs.kdf.expand(prk, info, len)).toEqual(expand(sha256, prk, info, len));
    }
  });

  it('AES-128-GCM seals like @noble and opens only what is intact', async () => {
    const cs = await ciphersuiteImpl(fulcrumMlsCryptoProvider());
    for (const n of SIZES) {
      const key = rnd(16);
      const nonce = rnd(12);
      const aad = rnd(n % 50);
      const pt = rnd(n);
      const ct = await cs.hpke.encryptAead(key, nonce, aad, pt);
      expect(ct).toEqual(gcm(key, nonce, aad).encrypt(pt));
      expect(await cs.hpke.decryptAead(key, nonce, aad, ct)).toEqual(pt);
      const bad = ct.slice();
      bad[bad.length - 1]! ^= 1;
      await expect(cs.hpke.decryptAead(key, nonce, aad, bad)).rejects.toThrow();
      await expect(cs.hpke.decryptAead(key, nonce, rnd(3), ct)).rejects.toThrow();
    }
  });

  it('Ed25519: signatures equal @noble (deterministic), verification agrees, raw and PKCS#8 keys', async () => {
    const cs = await ciphersuiteImpl(fulcrumMlsCryptoProvider());
    for (let i = 0; i < 10; i++) {
      const seed = ed25519.utils.randomSecretKey();
      const pub = ed25519.getPublicKey(seed);
      const msg = rnd(i * 500);
      const expected = ed25519.sign(msg, seed);
      expect(await cs.signature.sign(seed, msg)).toEqual(expected);
      expect(await cs.signature.sign(new Uint8Array([...PKCS8_PREFIX, ...seed]), msg)).toEqual(expected);
      expect(await cs.signature.verify(pub, msg, expected)).toBe(true);
      const bad = expected.slice();
      bad[5]! ^= 0x10;
      expect(await cs.signature.verify(pub, msg, bad)).toBe(false);
      expect(await cs.signature.verify(pub, rnd(3), expected)).toBe(false);
    }
  });

  it('Ed25519: malformed keys and signatures are refused, never thrown through verify', async () => {
    const cs = await ciphersuiteImpl(fulcrumMlsCryptoProvider());
    const seed = ed25519.utils.randomSecretKey();
    const sig = ed25519.sign(new Uint8Array(0), seed);
    await expect(cs.signature.sign(rnd(31), new Uint8Array(0))).rejects.toThrow();
    await expect(cs.signature.sign(rnd(48), new Uint8Array(0))).rejects.toThrow(); // not the PKCS#8 prefix
    expect(await cs.signature.verify(rnd(31), new Uint8Array(0), sig)).toBe(false);
    expect(await cs.signature.verify(ed25519.getPublicKey(seed), new Uint8Array(0), sig.subarray(0, 63))).toBe(false);
  });

  it('keygen gives a working 32-byte seed', async () => {
    const cs = await ciphersuiteImpl(fulcrumMlsCryptoProvider());
    const { signKey, publicKey } = await cs.signature.keygen();
    expect(signKey.length).toBe(32);
    expect(publicKey).toEqual(ed25519.getPublicKey(signKey));
  });

  it('HPKE interoperates with the stock @hpke/core of ts-mls default provider, both directions', async () => {
    const ours = await ciphersuiteImpl(fulcrumMlsCryptoProvider());
    const stock = await ciphersuiteImpl(defaultMlsCryptoProvider());
    for (const [a, b] of [
      [ours, stock],
      [stock, ours],
    ] as const) {
      const kp = await b.hpke.generateKeyPair();
      const pub = await a.hpke.importPublicKey(await b.hpke.exportPublicKey(kp.publicKey));
      for (const info of [rnd(20), rnd(70_000)]) {
        // A large info is what a Welcome to a big group uses (RFC 9420 §12.4.3.1).
        const pt = rnd(100);
        const sealed = await a.hpke.seal(pub, pt, info);
        expect(await b.hpke.open(kp.privateKey, sealed.enc, sealed.ct, info)).toEqual(pt);
      }
      const info = rnd(20);
      // DeriveKeyPair (RFC 9180 §7.1.3) is deterministic: both must derive the same key pair.
      const ikm = rnd(32);
      const ka = await a.hpke.deriveKeyPair(ikm);
      const kb = await b.hpke.deriveKeyPair(ikm);
      expect(await a.hpke.exportPublicKey(ka.publicKey)).toEqual(await b.hpke.exportPublicKey(kb.publicKey));
      expect(await a.hpke.exportPrivateKey(ka.privateKey)).toEqual(await b.hpke.exportPrivateKey(kb.privateKey));
      const exp = await a.hpke.exportSecret(pub, info, 32, info);
      expect(await b.hpke.importSecret(kp.privateKey, info, exp.enc, 32, info)).toEqual(exp.secret);
    }
  });

  it('refuses other cipher suites', async () => {
    const { getCiphersuiteFromName } = await import('ts-mls');
    const { createFulcrumCrypto } = await import('./fulcrum-crypto.js');
    const f = createFulcrumCrypto();
    await expect(
      f.provider.getCiphersuiteImpl(getCiphersuiteFromName('MLS_128_DHKEMP256_AES128GCM_SHA256_P256')),
    ).rejects.toThrow();
  });
});

describe('fulcrum crypto provider: key caches', () => {
  it('keeps at most maxCachedSigningKeys signing keys and forgets them on request', async () => {
    const p = fulcrumMlsCryptoProvider({ maxCachedSigningKeys: 3, maxCachedVerificationKeys: 2 });
    const cs = await ciphersuiteImpl(p);
    const seeds = Array.from({ length: 6 }, () => ed25519.utils.randomSecretKey());
    for (const s of seeds) {
      const sig = await cs.signature.sign(s, rnd(10));
      expect(sig.length).toBe(64);
      await cs.signature.verify(ed25519.getPublicKey(s), rnd(10), sig);
    }
    let d = await describeMlsCryptoProvider(p);
    expect(d?.cachedSigningKeys).toBe(3);
    expect(d?.cachedVerificationKeys).toBe(2);
    p.forgetCachedKeys();
    d = await describeMlsCryptoProvider(p);
    expect(d?.cachedSigningKeys).toBe(0);
    expect(d?.cachedVerificationKeys).toBe(0);
    // Still signs correctly after forgetting (imports again).
    const msg = rnd(10);
    expect(await cs.signature.sign(seeds[0]!, msg)).toEqual(ed25519.sign(msg, seeds[0]!));
  });

  it('is keyed by key content, not by buffer: a buffer overwritten with another key signs with the new key', async () => {
    const cs = await ciphersuiteImpl(fulcrumMlsCryptoProvider());
    const a = ed25519.utils.randomSecretKey();
    const b = ed25519.utils.randomSecretKey();
    const buf = a.slice();
    const msg = rnd(40);
    expect(await cs.signature.sign(buf, msg)).toEqual(ed25519.sign(msg, a));
    buf.set(b);
    expect(await cs.signature.sign(buf, msg)).toEqual(ed25519.sign(msg, b));
    buf.set(a);
    expect(await cs.signature.sign(buf, msg)).toEqual(ed25519.sign(msg, a));
  });

  it('a cache bound of 0 caches nothing and still works', async () => {
    const p = fulcrumMlsCryptoProvider({ maxCachedSigningKeys: 0, maxCachedVerificationKeys: 0 });
    const cs = await ciphersuiteImpl(p);
    const s = ed25519.utils.randomSecretKey();
    const msg = rnd(10);
    const sig = await cs.signature.sign(s, msg);
    expect(await cs.signature.verify(ed25519.getPublicKey(s), msg, sig)).toBe(true);
    const d = await describeMlsCryptoProvider(p);
    expect([d?.cachedSigningKeys, d?.cachedVerificationKeys]).toEqual([0, 0]);
  });

  it('rejects bad cache bounds', () => {
    expect(() => fulcrumMlsCryptoProvider({ maxCachedSigningKeys: -1 })).toThrow(RangeError);
    expect(() => fulcrumMlsCryptoProvider({ maxCachedSigningKeys: 1.5 })).toThrow(RangeError);
    expect(() => fulcrumMlsCryptoProvider({ maxCachedVerificationKeys: 1e9 })).toThrow(RangeError);
  });

  it('concurrent signatures with one key share one import', async () => {
    const p = fulcrumMlsCryptoProvider();
    const cs = await ciphersuiteImpl(p);
    const s = ed25519.utils.randomSecretKey();
    const msgs = Array.from({ length: 8 }, () => rnd(16));
    const sigs = await Promise.all(msgs.map((m) => cs.signature.sign(s, m)));
    for (const [i, sig] of sigs.entries()) expect(sig).toEqual(ed25519.sign(msgs[i]!, s));
    expect((await describeMlsCryptoProvider(p))?.cachedSigningKeys).toBe(1);
  });
});
