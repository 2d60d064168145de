/**
 * Fulcrum's MLS crypto provider for cipher suite 0x0001 (X25519, AES-128-GCM, SHA-256, Ed25519):
 * each primitive comes from whichever of WebCrypto and @noble/* is faster for the sizes MLS uses,
 * measured by `bench/mls` (figures in README.md and docs/decisions/0003-mls-interop.md).
 *
 * - Ed25519 signing: WebCrypto with the imported signing key CACHED. ts-mls's providers import the
 *   raw seed again (PKCS#8, RFC 8410) for every signature, which costs several times the signature.
 * - Ed25519 verification: WebCrypto, with imported PUBLIC keys cached (public data, no secrecy issue).
 *   Where the runtime's WebCrypto lacks Ed25519, both fall back to @noble/curves.
 * - SHA-256, HMAC-SHA256: @noble/hashes below 2 KiB (no async round trip, no key import), WebCrypto above.
 * - HKDF (MLS key schedule, secret tree, and the HKDF inside HPKE): @noble/hashes, except an Extract
 *   over a large input (HPKE's info hash of a Welcome's encrypted GroupInfo), which is WebCrypto HMAC.
 * - AES-128-GCM (message and Welcome protection): @noble/ciphers below 2 KiB, WebCrypto above.
 * - HPKE (RFC 9180): @hpke/core with WebCrypto X25519, its HKDF swapped for the one above.
 *
 * What is cached, and for how long (the rule: never keep a secret longer than its owner needs it):
 * only Ed25519 SIGNING keys, which belong to the device and live as long as it does. They are
 * imported non-extractable and held in a bounded LRU (default 16 keys) keyed by a salted SHA-256
 * fingerprint of the seed (the salt is random per provider, so the map key reveals nothing and is
 * not linkable across providers); `forgetCachedKeys()` drops them all. HPKE private keys (init keys,
 * path and leaf keys), AEAD keys, MAC keys and KDF secrets are NEVER cached: they are per epoch or
 * per message, and forward secrecy depends on deleting them (RFC 9420 §9.2, §16.4); a cache would
 * keep them after `wipeConsumed()` zeroed the state's copy.
 */
import { constantTimeEqual, encodeHex } from '@fulcrum/common';
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256, InvalidParamError } from '@hpke/core';
import { gcm } from '@noble/ciphers/aes.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { expand as hkdfExpand, extract as hkdfExtract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Ciphersuite, CiphersuiteImpl, CryptoProvider } from 'ts-mls';
import type { Aead } from 'ts-mls/crypto/aead.js';
import { makeGenericHpke } from 'ts-mls/crypto/implementation/hpke.js';
import type { Hash } from 'ts-mls/crypto/hash.js';
import type { Kdf } from 'ts-mls/crypto/kdf.js';
import type { Signature } from 'ts-mls/crypto/signature.js';
import { BoundedKeyCache } from './bounded-key-cache.js';

/** Inputs at least this long go to WebCrypto for hashing, HMAC and AES-GCM (bench/mls primitives). */
export const WEBCRYPTO_FROM_BYTES = 2048;
/** Default bound of the signing-key cache (a device has one MLS signing key; a process may host a few). */
export const DEFAULT_MAX_CACHED_SIGNING_KEYS = 16;
/** Default bound of the verification-key cache (public keys of the members one talks to). */
export const DEFAULT_MAX_CACHED_VERIFICATION_KEYS = 1024;
const MAX_CACHE_BOUND = 65_536;

export interface FulcrumCryptoOptions {
  /** Most Ed25519 signing keys kept imported (LRU). 0 disables the cache. Default 16. */
  readonly maxCachedSigningKeys?: number;
  /** Most Ed25519 public keys kept imported (LRU). 0 disables the cache. Default 1024. */
  readonly maxCachedVerificationKeys?: number;
}

