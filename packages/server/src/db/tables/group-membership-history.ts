/**
 * `group_membership_history`: when each device was in each group, in group_seq terms, so that a
 * report can be checked against what the reporter could have received. A device added by the
 * commit at seq J receives the messages with seq > J; one removed by the commit at seq L received
 * those with seq < L. A device re-added later gets a new row.
 */
export interface GroupMembershipHistoryTable {
  group_id: string;
  device_id: string;
  /** The group_seq of the commit that added the device (0 for the creator). */
  joined_seq: number;
  /** The group_seq of the commit that removed it, or null while it is a member. */
  left_seq: number | null;
}
