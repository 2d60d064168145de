import { randomBytes } from 'node:crypto';
import { MODERATION_EVENT_ENTRY, type ModerationAction, type ModerationRole } from '@fulcrum/tlog';
import type { Tx } from '../db/database.js';
import { appendLogEntry } from '../log/sequencer.js';

/** A fresh id: `prefix` + 22 base64url characters (16 random bytes). */
export function createModerationId(prefix: 'dec_' | 'apl_' | 'ntc_' | 'aud_'): string {
  return `${prefix}${randomBytes(16).toString('base64url')}`;
}

/** One audited moderation step. */
export interface AuditEvent {
  action: ModerationAction;
  role: ModerationRole;
  /** Null when the operator acted on the store (`fulcrum staff`). */
  actorAccountId: string | null;
  reportId?: string;
  decisionId?: string;
  appealId?: string;
  targetAccountId?: string;
  now: number;
}

/**
 * Records a moderation step twice, in the caller's transaction: a `moderation_audit` row (who,
 * which case, decision, appeal) and a public `moderation.event` log entry (action, role, time —
 * nothing else). Both commit with the step itself or not at all.
 */
export async function recordModerationEvent(tx: Tx, event: AuditEvent): Promise<{ logIndex: number }> {
  const { index } = await appendLogEntry(
    tx,
    {
      kind: MODERATION_EVENT_ENTRY.kind,
      version: MODERATION_EVENT_ENTRY.version,
      time: event.now,
      body: MODERATION_EVENT_ENTRY.encodeBody({ action: event.action, role: event.role }),
    },
    null, // no subject: the server's own index must not tie the public entry to a case either
  );
  await tx.db
    .insertInto('moderation_audit')
    .values({
      id: createModerationId('aud_'),
      at: event.now,
      actor_account_id: event.actorAccountId,
      actor_role: event.role,
      action: event.action,
      report_id: event.reportId ?? null,
      decision_id: event.decisionId ?? null,
      appeal_id: event.appealId ?? null,
      target_account_id: event.targetAccountId ?? null,
      log_index: index,
    })
    .execute();
  return { logIndex: index };
}