/** Which implementation serves each primitive (for tests and benchmark output). */
export interface MlsCryptoProviderDescription {
  readonly ed25519: 'webcrypto, cached keys' | 'noble';
  readonly sha256AndHmac: string;
  readonly hkdf: string;
  readonly aes128gcm: string;
  readonly hpke: string;
  readonly cachedSigningKeys: number;
  readonly cachedVerificationKeys: number;
}

export interface FulcrumCrypto {
  readonly provider: CryptoProvider;
  /** Drops every cached imported key. */
  forgetCachedKeys(): void;
  /** Resolves once the provider has probed the runtime (what it uses depends on WebCrypto's support). */
  describe(): Promise<MlsCryptoProviderDescription>;
}

// RFC 8410 §7 / RFC 5958 OneAsymmetricKey prefix for an Ed25519 private key (the 32-byte seed follows).
const PKCS8_ED25519_PREFIX = Uint8Array.of(
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

/** WebCrypto wants ArrayBuffer-backed views (TypeScript's BufferSource excludes SharedArrayBuffer). */
function bs(u: Uint8Array): Uint8Array<ArrayBuffer> {
  return u.buffer instanceof ArrayBuffer ? (u as Uint8Array<ArrayBuffer>) : new Uint8Array(u);
}

function exactArrayBuffer(u: Uint8Array): ArrayBuffer {
  if (u.byteOffset === 0 && u.byteLength === u.buffer.byteLength && u.buffer instanceof ArrayBuffer) return u.buffer;
  return u.slice().buffer as ArrayBuffer;
}

function asBytes(b: ArrayBufferLike | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b);
}

function checkBound(n: number | undefined, fallback: number, what: string): number {
  if (n === undefined) return fallback;
  if (!Number.isInteger(n) || n < 0 || n > MAX_CACHE_BOUND)
    throw new RangeError(`${what} must be 0..${MAX_CACHE_BOUND}`);
  return n;
}

/** The 32-byte Ed25519 seed of a ts-mls signing key: raw (Fulcrum) or PKCS#8 (ts-mls's WebCrypto keygen). */
function seedOf(signKey: Uint8Array): Uint8Array {
  if (signKey.length === 32) return signKey;
  if (signKey.length === 48 && constantTimeEqual(signKey.subarray(0, 16), PKCS8_ED25519_PREFIX)) {
    return signKey.subarray(16);
  }
  throw new Error('Ed25519 signing key must be a 32-byte seed or its PKCS#8 encoding');
}

// RFC 8032 §7.1 TEST 1 (empty message): used once to probe the runtime's WebCrypto Ed25519.
const PROBE_PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const PROBE_SIGNATURE =
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

