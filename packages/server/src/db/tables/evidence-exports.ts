/**
 * `evidence_exports`: one row per exported evidence bundle. The bundle digest stays here (private);
 * the public log holds only the salted commitment (`evidence.bundle` entry at `log_index`).
 */
export interface EvidenceExportsTable {
  /** `evx_` + 22 base64url characters. */
  id: string;
  report_id: string;
  created_at: number;
  /** Who exported it (an operator name, or a staff account id). */
  created_by: string;
  /** SHA-256 of the encoded bundle file. */
  bundle_sha256: Uint8Array;
  /** The salted commitment appended to the transparency log. */
  commitment: Uint8Array;
  log_index: number;
}
