/** `account_sanctions`: the restrictions in force on an account; the auth path reads it. */
export interface AccountSanctionsTable {
  account_id: string;
  kind: 'restrict' | 'suspend' | 'ban';
  /** The decision that imposed it (an overturned appeal lifts it). */
  decision_id: string;
  since: number;
  /** When it ends (ms), or null for indefinitely. */
  until: number | null;
}
