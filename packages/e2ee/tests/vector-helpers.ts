/** Shared helpers for the RFC 9420 interoperability vector tests (vectors/README.md). */
import { decodeHex } from '@fulcrum/common';
import type { CiphersuiteImpl } from 'ts-mls';
import {
  ciphersuiteImpl,
  defaultMlsCryptoProvider,
  FULCRUM_CIPHERSUITE_ID,
  fulcrumMlsCryptoProvider,
  nobleMlsCryptoProvider,
} from '../src/crypto-provider.js';

/**
 * Every crypto provider the package can be configured with; every vector runs under each. The
 * Fulcrum provider runs twice: with its key caches, and with them disabled (so a vector cannot pass
 * only because of what an earlier one left in a cache).
 */
export const PROVIDERS: [string, () => Promise<CiphersuiteImpl>][] = [
  ['ts-mls default provider', () => ciphersuiteImpl(defaultMlsCryptoProvider())],
  ['ts-mls noble provider', () => ciphersuiteImpl(nobleMlsCryptoProvider())],
  ['fulcrum provider', () => ciphersuiteImpl(fulcrumMlsCryptoProvider())],
  [
    'fulcrum provider, caches off',
    () => ciphersuiteImpl(fulcrumMlsCryptoProvider({ maxCachedSigningKeys: 0, maxCachedVerificationKeys: 0 })),
  ],
];

export const hex = (s: string): Uint8Array => decodeHex(s);

/** The vectors for suite 1 only; throws if none (a vector test must never pass vacuously). */
export function suite1<T extends { cipher_suite: number }>(all: T[]): T[] {
  const kept = all.filter((v) => v.cipher_suite === FULCRUM_CIPHERSUITE_ID);
  if (kept.length === 0) throw new Error('no cipher suite 1 vectors');
  return kept;
}
