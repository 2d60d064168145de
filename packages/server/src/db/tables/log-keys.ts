/**
 * `log_keys`: the log's secrets, generated on first start. `checkpoint` holds the Ed25519 note
 * key as a Go-style `PRIVATE+KEY+…` string; `kt_label` the 32-byte VOPRF seed (base64url) whose
 * public key is logged as `kt.label_key`. Never logged, never served.
 */
export interface LogKeysTable {
  purpose: string;
  secret: string;
  created_at: number;
}
