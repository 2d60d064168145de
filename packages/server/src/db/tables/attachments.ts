/** `attachments`: metadata of each opaque (client-encrypted) blob. */
export interface AttachmentsTable {
  /** base64url, 16 random bytes. */
  attachment_id: string;
  uploader_device_id: string;
  size: number;
  sha256: Uint8Array;
  created_at: number;
}
