/** `devices`: the key directory's devices, revoked ones included (their revocation is served). */
export interface DevicesTable {
  /** base64url, 16 bytes, named by the certificate. */
  device_id: string;
  account_id: string;
  /** The encoded device certificate, as uploaded (served verbatim). */
  certificate: Uint8Array;
  /** Ed25519 key that signs this device's API requests (from the certificate). */
  request_key: Uint8Array;
  created_at: number;
  revoked_at: number | null;
  /** The identity-key-signed revocation statement, served to clients. */
  revocation: Uint8Array | null;
  /**
   * The last `seq` handed out in this device's queue. Incremented under the row lock in the
   * same transaction that inserts the item, so seqs commit in order and without gaps.
   */
  queue_seq: number;
}
