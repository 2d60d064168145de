import type { VerifiedDeviceCertificate } from './device-certificate.js';

/**
 * Why the credential check runs, so a directory can answer differently where it must:
 * - `add`: this device is about to commit adding the certificate's device (from its KeyPackage);
 * - `join`: this device is joining from a Welcome and checks every leaf of the group's tree;
 * - `process`: an incoming commit adds a device or changes the committer's leaf.
 */
export type CredentialCheckPurpose = 'add' | 'join' | 'process';

/**
 * Port to the server's key directory (the client SDK implements it, usually from a cached device list).
 *
 * It is asked only about certificates that already verified under their account key and whose
 * certified MLS key equals the MLS leaf's signature key. It must answer `true` only if the directory
 * lists exactly this certificate (compare `encoded` bytes) for `accountId`, under the account identity
 * key `accountPublicKey` that the directory holds for that account. A rejected promise counts as "no".
 */
export interface KeyDirectory {
  isDeviceListed(certificate: VerifiedDeviceCertificate, purpose: CredentialCheckPurpose): Promise<boolean>;
}
