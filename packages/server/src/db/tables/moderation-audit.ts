/**
 * `moderation_audit`: every reveal, claim, assignment, decision, approval and appeal step, with
 * who and which case. Its public twin is the `moderation.event` log entry at `log_index`, written
 * in the same transaction (which carries only the action, the role and the time).
 */
export interface ModerationAuditTable {
  /** `aud_` + 22 base64url characters. */
  id: string;
  at: number;
  /** Null when the operator acted on the store directly (`fulcrum staff`). */
  actor_account_id: string | null;
  actor_role: string;
  /** A `moderation.event` action (tlog `MODERATION_ACTIONS`). */
  action: string;
  report_id: string | null;
  decision_id: string | null;
  appeal_id: string | null;
  target_account_id: string | null;
  /** The transparency-log leaf index of the matching `moderation.event` entry. */
  log_index: number;
}
