import { tlogError } from './errors.js';
import { type EntryKind, EntryRegistry, defineEntryKind } from './log-entry.js';

/**
 * What a moderation event records: every view of reported content and every step of the
 * workflow (docs/decisions/0004-reports-and-moderation.md §Moderation). A closed list, so a
 * decoder rejects anything else and the body can never carry free text.
 */
export const MODERATION_ACTIONS = [
  /** Staff viewed a case's reported content (the explicit reveal call). */
  'reveal',
  /** Staff claimed (or renewed the lease on) a case. */
  'claim',
  /** Staff released a claim. */
  'release',
  /** An admin assigned a case to a staff member. */
  'assign',
  'decide.dismiss',
  'decide.warn',
  'decide.restrict',
  'decide.suspend',
  'decide.ban',
  'decide.escalate',
  /** A second staff member approved a four-eyes decision (ban, escalate): it took effect. */
  'approve',
  /** A second staff member rejected a four-eyes decision: it never took effect. */
  'reject',
  /** The affected account appealed a decision. */
  'appeal.file',
  /** An appeal was decided: the decision stands. */
  'appeal.uphold',
  /** An appeal was decided: the decision was reversed (its effect lifted). */
  'appeal.overturn',
  /** A staff role was granted or revoked. */
  'staff.grant',
  'staff.revoke',
] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];

/** Who acted: a staff role, the affected user (appeals), or the operator (store commands). */
export const MODERATION_ROLES = ['moderator', 'child_safety', 'admin', 'user', 'operator'] as const;
export type ModerationRole = (typeof MODERATION_ROLES)[number];

/**
 * `moderation.event` v1: that a moderation action happened, in which role, at the entry's time
 * (the envelope's `time`, stamped in the same transaction as the action). Deliberately nothing
 * else: no content, no account, device or case ids, no category, no hashes of reported material.
 * The server's `moderation_audit` table holds who did what to which case; the log lets anyone
 * count actions (and the staff cannot rewrite the count).
 */
export interface ModerationEventEntry {
  readonly action: ModerationAction;
  readonly role: ModerationRole;
}

const MAX_NAME = 32;

function oneOf<T extends string>(list: readonly T[], value: string, what: string): T {
  if (!(list as readonly string[]).includes(value)) throw tlogError('tlog.entry_malformed', `unknown ${what}`);
  return value as T;
}

export const MODERATION_EVENT_ENTRY: EntryKind<ModerationEventEntry> = defineEntryKind<ModerationEventEntry>({
  kind: 'moderation.event',
  version: 1,
  // u16 action length · action (ASCII) · u16 role length · role: at most 2 + 32 + 2 + 32 bytes.
  maxBodyBytes: 4 + 2 * MAX_NAME,
  write(w, v) {
    w.string16(oneOf(MODERATION_ACTIONS, v.action, 'moderation action'), MAX_NAME).string16(
      oneOf(MODERATION_ROLES, v.role, 'moderation role'),
      MAX_NAME,
    );
  },
  read(r) {
    return {
      action: oneOf(MODERATION_ACTIONS, r.string16(MAX_NAME), 'moderation action'),
      role: oneOf(MODERATION_ROLES, r.string16(MAX_NAME), 'moderation role'),
    };
  },
  describe: (v) => `moderation ${v.action} by ${v.role}`,
});

/** A registry with the moderation kind (add it to the key-transparency registry with `.with`). */
export function moderationRegistry(): EntryRegistry {
  return EntryRegistry.of([MODERATION_EVENT_ENTRY as EntryKind<unknown>]);
}
