/**
 * `reported_openings`: which messages each reporter account has already reported (role
 * `reported`), so the same opening reported again is refused (`report.replayed`). Context
 * messages are not recorded: two reports may share context.
 */
export interface ReportedOpeningsTable {
  reporter_account_id: string;
  conversation_id: string;
  server_seq: number;
  report_id: string;
}
