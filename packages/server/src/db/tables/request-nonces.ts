/** `request_nonces`: the replay window of signed requests (docs/protocol.md §Signed requests). */
export interface RequestNoncesTable {
  device_id: string;
  nonce: string;
  /** After this time (ms) the row may be deleted: the timestamp check refuses the request anyway. */
  expires_at: number;
}
