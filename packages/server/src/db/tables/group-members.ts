/** `group_members`: the routing roster of each group (one row per member device). */
export interface GroupMembersTable {
  group_id: string;
  device_id: string;
  joined_at: number;
}
