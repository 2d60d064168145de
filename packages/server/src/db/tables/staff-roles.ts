/** A staff role (decision 0004 §Moderation). */
export type StaffRole = 'moderator' | 'child_safety' | 'admin';

/** `staff_roles`: which accounts are staff, in which roles. */
export interface StaffRolesTable {
  account_id: string;
  role: StaffRole;
  /** The admin account that granted it, or null when the operator did (`fulcrum staff grant`). */
  granted_by: string | null;
  granted_at: number;
}
