/** `report_messages`: the verified openings of a report, reported and context messages. */
export interface ReportMessagesTable {
  report_id: string;
  /** 0-based, in conversation (server_seq) order. */
  position: number;
  role: 'reported' | 'context';
  sender_account_id: string;
  sender_device_id: string;
  server_seq: number;
  epoch: number;
  server_time: number;
  key_id: string;
  /** The revealed content bytes (evidence); nulled when the content is deleted. */
  body: Uint8Array | null;
  /** The revealed 32-byte franking key; nulled when the content is deleted. */
  franking_key: Uint8Array | null;
  /** The sender's commitment (recomputed from body and franking key at intake). */
  commitment: Uint8Array;
  /** The server's tag over commitment and context. */
  tag: Uint8Array;
}
