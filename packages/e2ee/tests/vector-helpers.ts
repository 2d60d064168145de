/** Shared helpers for the RFC 9420 interoperability vector tests (vectors/README.md). */
import { decodeHex } from '@fulcrum/common';
import type { CiphersuiteImpl } from 'ts-mls';
import {
  ciphersuiteImpl,
  defaultMlsCryptoProvider,
  FULCRUM_CIPHERSUITE_ID,
  nobleMlsCryptoProvider,
} from '../src/crypto-provider.js';

/** Both crypto providers the package can be configured with; every vector runs under each. */
export const PROVIDERS: [string, () => Promise<CiphersuiteImpl>][] = [
  ['default provider', () => ciphersuiteImpl(defaultMlsCryptoProvider())],
  ['noble provider', () => ciphersuiteImpl(nobleMlsCryptoProvider())],
];

export const hex = (s: string): Uint8Array => decodeHex(s);

/** The vectors for suite 1 only; throws if none (a vector test must never pass vacuously). */
export function suite1<T extends { cipher_suite: number }>(all: T[]): T[] {
  const kept = all.filter((v) => v.cipher_suite === FULCRUM_CIPHERSUITE_ID);
  if (kept.length === 0) throw new Error('no cipher suite 1 vectors');
  return kept;
}
