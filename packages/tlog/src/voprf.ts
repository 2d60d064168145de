import type { Random } from '@fulcrum/common';
import { ristretto255, ristretto255_oprf } from '@noble/curves/ed25519.js';
import { tlogError } from './errors.js';

/**
 * RFC 9497 VOPRF (mode 0x01) over ristretto255-SHA512, wrapping @noble/curves' audited
 * implementation with typed errors, strict input checks and an injectable Random port.
 * Elements and scalars are 32 bytes (scalars little-endian), proofs 64 bytes (c || s),
 * outputs 64 bytes (SHA-512).
 */
export const VOPRF_SUITE = 'ristretto255-SHA512';
export const VOPRF_ELEMENT_SIZE = 32;
export const VOPRF_SCALAR_SIZE = 32;
export const VOPRF_PROOF_SIZE = 64;
export const VOPRF_OUTPUT_SIZE = 64;
/** RFC 9497 §3.3.1: inputs are length-prefixed with 2 bytes. */
export const VOPRF_MAX_INPUT = 0xffff;

const Point = ristretto255.Point;
const Fn = Point.Fn;
const api = ristretto255_oprf.voprf;

/** A server VOPRF key pair: secret scalar and public element pkS = skS·G. */
export interface VoprfKeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

function bad(message: string, cause?: unknown): never {
  throw tlogError('tlog.voprf_bad_input', message, undefined, cause);
}

/** RFC 9497 DeserializeElement: 32 bytes, a valid ristretto255 encoding, not the identity. */
function checkElement(bytes: Uint8Array, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== VOPRF_ELEMENT_SIZE) bad(`${what} must be 32 bytes`);
  let identity: boolean;
  try {
    identity = Point.fromBytes(bytes).equals(Point.ZERO);
  } catch (cause) {
    throw tlogError('tlog.voprf_bad_input', `${what} is not a valid ristretto255 element`, undefined, cause);
  }
  if (identity) bad(`${what} is the identity element`);
}

/** RFC 9497 DeserializeScalar, plus non-zero: 32 bytes, canonical (< group order), not 0. */
function checkScalar(bytes: Uint8Array, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== VOPRF_SCALAR_SIZE) bad(`${what} must be 32 bytes`);
  let zero: boolean;
  try {
    zero = Fn.is0(Fn.fromBytes(bytes));
  } catch (cause) {
    throw tlogError('tlog.voprf_bad_input', `${what} is not a canonical scalar`, undefined, cause);
  }
  if (zero) bad(`${what} is zero`);
}

function checkInput(input: Uint8Array): void {
  if (!(input instanceof Uint8Array) || input.length > VOPRF_MAX_INPUT) bad('input must be at most 65535 bytes');
}

const rngOf = (random?: Random) => (random ? (n = 32) => random.bytes(n) : undefined);

/** RFC 9497 §3.2.1 DeriveKeyPair (VOPRF mode): deterministic from a 32-byte seed and public info. */
export function voprfDeriveKeyPair(seed: Uint8Array, info: Uint8Array): VoprfKeyPair {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) bad('seed must be 32 bytes');
  if (!(info instanceof Uint8Array) || info.length > VOPRF_MAX_INPUT) bad('info must be at most 65535 bytes');
  return api.deriveKeyPair(seed, info);
}

/** A fresh random key pair (RFC 9497 §3.2 GenerateKeyPair). */
export function voprfGenerateKeyPair(random?: Random): VoprfKeyPair {
  if (random === undefined) return api.generateKeyPair();
  return voprfDeriveKeyPair(random.bytes(32), new Uint8Array(0));
}

/** Client: Blind(input) — keep `blind` secret until Finalize; send `blindedElement`. */
export function voprfBlind(input: Uint8Array, random?: Random): { blind: Uint8Array; blindedElement: Uint8Array } {
  checkInput(input);
  const rng = rngOf(random);
  try {
    const { blind, blinded } = rng ? api.blind(input, rng) : api.blind(input);
    return { blind, blindedElement: blinded };
  } catch (cause) {
    // Only a hash-to-group result of the identity (negligible) lands here.
    return bad('input cannot be blinded', cause);
  }
}

