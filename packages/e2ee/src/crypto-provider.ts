/**
 * The MLS crypto provider, injectable. ts-mls's providers and Fulcrum's own are wrapped in an opaque
 * class so no ts-mls type crosses the public API.
 *
 * Three providers (measured side by side by `bench/mls`; numbers in README.md):
 * - `fulcrumMlsCryptoProvider()` — the package default since issue 4: cached Ed25519 signing keys and
 *   the faster of WebCrypto / @noble per primitive (see fulcrum-crypto.ts for what it caches and why);
 * - `defaultMlsCryptoProvider()` — ts-mls's default (WebCrypto where present); in Node it re-imports
 *   the Ed25519 signing key for every signature;
 * - `nobleMlsCryptoProvider()` — ts-mls's @noble provider (still WebCrypto Ed25519 where present).
 */
import {
  type CiphersuiteImpl,
  type CryptoProvider,
  defaultCryptoProvider,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  nobleCryptoProvider,
} from 'ts-mls';
import { createFulcrumCrypto, type FulcrumCryptoOptions, type MlsCryptoProviderDescription } from './fulcrum-crypto.js';

export type { MlsCryptoProviderDescription } from './fulcrum-crypto.js';

/** The only MLS cipher suite Fulcrum uses: 0x0001, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519. */
export const FULCRUM_CIPHERSUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;
export const FULCRUM_CIPHERSUITE_ID = 0x0001;

interface Hooks {
  forget(): void;
  describe(): Promise<MlsCryptoProviderDescription | undefined>;
}

let implOf: (p: MlsCryptoProvider) => Promise<CiphersuiteImpl>;
let hooksOf: (p: MlsCryptoProvider) => Hooks;
let wrap: (name: string, provider: CryptoProvider, hooks?: Hooks) => MlsCryptoProvider;

const NO_HOOKS: Hooks = { forget() {}, describe: async () => undefined };

/**
 * An opaque MLS crypto provider. Make one with `fulcrumMlsCryptoProvider()` (the default),
 * `defaultMlsCryptoProvider()` or `nobleMlsCryptoProvider()`.
 */
export class MlsCryptoProvider {
  readonly #provider: CryptoProvider;
  readonly #hooks: Hooks;
  #impl: Promise<CiphersuiteImpl> | undefined;
  /** A short label for logs and benchmarks. */
  readonly name: string;

  private constructor(name: string, provider: CryptoProvider, hooks: Hooks) {
    this.name = name;
    this.#provider = provider;
    this.#hooks = hooks;
    Object.freeze(this);
  }

  /**
   * Drops every imported key this provider caches (only `fulcrumMlsCryptoProvider()` caches any: the
   * devices' Ed25519 signing keys and members' public keys). Call it when a device is deleted or
   * signs out, or whenever a process stops acting for the devices it served; later operations
   * simply import again.
   */
  forgetCachedKeys(): void {
    this.#hooks.forget();
  }

  static {
    // Module-private accessors: ts-mls types stay out of the class's public surface.
    implOf = (p) => {
      p.#impl ??= getCiphersuiteImpl(getCiphersuiteFromName(FULCRUM_CIPHERSUITE), p.#provider);
      return p.#impl;
    };
    hooksOf = (p) => p.#hooks;
    wrap = (name, provider, hooks = NO_HOOKS) => new MlsCryptoProvider(name, provider, hooks);
  }
}

/** Options of `fulcrumMlsCryptoProvider`: the two cache bounds (0 disables a cache). */
export type FulcrumMlsCryptoProviderOptions = FulcrumCryptoOptions;

/**
 * Fulcrum's provider (the package default): WebCrypto Ed25519 with the imported signing key cached
 * (bounded LRU, non-extractable, keyed by a salted fingerprint; `forgetCachedKeys()` empties it),
 * @noble/* for hashing, HMAC, HKDF and AES-GCM on small inputs, @hpke/core (WebCrypto X25519) with a
 * noble HKDF for HPKE. Ephemeral secrets (HPKE private keys, AEAD/MAC keys) are never cached.
 * Falls back to @noble/curves for Ed25519 where WebCrypto lacks it. Cipher suite 0x0001 only.
 */
export function fulcrumMlsCryptoProvider(options: FulcrumMlsCryptoProviderOptions = {}): MlsCryptoProvider {
  const f = createFulcrumCrypto(options);
  return wrap('fulcrum', f.provider, { forget: () => f.forgetCachedKeys(), describe: () => f.describe() });
}

/** ts-mls's default provider: WebCrypto for hashing where available, @noble / @hpke otherwise. */
export function defaultMlsCryptoProvider(): MlsCryptoProvider {
  return wrap('ts-mls-default', defaultCryptoProvider);
}

/**
 * ts-mls's "noble" provider: @noble/hashes and @noble/ciphers for hashing and AES-GCM, but (like the
 * default) WebCrypto Ed25519, re-importing the signing key per signature, and @hpke/core for HPKE.
 */
export function nobleMlsCryptoProvider(): MlsCryptoProvider {
  return wrap('ts-mls-noble', nobleCryptoProvider);
}

/** @internal The cipher suite implementation for a provider. */
export function ciphersuiteImpl(provider: MlsCryptoProvider): Promise<CiphersuiteImpl> {
  return implOf(provider);
}

/**
 * Which implementation serves each primitive, and how many keys are cached now (for logs, tests and
 * benchmarks). Undefined for ts-mls's own providers.
 */
export async function describeMlsCryptoProvider(
  provider: MlsCryptoProvider,
): Promise<MlsCryptoProviderDescription | undefined> {
  await implOf(provider);
  return hooksOf(provider).describe();
}
