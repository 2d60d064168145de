import type { Tx } from '../db/database.js';

/** The authority reports an escalation (or a restricting decision) asks for (decision 0004). */
export type AuthorityReportKind = 'cybertipline' | 'dsa_sor' | 'art18';

/**
 * Where moderation hands off to the authority-reports part (`packages/server/src/authority/`,
 * decision 0004): called inside the decision's transaction, so the request to report commits
 * with the decision or not at all. Called after an approved escalation with its kinds, and after
 * every decision that restricts the account (restrict, suspend, ban) with `dsa_sor`.
 */
export interface AuthorityHook {
  enqueueAuthorityReports(tx: Tx, input: { reportId: string; kinds: readonly AuthorityReportKind[] }): Promise<void>;
}
