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
  /**
   * The built document (what is sent), or null when it could not be built or was deleted: once the
   * report's content is deleted (retention) and no delivery is pending, a payload that carries
   * content (cybertipline, art18) is nulled too.
   */
  payload: string | null;
  /** SHA-256 (hex) of the payload as built: what was sent stays identifiable after deletion. */
  payload_sha256: string | null;
  /** When the payload was deleted with the report's content, or null. */
  payload_deleted_at: number | null;
  /** The builder's error code when the payload could not be built (e.g. authority.missing_field). */
  build_error: string | null;
  created_at: number;
}
