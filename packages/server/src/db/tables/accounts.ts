/** `accounts`: one row per account (docs/protocol.md §Identities). */
export interface AccountsTable {
  /** base64url, 16 bytes derived from the identity key (e2ee `accountIdFromIdentityKey`). */
  account_id: string;
  /** Unique, `^[a-z0-9][a-z0-9_.-]{2,31}$`. */
  name: string;
  /** Ed25519 public key, 32 bytes. */
  identity_key: Uint8Array;
  created_at: number;
}
