/**
 * `evidence_holds`: preservation holds. While a hold on a report is active (`until` in the
 * future) the retention job keeps the report's content; placing one also extends
 * `reports.retain_until` to at least `until`.
 */
export interface EvidenceHoldsTable {
  /** `hold_` + 22 base64url characters. */
  id: string;
  report_id: string;
  /** Why (a legal request, an investigation…), ≤ 2000 characters. */
  reason: string;
  /** ms since the epoch: the hold ends then. */
  until: number;
  /** Who placed it (an operator name, or a staff account id). */
  created_by: string;
  created_at: number;
}
