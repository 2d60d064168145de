/**
 * Ed25519 verification with exactly @noble/curves' strict rules (`zip215: false`: RFC 8032 §5.1.7
 * canonical encodings of A and R, S < L, small-order public keys refused, cofactored equation
 * [8][S]B = [8]R + [8][k]A), answered by WebCrypto when that provably gives the same answer, which is
 * about ten times faster in Node (see bench/mls). Fulcrum's credential check verifies one device
 * certificate per leaf, so group creation and joins spend most of their time here.
 *
 * Why the fast path is exact. WebCrypto (OpenSSL, BoringSSL) accepts when S < L, A decodes, and the
 * canonical encoding of R' = [S]B - [k]A equals the signature's R bytes, with k = H(R ‖ A ‖ M) over
 * the raw bytes (cofactorless). So if WebCrypto accepts: R is canonical (it IS an encoding that
 * OpenSSL produced); if moreover A is canonical and not of small order (checked here with noble,
 * cached per key) and S < L (checked here too), noble hashes the same bytes, and R = [S]B - [k]A
 * implies the cofactored equation, so noble accepts. In every other case (WebCrypto refuses, or a
 * precondition fails, or WebCrypto lacks Ed25519) the answer is noble's own. The only signatures
 * that take the slow path while valid are those whose R has a small-order component (cofactored
 * check passes, cofactorless fails): only the key holder can make them, and noble decides them.
 */
import { encodeHex } from '@fulcrum/common';
import { ed25519 } from '@noble/curves/ed25519.js';
import { BoundedKeyCache } from './bounded-key-cache.js';
import { webCryptoEd25519Works } from './fulcrum-crypto.js';

/** The order of the Ed25519 base point (RFC 8032 §5.1). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const MAX_CACHED_KEYS = 1024;

const importedKeys = new BoundedKeyCache<CryptoKey>(MAX_CACHED_KEYS);
const strictKeys = new Map<string, boolean>();
let webCrypto: Promise<SubtleCrypto | undefined> | undefined;

function subtleWithEd25519(): Promise<SubtleCrypto | undefined> {
  webCrypto ??= (async () => {
    const subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle;
    return (await webCryptoEd25519Works(subtle)) ? subtle : undefined;
  })();
  return webCrypto;
}

/** noble's strict rules for A alone: canonical encoding of a curve point, not of small order. */
function isStrictPublicKey(publicKey: Uint8Array, id: string): boolean {
  let ok = strictKeys.get(id);
  if (ok === undefined) {
    try {
      ok = !ed25519.Point.fromBytes(publicKey, false).isSmallOrder();
    } catch {
      ok = false;
    }
    if (strictKeys.size >= MAX_CACHED_KEYS) strictKeys.delete(strictKeys.keys().next().value as string);
    strictKeys.set(id, ok);
  }
  return ok;
}

function scalarBelowOrder(s: Uint8Array): boolean {
  let n = 0n;
  for (let i = s.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(s[i] as number);
  return n < L;
}

function nobleStrict(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

const ab = (u: Uint8Array): Uint8Array<ArrayBuffer> =>
  u.buffer instanceof ArrayBuffer ? (u as Uint8Array<ArrayBuffer>) : new Uint8Array(u);

/** Resolves exactly `ed25519.verify(signature, message, publicKey, { zip215: false })`. */
export async function verifyEd25519Strict(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): Promise<boolean> {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  const subtle = await subtleWithEd25519();
  if (subtle !== undefined) {
    const id = encodeHex(publicKey);
    let fast = false;
    try {
      const key = await importedKeys.get(id, () =>
        subtle.importKey('raw', ab(publicKey), 'Ed25519', false, ['verify']),
      );
      fast = await subtle.verify('Ed25519', key, ab(signature), ab(message));
    } catch {
      fast = false;
    }
    if (fast && scalarBelowOrder(signature.subarray(32)) && isStrictPublicKey(publicKey, id)) return true;
  }
  return nobleStrict(signature, message, publicKey);
}
