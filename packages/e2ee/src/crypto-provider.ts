/**
 * The MLS crypto provider, injectable so a faster one can be dropped in later without touching
 * callers. ts-mls's providers are wrapped in an opaque class so no ts-mls type crosses the public API.
 *
 * Performance note: in Node, ts-mls re-imports the Ed25519 signing key for every signature; a
 * provider that caches imported keys would remove that cost. Not optimised yet (issue 3 says so).
 */
import {
  type CiphersuiteImpl,
  type CryptoProvider,
  defaultCryptoProvider,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  nobleCryptoProvider,
} from 'ts-mls';

/** The only MLS cipher suite Fulcrum uses: 0x0001, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519. */
export const FULCRUM_CIPHERSUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;
export const FULCRUM_CIPHERSUITE_ID = 0x0001;

let implOf: (p: MlsCryptoProvider) => Promise<CiphersuiteImpl>;
let wrap: (name: string, provider: CryptoProvider) => MlsCryptoProvider;

/** An opaque MLS crypto provider. Make one with `defaultMlsCryptoProvider()` or `nobleMlsCryptoProvider()`. */
export class MlsCryptoProvider {
  readonly #provider: CryptoProvider;
  #impl: Promise<CiphersuiteImpl> | undefined;
  /** A short label for logs and benchmarks. */
  readonly name: string;

  private constructor(name: string, provider: CryptoProvider) {
    this.name = name;
    this.#provider = provider;
    Object.freeze(this);
  }

  static {
    // Module-private accessors: ts-mls types stay out of the class's public surface.
    implOf = (p) => {
      p.#impl ??= getCiphersuiteImpl(getCiphersuiteFromName(FULCRUM_CIPHERSUITE), p.#provider);
      return p.#impl;
    };
    wrap = (name, provider) => new MlsCryptoProvider(name, provider);
  }
}

/** ts-mls's default provider: WebCrypto for hashing where available, @noble / @hpke otherwise. */
export function defaultMlsCryptoProvider(): MlsCryptoProvider {
  return wrap('ts-mls-default', defaultCryptoProvider);
}

/** ts-mls's pure @noble provider (no WebCrypto). */
export function nobleMlsCryptoProvider(): MlsCryptoProvider {
  return wrap('ts-mls-noble', nobleCryptoProvider);
}

/** @internal The cipher suite implementation for a provider. */
export function ciphersuiteImpl(provider: MlsCryptoProvider): Promise<CiphersuiteImpl> {
  return implOf(provider);
}
