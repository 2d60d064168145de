import { wireError } from '@fulcrum/wire';
import type { Kysely } from 'kysely';
import type { Tx } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';
import type { ReportCategory } from '../db/tables/reports.js';
import type { StaffRole } from '../db/tables/staff-roles.js';
import { recordModerationEvent } from './audit.js';

export type { StaffRole } from '../db/tables/staff-roles.js';

type Reader = Kysely<DatabaseSchema> | Tx['db'];

export const STAFF_ROLES: readonly StaffRole[] = ['moderator', 'child_safety', 'admin'];

/** The categories only `child_safety` staff see (queue entries, metadata and content). */
export const CHILD_SAFETY_CATEGORIES: readonly ReportCategory[] = ['child_sexual_exploitation', 'grooming'];

/** A staff member as one request sees them (roles read in the request's own transaction or just before). */
export interface StaffMember {
  accountId: string;
  roles: ReadonlySet<StaffRole>;
}

export async function staffRoles(db: Reader, accountId: string): Promise<StaffRole[]> {
  const rows = await db
    .selectFrom('staff_roles')
    .select('role')
    .where('account_id', '=', accountId)
    .orderBy('role')
    .execute();
  return rows.map((r) => r.role);
}

/** The caller as staff, or `moderation.not_staff`. */
export async function requireStaff(db: Reader, accountId: string): Promise<StaffMember> {
  const roles = await staffRoles(db, accountId);
  if (roles.length === 0) throw wireError('moderation.not_staff', 'this account holds no staff role');
  return { accountId, roles: new Set(roles) };
}

/** Whether `staff` may see cases of `category` at all. */
export function canSeeCategory(staff: StaffMember, category: ReportCategory): boolean {
  return !CHILD_SAFETY_CATEGORIES.includes(category) || staff.roles.has('child_safety');
}

/** `moderation.role_required` unless `staff` may see `category`. */
export function requireCategory(staff: StaffMember, category: ReportCategory): void {
  if (!canSeeCategory(staff, category)) {
    throw wireError('moderation.role_required', 'child-safety cases are for child_safety staff only');
  }
}

/** The categories `staff` may see. */
export function visibleCategories(staff: StaffMember, all: readonly ReportCategory[]): ReportCategory[] {
  return all.filter((c) => canSeeCategory(staff, c));
}

/**
 * The role a staff member acts in on a case of `category` (what the audit and the log record):
 * `child_safety` on child-safety cases, else the least privileged role they hold.
 */
export function actingRole(staff: StaffMember, category?: ReportCategory): StaffRole {
  if (category !== undefined && CHILD_SAFETY_CATEGORIES.includes(category)) return 'child_safety';
  for (const r of ['moderator', 'child_safety', 'admin'] as const) if (staff.roles.has(r)) return r;
  throw wireError('moderation.not_staff', 'this account holds no staff role');
}

/**
 * Grants `role` to `accountId` (idempotent), audited. `by` is the granting admin, or null for the
 * operator acting on the store. `account.not_found` if the account does not exist.
 */
export async function grantStaffRole(
  tx: Tx,
  input: { accountId: string; role: StaffRole; by: string | null; now: number },
): Promise<StaffRole[]> {
  const account = await tx.db
    .selectFrom('accounts')
    .select('account_id')
    .where('account_id', '=', input.accountId)
    .executeTakeFirst();
  if (account === undefined) throw wireError('account.not_found', 'no such account');
  const inserted = await tx.db
    .insertInto('staff_roles')
    .values({ account_id: input.accountId, role: input.role, granted_by: input.by, granted_at: input.now })
    .onConflict((oc) => oc.doNothing())
    .returning('role')
    .executeTakeFirst();
  if (inserted !== undefined) {
    await recordModerationEvent(tx, {
      action: 'staff.grant',
      role: input.by === null ? 'operator' : 'admin',
      actorAccountId: input.by,
      targetAccountId: input.accountId,
      now: input.now,
    });
  }
  return staffRoles(tx.db, input.accountId);
}

/** Revokes `role` from `accountId` (idempotent), audited. */
export async function revokeStaffRole(
  tx: Tx,
  input: { accountId: string; role: StaffRole; by: string | null; now: number },
): Promise<StaffRole[]> {
  const deleted = await tx.db
    .deleteFrom('staff_roles')
    .where('account_id', '=', input.accountId)
    .where('role', '=', input.role)
    .returning('role')
    .executeTakeFirst();
  if (deleted !== undefined) {
    await recordModerationEvent(tx, {
      action: 'staff.revoke',
      role: input.by === null ? 'operator' : 'admin',
      actorAccountId: input.by,
      targetAccountId: input.accountId,
      now: input.now,
    });
  }
  return staffRoles(tx.db, input.accountId);
}

/** Every staff member and their roles (the operator's `fulcrum staff list`). */
export async function listStaff(db: Reader): Promise<{ accountId: string; name: string; roles: StaffRole[] }[]> {
  const rows = await db
    .selectFrom('staff_roles')
    .innerJoin('accounts', 'accounts.account_id', 'staff_roles.account_id')
    .select(['staff_roles.account_id', 'accounts.name', 'staff_roles.role'])
    .orderBy('accounts.name')
    .orderBy('staff_roles.role')
    .execute();
  const out = new Map<string, { accountId: string; name: string; roles: StaffRole[] }>();
  for (const r of rows) {
    const entry = out.get(r.account_id) ?? { accountId: r.account_id, name: r.name, roles: [] };
    entry.roles.push(r.role);
    out.set(r.account_id, entry);
  }
  return [...out.values()];
}
