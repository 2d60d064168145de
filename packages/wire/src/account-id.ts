import { assertLength, concatBytes, encodeBase64Url, utf8Encode } from '@fulcrum/common';
import { sha256 } from '@noble/hashes/sha2.js';

const ACCOUNT_ID_CONTEXT = utf8Encode('fulcrum/account-id/v1\u0000');

/**
 * The account id of an identity key: base64url of the first 16 bytes of
 * SHA-256("fulcrum/account-id/v1\0" ‖ identityKey) (22 characters). The client computes it
 * before it signs its first device certificate (which names the account); the server refuses a
 * registration whose certificate names any other id, so an id is bound to one identity key.
 */
export function deriveAccountId(identityKey: Uint8Array): string {
  assertLength(identityKey, 32, 'identity key');
  return encodeBase64Url(sha256(concatBytes(ACCOUNT_ID_CONTEXT, identityKey)).subarray(0, 16));
}
