import type { AuthorityKind } from './authority-destinations.js';

/** `authority_reports`: a payload built for a case, once per (report, kind, decision). */
export interface AuthorityReportsTable {
  /** `arp_` + 22 base64url characters. */
  id: string;
  report_id: string;
  kind: AuthorityKind;
  /** The moderation decision the payload was built from. */
  decision_id: string;
  /** `application/xml` (CyberTipline) or `application/json`. */
  media_type: string;
  /** The built document (what is sent), or null when it could not be built. */
  payload: string | null;
  /** The builder's error code when the payload could not be built (e.g. authority.missing_field). */
  build_error: string | null;
  created_at: number;
}
