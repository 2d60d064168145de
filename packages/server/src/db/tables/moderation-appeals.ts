/** `moderation_appeals`: one appeal per decision, by the affected account. */
export interface ModerationAppealsTable {
  /** `apl_` + 22 base64url characters. */
  id: string;
  decision_id: string;
  account_id: string;
  /** The appellant's statement (≤ 2000 characters). */
  statement: string;
  filed_at: number;
  status: 'open' | 'upheld' | 'overturned';
  /** Never the first decider (nor its approver). */
  decided_by: string | null;
  decided_at: number | null;
  outcome_reason: string | null;
}