/**
 * Server: BlindEvaluate for a batch (RFC 9497 §3.3.2, with the batched DLEQ proof of §2.2.1).
 * Returns one evaluated element per blinded element and one 64-byte proof.
 */
export function voprfBlindEvaluate(
  keyPair: VoprfKeyPair,
  blindedElements: readonly Uint8Array[],
  random?: Random,
): { evaluatedElements: Uint8Array[]; proof: Uint8Array } {
  checkScalar(keyPair.secretKey, 'secret key');
  checkElement(keyPair.publicKey, 'public key');
  if (blindedElements.length < 1 || blindedElements.length > 1024) bad('batch must hold 1..1024 elements');
  blindedElements.forEach((b, i) => {
    checkElement(b, `blinded element ${i}`);
  });
  const rng = rngOf(random);
  const out = rng
    ? api.blindEvaluateBatch(keyPair.secretKey, keyPair.publicKey, [...blindedElements], rng)
    : api.blindEvaluateBatch(keyPair.secretKey, keyPair.publicKey, [...blindedElements]);
  return { evaluatedElements: out.evaluated, proof: out.proof };
}

/** One item to finalize: the client's input and blind, what it sent and what came back. */
export interface VoprfFinalizeItem {
  readonly input: Uint8Array;
  readonly blind: Uint8Array;
  readonly blindedElement: Uint8Array;
  readonly evaluatedElement: Uint8Array;
}

/**
 * Client: verifies the server's DLEQ proof against its public key, then Finalize (RFC 9497
 * §3.3.2): output = SHA-512(len || input || len || unblinded || "Finalize"). Throws
 * `tlog.voprf_bad_input` on malformed values, `tlog.voprf_bad_proof` if the proof fails.
 */
export function voprfFinalize(
  items: readonly VoprfFinalizeItem[],
  publicKey: Uint8Array,
  proof: Uint8Array,
): Uint8Array[] {
  checkElement(publicKey, 'public key');
  if (!(proof instanceof Uint8Array) || proof.length !== VOPRF_PROOF_SIZE) bad('proof must be 64 bytes');
  checkScalar(proof.subarray(0, 32), 'proof challenge');
  try {
    Fn.fromBytes(proof.subarray(32)); // s may be 0, but must be canonical
  } catch (cause) {
    bad('proof response is not a canonical scalar', cause);
  }
  if (items.length < 1 || items.length > 1024) bad('batch must hold 1..1024 items');
  for (const it of items) {
    checkInput(it.input);
    checkScalar(it.blind, 'blind');
    checkElement(it.blindedElement, 'blinded element');
    checkElement(it.evaluatedElement, 'evaluated element');
  }
  try {
    return api.finalizeBatch(
      items.map((i) => ({ input: i.input, blind: i.blind, blinded: i.blindedElement, evaluated: i.evaluatedElement })),
      publicKey,
      proof,
    );
  } catch (cause) {
    throw tlogError(
      'tlog.voprf_bad_proof',
      'the server proof does not verify against its public key',
      undefined,
      cause,
    );
  }
}

type Evaluate = (secretKey: Uint8Array, input: Uint8Array) => Uint8Array;

/**
 * Server-side direct evaluation (RFC 9497 §3.3.2 Evaluate): the same output a client gets from
 * Blind → BlindEvaluate → Finalize, without a client. Uses noble's `evaluate`, which its d.ts
 * omits for the VOPRF mode; the vectors test pins its output.
 */
export function voprfEvaluate(secretKey: Uint8Array, input: Uint8Array): Uint8Array {
  checkScalar(secretKey, 'secret key');
  checkInput(input);
  const evaluate = (api as unknown as { evaluate?: Evaluate }).evaluate;
  if (typeof evaluate !== 'function') throw tlogError('tlog.voprf_bad_input', '@noble/curves lacks VOPRF evaluate');
  try {
    return evaluate(secretKey, input);
  } catch (cause) {
    return bad('input cannot be evaluated', cause);
  }
}
