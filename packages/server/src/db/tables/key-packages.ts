import type { Generated } from 'kysely';

/** `key_packages`: MLS KeyPackages waiting to be claimed (claim-once; last-resort reusable). */
export interface KeyPackagesTable {
  id: Generated<number>;
  device_id: string;
  /** The KeyPackageRef (RFC 9420 §5.2): makes a re-upload of the same package a no-op. */
  ref: Uint8Array;
  /** The encoded MLSMessage(KeyPackage). */
  data: Uint8Array;
  /** 1 for the device's last-resort package (handed out and kept), else 0 (deleted on claim). */
  last_resort: number;
  created_at: number;
  /** How many times a last-resort package was handed out (0 for normal ones). */
  claim_count: Generated<number>;
  last_claimed_at: number | null;
}
