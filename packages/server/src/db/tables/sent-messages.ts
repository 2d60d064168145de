/** `sent_messages`: the answer to each accepted send, so a retry with the same id returns it. */
export interface SentMessagesTable {
  sender_device_id: string;
  /** base64url, 16 bytes chosen by the client. */
  client_message_id: string;
  group_id: string;
  kind: 'commit' | 'application' | 'proposal';
  group_seq: number;
  /** For commits: the epoch the commit created. */
  epoch: number | null;
  created_at: number;
}
