/**
 * `evidence_keys`: the platform's evidence signing key (Ed25519), generated on first start
 * (`purpose` = `bundle`). `secret` is the 32-byte seed, base64url: never logged, never served;
 * `public_key` is what `GET /v1/evidence/key` serves and `fulcrum evidence key` prints.
 */
export interface EvidenceKeysTable {
  purpose: string;
  /** `evidenceKeyId(public_key)` (16 hex digits), named in every manifest the key signs. */
  key_id: string;
  secret: string;
  public_key: Uint8Array;
  created_at: number;
}
