/** `report_rejections`: how many reports were refused, by error code (forgeries and bad input). */
export interface ReportRejectionsTable {
  code: string;
  count: number;
  last_at: number;
}
