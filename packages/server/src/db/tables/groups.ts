/** `groups`: what the server knows of an MLS group: its epoch and message order (never a key). */
export interface GroupsTable {
  /** base64url of the MLS group id. */
  group_id: string;
  /** The group's current epoch; a commit is accepted only for this epoch, then it advances by 1. */
  epoch: number;
  /** The last position handed out in the group's total order of commits and messages. */
  group_seq: number;
  created_by: string;
  created_at: number;
  updated_at: number;
}
