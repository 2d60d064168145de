/** `moderation_leases`: who holds a case, until when. One row per case (its primary key). */
export interface ModerationLeasesTable {
  report_id: string;
  holder_account_id: string;
  acquired_at: number;
  /** After this (ms) anyone allowed to see the case may claim it. */
  expires_at: number;
  /** The admin who assigned it, or null for a claim. */
  assigned_by: string | null;
}
