/** `moderation_notices`: what the affected account was told (also sent as a queue event). */
export interface ModerationNoticesTable {
  /** `ntc_` + 22 base64url characters. */
  id: string;
  account_id: string;
  decision_id: string;
  /** Set when the notice is an appeal's outcome. */
  appeal_id: string | null;
  /** The decision action, or `appeal.uphold` / `appeal.overturn`. */
  action: string;
  reason: string;
  created_at: number;
}
