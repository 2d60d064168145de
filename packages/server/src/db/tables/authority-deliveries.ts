/** Where a delivery stands. `sending` holds a lease; an expired lease is due again. */
export type AuthorityDeliveryState = 'pending' | 'sending' | 'delivered' | 'failed' | 'cancelled' | 'retracted';

/** `authority_deliveries`: one payload to one destination, with retries and idempotency. */
export interface AuthorityDeliveriesTable {
  /** `dlv_` + 22 base64url characters. */
  id: string;
  authority_report_id: string;
  destination_id: string;
  /** Sent as `Idempotency-Key` and used as the dropped file's name: a retry is the same delivery. */
  idempotency_key: string;
  state: AuthorityDeliveryState;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_attempt_at: number | null;
  delivered_at: number | null;
  /** HTTP status of the last response (0 for a file drop). */
  response_status: number | null;
  /** SHA-256 (hex) of the last response body: what came back, without keeping it. */
  response_digest: string | null;
  /** The last error's code (never a message with data in it). */
  last_error: string | null;
  /** CyberTipline: the reportId NCMEC returned from /submit (the resume point). */
  remote_report_id: string | null;
  /** CyberTipline: JSON of the steps done ({ files: {position: {fileId, info}} , finished }). */
  remote_progress: string | null;
  created_at: number;
  updated_at: number;
}

/** `authority_delivery_attempts`: every request a delivery made and what came back. */
export interface AuthorityDeliveryAttemptsTable {
  delivery_id: string;
  seq: number;
  /** `file`, `post`, or a CyberTipline step: `submit`, `upload:<pos>`, `fileinfo:<pos>`, `finish`, `retract`. */
  step: string;
  at: number;
  response_status: number | null;
  response_digest: string | null;
  error: string | null;
}
