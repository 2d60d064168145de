import { assertLength, concatBytes } from '@fulcrum/common';
import { COMMITMENT_LENGTH, FRANKING_KEY_LENGTH } from './commitment.js';
import { frankingError } from './errors.js';

/** Version byte of the MLS authenticated data that carries the commitment. */
export const FRANKING_AAD_VERSION = 1;
/** `0x01 ‖ commitment`: the exact MLS `authenticated_data` of a franked application message. */
export const FRANKING_AAD_LENGTH = 1 + COMMITMENT_LENGTH;
/** Version byte of the franked envelope (the MLS plaintext). */
export const FRANKED_ENVELOPE_VERSION = 1;

/** The MLS `authenticated_data` of a franked application message: `0x01 ‖ commitment (32)`. */
export function encodeFrankingAad(commitment: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(FRANKING_AAD_VERSION), assertLength(commitment, COMMITMENT_LENGTH, 'commitment'));
}

/**
 * Parses an application message's `authenticated_data`; returns the 32-byte commitment or throws
 * `franking.malformed` (absent, another length, or an unknown version).
 */
export function parseFrankingAad(aad: Uint8Array): Uint8Array {
  if (aad.length !== FRANKING_AAD_LENGTH || aad[0] !== FRANKING_AAD_VERSION) {
    throw frankingError('franking.malformed', 'authenticated data must be 0x01 followed by a 32-byte commitment', {
      length: aad.length,
    });
  }
  return aad.slice(1);
}

/** What a franked application message's MLS plaintext holds. */
export interface FrankedEnvelope {
  /** The fresh 32-byte franking key of this message. */
  frankingKey: Uint8Array;
  /** The canonical content bytes the commitment covers and the recipient renders from. */
  body: Uint8Array;
}

/** The MLS plaintext of a franked message: `0x01 ‖ frankingKey (32) ‖ body (the rest)`. */
export function encodeFrankedEnvelope(envelope: FrankedEnvelope): Uint8Array {
  return concatBytes(
    Uint8Array.of(FRANKED_ENVELOPE_VERSION),
    assertLength(envelope.frankingKey, FRANKING_KEY_LENGTH, 'franking key'),
    envelope.body,
  );
}

/** Parses a franked envelope; throws `franking.malformed` on another version or a short input. */
export function decodeFrankedEnvelope(bytes: Uint8Array): FrankedEnvelope {
  if (bytes.length < 1 + FRANKING_KEY_LENGTH || bytes[0] !== FRANKED_ENVELOPE_VERSION) {
    throw frankingError('franking.malformed', 'not a version-1 franked envelope');
  }
  return { frankingKey: bytes.slice(1, 1 + FRANKING_KEY_LENGTH), body: bytes.slice(1 + FRANKING_KEY_LENGTH) };
}