function hexBytes(h: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** True when the runtime's WebCrypto verifies Ed25519 correctly (RFC 8032 §7.1 TEST 1). */
export async function webCryptoEd25519Works(subtle: SubtleCrypto | undefined): Promise<boolean> {
  if (subtle === undefined) return false;
  try {
    const key = await subtle.importKey('raw', hexBytes(PROBE_PUBLIC), 'Ed25519', false, ['verify']);
    return await subtle.verify('Ed25519', key, hexBytes(PROBE_SIGNATURE), new Uint8Array(0));
  } catch {
    return false;
  }
}

function makeSignature(subtle: SubtleCrypto | undefined, useWebCrypto: boolean, caches: Caches): Signature {
  const keygen = async () => {
    const signKey = ed25519.utils.randomSecretKey();
    return { signKey, publicKey: ed25519.getPublicKey(signKey) };
  };
  if (!useWebCrypto || subtle === undefined) {
    return {
      sign: async (signKey, message) => ed25519.sign(message, seedOf(signKey)),
      verify: async (publicKey, message, signature) => {
        try {
          return ed25519.verify(signature, message, publicKey);
        } catch {
          return false;
        }
      },
      keygen,
    };
  }
  const importSigningKey = async (seed: Uint8Array): Promise<CryptoKey> => {
    const pkcs8 = new Uint8Array(48);
    pkcs8.set(PKCS8_ED25519_PREFIX, 0);
    pkcs8.set(seed, 16);
    try {
      return await subtle.importKey('pkcs8', pkcs8, 'Ed25519', false, ['sign']); // non-extractable
    } finally {
      pkcs8.fill(0);
    }
  };
  return {
    async sign(signKey, message) {
      const seed = seedOf(signKey);
      const key = await caches.signing.get(caches.fingerprint(seed), () => importSigningKey(seed));
      return new Uint8Array(await subtle.sign('Ed25519', key, bs(message)));
    },
    async verify(publicKey, message, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      let key: CryptoKey;
      try {
        key = await caches.verification.get(encodeHex(publicKey), () =>
          subtle.importKey('raw', bs(publicKey), 'Ed25519', false, ['verify']),
        );
      } catch {
        return false; // not a valid Ed25519 public key: nothing verifies under it
      }
      return subtle.verify('Ed25519', key, bs(signature), bs(message));
    },
    keygen,
  };
}

type HmacSha256 = (key: Uint8Array, data: Uint8Array) => Promise<Uint8Array>;

/**
 * HMAC-SHA256 (RFC 2104) by @noble below the threshold, WebCrypto above. Large inputs do occur: HPKE
 * hashes its whole `info` (RFC 9180 §5.1), and MLS makes that info the encrypted GroupInfo for every
 * Welcome recipient (RFC 9420 §12.4.3.1), so adding N members hashes N copies of an O(N) GroupInfo.
 */
function makeHmac(subtle: SubtleCrypto | undefined): HmacSha256 {
  return async (key, data) => {
    if (subtle === undefined || data.length < WEBCRYPTO_FROM_BYTES) return hmac(sha256, key, data);
    // An empty HMAC key equals HashLen zero bytes (keys are zero-padded to the block, RFC 2104 §2);
    // WebCrypto refuses empty HMAC keys.
    const raw = key.length === 0 ? new Uint8Array(32) : bs(key);
    const k = await subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return new Uint8Array(await subtle.sign('HMAC', k, bs(data)));
  };
}

function makeHash(subtle: SubtleCrypto | undefined, mac: HmacSha256): Hash {
  return {
    async digest(data) {
      if (subtle === undefined || data.length < WEBCRYPTO_FROM_BYTES) return sha256(data);
      return new Uint8Array(await subtle.digest('SHA-256', bs(data)));
    },
    mac,
    async verifyMac(key, tag, data) {
      return constantTimeEqual(tag, await mac(key, data));
    },
  };
}

/**
 * HKDF-SHA256 (RFC 5869). Extract is one HMAC keyed by the salt (an absent salt is HashLen zeros,
 * §2.2), so it follows the HMAC size split; Expand's inputs are always small here: @noble.
 */
function makeKdf(mac: HmacSha256): Kdf {
  return {
    async extract(salt, ikm) {
      return ikm.length < WEBCRYPTO_FROM_BYTES ? hkdfExtract(sha256, ikm, salt) : mac(salt, ikm);
    },
    async expand(prk, info, len) {
      return hkdfExpand(sha256, prk, info, len);
    },
    size: 32,
  };
}

function makeAead(subtle: SubtleCrypto | undefined): Aead {
  const webCrypto = async (
    op: 'encrypt' | 'decrypt',
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
  ) => {
    if (subtle === undefined) throw new Error('unreachable');
    const k = await subtle.importKey('raw', bs(key), { name: 'AES-GCM' }, false, [op]);
    const params: AesGcmParams = { name: 'AES-GCM', iv: bs(nonce) };
    if (aad.length > 0) params.additionalData = bs(aad);
    return new Uint8Array(await subtle[op](params, k, bs(data)));
  };
  return {
    async encrypt(key, nonce, aad, plaintext) {
      if (subtle === undefined || plaintext.length < WEBCRYPTO_FROM_BYTES)
        return gcm(key, nonce, aad).encrypt(plaintext);
      return webCrypto('encrypt', key, nonce, aad, plaintext);
    },
    async decrypt(key, nonce, aad, ciphertext) {
      if (subtle === undefined || ciphertext.length < WEBCRYPTO_FROM_BYTES)
        return gcm(key, nonce, aad).decrypt(ciphertext);
      return webCrypto('decrypt', key, nonce, aad, ciphertext);
    },
  };
}

type HpkeBytes = ArrayBufferLike | ArrayBufferView;

/** @hpke/core's HKDF contract (HkdfNative): extract, expand and both, on buffers. */
interface HpkeHkdf {
  extract(salt: HpkeBytes, ikm: HpkeBytes): Promise<ArrayBuffer>;
  expand(prk: HpkeBytes, info: HpkeBytes, len: number): Promise<ArrayBuffer>;
  extractAndExpand(salt: HpkeBytes, ikm: HpkeBytes, info: HpkeBytes, len: number): Promise<ArrayBuffer>;
}

/**
 * HKDF-SHA256 for @hpke/core from this provider's KDF. @hpke/core's own imports a WebCrypto HMAC
 * key for every extract and expand (a few hundred microseconds each); HPKE's labelled derivations
 * (RFC 9180 §4) stay @hpke/core's, only the two HKDF steps (RFC 5869 §2.2, §2.3) change.
 */
function hpkeHkdf(kdf: Kdf): HpkeHkdf {
  const extract = async (salt: HpkeBytes, ikm: HpkeBytes) => {
    const s = asBytes(salt);
    // Same contract as @hpke/core's HkdfNative: an empty salt means HashLen zero bytes, other lengths are refused.
    if (s.length !== 0 && s.length !== 32) {
      throw new InvalidParamError('The salt length must be the same as the hashSize');
    }
    return exactArrayBuffer(await kdf.extract(s.length === 0 ? new Uint8Array(32) : s, asBytes(ikm)));
  };
  const expand = async (prk: HpkeBytes, info: HpkeBytes, len: number) =>
    exactArrayBuffer(await kdf.expand(asBytes(prk), asBytes(info), len));
  return {
    extract,
    expand,
    extractAndExpand: async (salt, ikm, info, len) => expand(await extract(salt, ikm), info, len),
  };
}

/** @hpke/core's HkdfSha256 (labelled derivations and suite ids) over `hpkeHkdf`. */
class FulcrumHkdfSha256 extends HkdfSha256 {
  readonly #inner: HpkeHkdf;
  constructor(inner: HpkeHkdf) {
    super();
    this.#inner = inner;
  }
  override extract(salt: HpkeBytes, ikm: HpkeBytes) {
    return this.#inner.extract(salt, ikm);
  }
  override expand(prk: HpkeBytes, info: HpkeBytes, len: number) {
    return this.#inner.expand(prk, info, len);
  }
  override extractAndExpand(salt: HpkeBytes, ikm: HpkeBytes, info: HpkeBytes, len: number) {
    return this.#inner.extractAndExpand(salt, ikm, info, len);
  }
}

/**
 * DHKEM(X25519, HKDF-SHA256) from @hpke/core (WebCrypto X25519) whose internal HKDF is `inner`.
 * @hpke/core 1.9.0 builds it with one HKDF object shared by the KEM (`_kdf`) and its X25519
 * primitive (`_prim._hkdf`, used by DeriveKeyPair); we re-point that object's extract/expand. If the
 * layout is not the expected one (another @hpke/core version), the KEM is left untouched.
 */
function x25519KemWithKdf(inner: HpkeHkdf): { kem: DhkemX25519HkdfSha256; patched: boolean } {
  const kem = new DhkemX25519HkdfSha256();
  const internals = kem as unknown as {
    _kdf?: { hashSize?: unknown; extract?: unknown; expand?: unknown; extractAndExpand?: unknown };
    _prim?: { _hkdf?: unknown };
  };
  const kdf = internals._kdf;
  if (
    kdf === undefined ||
    kdf.hashSize !== 32 ||
    typeof kdf.extract !== 'function' ||
    typeof kdf.expand !== 'function' ||
    internals._prim?._hkdf !== kdf
  ) {
    return { kem, patched: false };
  }
  kdf.extract = inner.extract;
  kdf.expand = inner.expand;
  kdf.extractAndExpand = inner.extractAndExpand;
  return { kem, patched: true };
}

interface Caches {
  readonly signing: BoundedKeyCache<CryptoKey>;
  readonly verification: BoundedKeyCache<CryptoKey>;
  fingerprint(seed: Uint8Array): string;
}

/** Makes the provider. Only cipher suite 0x0001 is supported (Fulcrum uses no other). */
export function createFulcrumCrypto(options: FulcrumCryptoOptions = {}): FulcrumCrypto {
  const salt = crypto.getRandomValues(new Uint8Array(32));
  const caches: Caches = {
    signing: new BoundedKeyCache(
      checkBound(options.maxCachedSigningKeys, DEFAULT_MAX_CACHED_SIGNING_KEYS, 'maxCachedSigningKeys'),
    ),
    verification: new BoundedKeyCache(
      checkBound(options.maxCachedVerificationKeys, DEFAULT_MAX_CACHED_VERIFICATION_KEYS, 'maxCachedVerificationKeys'),
    ),
    fingerprint(seed) {
      const input = new Uint8Array(64);
      input.set(salt, 0);
      input.set(seed, 32);
      const fp = encodeHex(sha256(input));
      input.fill(0);
      return fp;
    },
  };
  const subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle;
  let built: Promise<{ impl: CiphersuiteImpl; description: MlsCryptoProviderDescription }> | undefined;

  const build = async (cs: Ciphersuite) => {
    if (cs.name !== 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519') {
      throw new Error(`the Fulcrum crypto provider implements cipher suite 0x0001 only, not ${cs.name}`);
    }
    const ed25519ByWebCrypto = await webCryptoEd25519Works(subtle);
    const aead = makeAead(subtle);
    const mac = makeHmac(subtle);
    const kdf = makeKdf(mac);
    const { kem, patched } = x25519KemWithKdf(hpkeHkdf(kdf));
    const suite = new CipherSuite({ kem, kdf: new FulcrumHkdfSha256(hpkeHkdf(kdf)), aead: new Aes128Gcm() });
    const impl: CiphersuiteImpl = {
      hash: makeHash(subtle, mac),
      kdf,
      signature: makeSignature(subtle, ed25519ByWebCrypto, caches),
      hpke: await makeGenericHpke(cs.hpke, aead, suite),
      rng: { randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)) },
      name: cs.name,
    };
    const split = subtle === undefined ? 'noble' : `noble below ${WEBCRYPTO_FROM_BYTES} B, WebCrypto above`;
    const description = {
      ed25519: ed25519ByWebCrypto ? ('webcrypto, cached keys' as const) : ('noble' as const),
      sha256AndHmac: split,
      hkdf: split,
      aes128gcm: split,
      hpke: `@hpke/core (WebCrypto X25519), HKDF as above ${patched ? '(KEM and key schedule)' : '(key schedule only)'}`,
      cachedSigningKeys: 0,
      cachedVerificationKeys: 0,
    };
    return { impl, description };
  };

  return {
    provider: {
      getCiphersuiteImpl(cs) {
        built ??= build(cs);
        return built.then((b) => b.impl);
      },
    },
    forgetCachedKeys() {
      caches.signing.clear();
      caches.verification.clear();
    },
    async describe() {
      if (built === undefined) throw new Error('provider not used yet');
      const d = (await built).description;
      return { ...d, cachedSigningKeys: caches.signing.size, cachedVerificationKeys: caches.verification.size };
    },
  };
}
