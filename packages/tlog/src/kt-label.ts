import { type Random, concatBytes, utf8Encode } from '@fulcrum/common';
import { tlogError } from './errors.js';
import { isValidNoteString } from './note-keys.js';
import {
  type VoprfKeyPair,
  voprfBlind,
  voprfBlindEvaluate,
  voprfDeriveKeyPair,
  voprfEvaluate,
  voprfFinalize,
  voprfGenerateKeyPair,
} from './voprf.js';

/**
 * Key-transparency pseudonyms. An account appears in the public log only as its label:
 *   label = VOPRF_Evaluate(skS, "fulcrum/kt/account-label/v1" || 0x00 || UTF-8(account name))
 * (RFC 9497, ristretto255-SHA512, 64 bytes). Only the server, holding skS, can compute a label
 * from a name; a client asking about a name gets the label obliviously (the server never sees
 * which name) with a DLEQ proof that it used the key whose public half is logged as
 * `kt.label_key`. Someone who only reads the log cannot map labels to names, even by guessing.
 */
export const ACCOUNT_LABEL_DOMAIN = 'fulcrum/kt/account-label/v1';
/** Longest account name accepted, in UTF-8 bytes. */
export const MAX_ACCOUNT_NAME_BYTES = 1024;

const DOMAIN = utf8Encode(ACCOUNT_LABEL_DOMAIN);

/** The VOPRF input for an account name: domain || 0x00 || UTF-8(name). Names are used as given (normalise first). */
export function accountLabelInput(accountName: string): Uint8Array {
  // No control characters and no lone surrogates (which UTF-8 would merge into U+FFFD, giving
  // two names one label).
  if (
    typeof accountName !== 'string' ||
    accountName.length === 0 ||
    !isValidNoteString(accountName) ||
    accountName.includes('\n')
  ) {
    throw tlogError('tlog.voprf_bad_input', 'account name must be a non-empty string of printable Unicode');
  }
  const name = utf8Encode(accountName);
  if (name.length > MAX_ACCOUNT_NAME_BYTES) throw tlogError('tlog.voprf_bad_input', 'account name too long');
  return concatBytes(DOMAIN, new Uint8Array([0]), name);
}

/** Server: a label key from a 32-byte seed (kept in the server's secret store). */
export function deriveLabelKeyPair(seed: Uint8Array): VoprfKeyPair {
  return voprfDeriveKeyPair(seed, DOMAIN);
}

/** Server: a fresh random label key. */
export function generateLabelKeyPair(random?: Random): VoprfKeyPair {
  return voprfGenerateKeyPair(random);
}

/** Server: the label of an account name, computed directly (for writing its log entries). */
export function computeAccountLabel(secretKey: Uint8Array, accountName: string): Uint8Array {
  return voprfEvaluate(secretKey, accountLabelInput(accountName));
}

/** Client, step 1: blind the account name. Send `blindedElement`; keep `blind` secret. */
export function blindAccountName(
  accountName: string,
  random?: Random,
): { blind: Uint8Array; blindedElement: Uint8Array } {
  return voprfBlind(accountLabelInput(accountName), random);
}

/** Server, step 2: evaluate a client's blinded name and prove it used the logged key. */
export function evaluateBlindedAccountName(
  keyPair: VoprfKeyPair,
  blindedElement: Uint8Array,
  random?: Random,
): { evaluatedElement: Uint8Array; proof: Uint8Array } {
  const { evaluatedElements, proof } = voprfBlindEvaluate(keyPair, [blindedElement], random);
  return { evaluatedElement: evaluatedElements[0] as Uint8Array, proof };
}

/**
 * Client, step 3: verify the DLEQ proof against the server's public key (the one logged as
 * `kt.label_key`, checked with an inclusion proof) and compute the label. Throws
 * `tlog.voprf_bad_proof` if the server used another key, `tlog.voprf_bad_input` on malformed values.
 */
export function finalizeAccountLabel(args: {
  readonly accountName: string;
  readonly blind: Uint8Array;
  readonly blindedElement: Uint8Array;
  readonly evaluatedElement: Uint8Array;
  readonly proof: Uint8Array;
  readonly publicKey: Uint8Array;
}): Uint8Array {
  const [label] = voprfFinalize(
    [
      {
        input: accountLabelInput(args.accountName),
        blind: args.blind,
        blindedElement: args.blindedElement,
        evaluatedElement: args.evaluatedElement,
      },
    ],
    args.publicKey,
    args.proof,
  );
  return label as Uint8Array;
}
