/** `attachment_chunks`: blob bytes in PostgreSQL, so several server processes share them. */
export interface AttachmentChunksTable {
  attachment_id: string;
  /** 0-based chunk index; every chunk but the last holds exactly the store's chunk size. */
  idx: number;
  data: Uint8Array;
}
