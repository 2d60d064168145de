/**
 * Fulcrum's MLS authentication service (RFC 9420 §5.3.1: "the AS is responsible for ... validating
 * credentials"). ts-mls's default accepts every credential; this one accepts a leaf credential only if
 *   1. it is a basic credential whose identity is a strictly-decoding device certificate,
 *   2. the certificate verifies under its account identity key,
 *   3. the certified MLS signature key equals the leaf's signature key, and
 *   4. the injected key directory lists the certificate.
 * ts-mls reports a refused credential only as a generic ValidationError, so each operation gets a
 * fresh `AuthProbe` that records refusals; the facade then raises `e2ee.credential_rejected`.
 */
import { constantTimeEqual } from '@fulcrum/common';
import {
  type AuthenticationService,
  type ClientConfig,
  type Credential,
  defaultKeyPackageEqualityConfig,
  defaultKeyRetentionConfig,
  defaultPaddingConfig,
} from 'ts-mls';
import { verifyDeviceCertificateAsync } from './device-certificate.js';
import type { CredentialCheckPurpose, KeyDirectory } from './key-directory.js';
import { KEY_PACKAGE_LIFETIME_SECONDS } from './key-package.js';

export type CredentialRefusal = 'not-basic' | 'bad-certificate' | 'key-mismatch' | 'not-listed';

/** Records the credential refusals seen during one operation. */
export class AuthProbe {
  readonly refusals: CredentialRefusal[] = [];
  get refused(): boolean {
    return this.refusals.length > 0;
  }
}

/** Checks one credential; resolves the refusal reason, or undefined when accepted. */
export async function checkCredential(
  directory: KeyDirectory,
  purpose: CredentialCheckPurpose,
  credential: Credential,
  signaturePublicKey: Uint8Array,
): Promise<CredentialRefusal | undefined> {
  if (credential.credentialType !== 'basic') return 'not-basic';
  let cert: Awaited<ReturnType<typeof verifyDeviceCertificateAsync>>;
  try {
    cert = await verifyDeviceCertificateAsync(credential.identity);
  } catch {
    return 'bad-certificate';
  }
  if (!constantTimeEqual(cert.mlsSignaturePublicKey, signaturePublicKey)) return 'key-mismatch';
  let listed = false;
  try {
    listed = (await directory.isDeviceListed(cert, purpose)) === true;
  } catch {
    listed = false; // a failing directory is a "no": never fail open
  }
  return listed ? undefined : 'not-listed';
}

export function fulcrumAuthService(
  directory: KeyDirectory,
  purpose: CredentialCheckPurpose,
  probe: AuthProbe,
): AuthenticationService {
  return {
    async validateCredential(credential: Credential, signaturePublicKey: Uint8Array): Promise<boolean> {
      const refusal = await checkCredential(directory, purpose, credential, signaturePublicKey);
      if (refusal !== undefined) probe.refusals.push(refusal);
      return refusal === undefined;
    },
  };
}

/**
 * The ts-mls ClientConfig for one operation. Lifetimes are not validated on receive (ts-mls would
 * read the wall clock itself); ts-mls does check our own KeyPackages' lifetimes when we add them.
 */
export function clientConfigFor(
  directory: KeyDirectory,
  purpose: CredentialCheckPurpose,
  probe: AuthProbe,
): ClientConfig {
  return {
    keyRetentionConfig: defaultKeyRetentionConfig,
    lifetimeConfig: { maximumTotalLifetime: KEY_PACKAGE_LIFETIME_SECONDS, validateLifetimeOnReceive: false },
    keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
    paddingConfig: defaultPaddingConfig,
    authService: fulcrumAuthService(directory, purpose, probe),
  };
}
