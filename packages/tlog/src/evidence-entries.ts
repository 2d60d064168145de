import { encodeHex } from '@fulcrum/common';
import { type EntryKind, EntryRegistry, defineEntryKind } from './log-entry.js';

/** Size of an evidence commitment (SHA-256). */
export const EVIDENCE_COMMITMENT_SIZE = 32;

/**
 * `evidence.bundle` v1: that the platform exported a signed evidence bundle, at the entry's time
 * (the envelope's `time`, stamped in the export's transaction). The body is only the bundle's
 * *salted* commitment (`@fulcrum/evidence` `evidenceCommitment`: SHA-256 over a domain label, a
 * fresh 32-byte salt kept inside the bundle, and the manifest digest). Without the bundle the
 * commitment is indistinguishable from random: no hash of reported material, no report, case or
 * account id ever enters the log (decision 0004). A holder of the bundle recomputes it and finds
 * the entry, which shows the platform cannot later deny the export or swap the bundle.
 */
export interface EvidenceBundleEntry {
  readonly commitment: Uint8Array;
}

export const EVIDENCE_BUNDLE_ENTRY: EntryKind<EvidenceBundleEntry> = defineEntryKind<EvidenceBundleEntry>({
  kind: 'evidence.bundle',
  version: 1,
  // Exactly the 32-byte commitment: no length prefix, no room for anything else.
  maxBodyBytes: EVIDENCE_COMMITMENT_SIZE,
  write(w, v) {
    w.fixed(v.commitment, EVIDENCE_COMMITMENT_SIZE);
  },
  read(r) {
    return { commitment: r.fixed(EVIDENCE_COMMITMENT_SIZE) };
  },
  describe: (v) => `evidence bundle exported (commitment ${encodeHex(v.commitment).slice(0, 16)}…)`,
});

/** A registry with the evidence kind (add it to another registry with `.with`). */
export function evidenceRegistry(): EntryRegistry {
  return EntryRegistry.of([EVIDENCE_BUNDLE_ENTRY as EntryKind<unknown>]);
}
