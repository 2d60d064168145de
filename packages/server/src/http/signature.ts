import { createPublicKey, type KeyObject, verify } from 'node:crypto';

// DER SubjectPublicKeyInfo prefix for an Ed25519 key (RFC 8410 §4): the raw 32 bytes follow.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const CACHE_MAX = 10_000;

/**
 * Ed25519 verification through Node's crypto (OpenSSL), with imported keys cached per device:
 * every authenticated request verifies one signature, and importing a key costs more than
 * verifying with it.
 */
export class SignatureVerifier {
  readonly #keys = new Map<string, { raw: Buffer; key: KeyObject }>();

  verify(cacheId: string, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    const raw = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength);
    let entry = this.#keys.get(cacheId);
    if (entry === undefined || !entry.raw.equals(raw)) {
      const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
      entry = { raw: Buffer.from(raw), key };
      if (this.#keys.size >= CACHE_MAX) this.#keys.delete(this.#keys.keys().next().value as string);
      this.#keys.set(cacheId, entry);
    }
    try {
      return verify(null, message, entry.key, signature);
    } catch {
      return false;
    }
  }
}
