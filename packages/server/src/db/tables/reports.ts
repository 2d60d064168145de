/** The report categories (decision 0004), most urgent first. */
export type ReportCategory =
  | 'child_sexual_exploitation'
  | 'grooming'
  | 'terrorism'
  | 'threats'
  | 'harassment'
  | 'spam'
  | 'other';

/** Where a report (a moderation case) stands; intake writes `open`, moderation owns the rest. */
export type ReportStatus = 'open' | 'claimed' | 'decided' | 'awaiting_approval' | 'closed' | 'appealed';

/** `reports`: one row per accepted (verified) report; it is also the moderation case. */
export interface ReportsTable {
  /** `rpt_` + 22 base64url characters (16 random bytes). */
  id: string;
  reporter_account_id: string;
  reporter_device_id: string;
  /** The MLS sender's account of the first reported message. */
  reported_account_id: string;
  conversation_id: string;
  category: ReportCategory;
  /** 0 = most urgent (child_sexual_exploitation, grooming); see `CATEGORY_PRIORITY`. */
  priority: number;
  /** The reporter's note (≤ 2000 characters), or null. */
  note: string | null;
  created_at: number;
  status: ReportStatus;
  /** created_at + retention; the evidence part extends it for preservation holds. */
  retain_until: number;
  /** When body, franking_key and content were deleted (retention), or null. */
  content_deleted_at: number | null;
}
