/** The decisions a staff member can take on a case. */
export type ModerationDecisionAction = 'dismiss' | 'warn' | 'restrict' | 'suspend' | 'ban' | 'escalate';
/** `awaiting_approval` (four eyes) → `effective` or `rejected`; an upheld appeal leaves it, a granted one → `overturned`. */
export type ModerationDecisionStatus = 'awaiting_approval' | 'effective' | 'rejected' | 'overturned';

/** `moderation_decisions`: every decision with its reason, decider and (four-eyes) approver. */
export interface ModerationDecisionsTable {
  /** `dec_` + 22 base64url characters. */
  id: string;
  report_id: string;
  /** The reported account the decision is about. */
  affected_account_id: string;
  action: ModerationDecisionAction;
  reason: string;
  /** Escalations: the authority reports asked for, comma-separated (`cybertipline,art18`…), else null. */
  authority_kinds: string | null;
  /** Restrict / suspend: how long (ms), or null for indefinitely. */
  duration_ms: number | null;
  decided_by: string;
  decided_role: string;
  decided_at: number;
  status: ModerationDecisionStatus;
  approved_by: string | null;
  approved_at: number | null;
  approval_reason: string | null;
}
