/**
 * `franking_keys` (migration 0003): the server's message-franking HMAC keys (docs/protocol.md
 * §Franking). A key tags messages from `created_at` until `retired_at` (set when the key is made:
 * `created_at` + the rotation period), and its tags stay verifiable for the report window after
 * `retired_at`; then the row is deleted. `secret` is the 32-byte key. Never logged, never served.
 */
export interface FrankingKeysTable {
  key_id: string;
  secret: Uint8Array;
  created_at: number;
  retired_at: number | null;
}
