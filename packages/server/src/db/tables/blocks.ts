/** `blocks`: an account blocks another (docs/protocol.md §Reports, "Blocking"). */
export interface BlocksTable {
  blocker_account_id: string;
  blocked_account_id: string;
  created_at: number;
}
