/** `report_files`: attachments of reported messages, checked against the committed values. */
export interface ReportFilesTable {
  report_id: string;
  /** The `position` of the message in `report_messages` that carries this attachment. */
  position: number;
  attachment_id: string;
  media_type: string;
  name: string;
  size: number;
  plaintext_sha256: Uint8Array;
  blob_sha256: Uint8Array;
  /** MD5 of the plaintext (CyberTipline asks for it); never published. */
  md5: Uint8Array;
  /** PDQ hash, 64 hex characters, for images the server could decode; else null. */
  pdq: string | null;
  /** The decrypted file (evidence); nulled when the content is deleted. */
  content: Uint8Array | null;
}
