import { constantTimeEqual, decodeBase64Url, isFulcrumError } from '@fulcrum/common';
import {
  createMlsClient,
  type MlsClient,
  type MlsMessageMeta,
  parseMlsMessageMeta,
  verifyDeviceCertificate,
  type VerifiedDeviceCertificate,
} from '@fulcrum/e2ee';
import { parseFrankingAad } from '@fulcrum/franking';
import { deriveAccountId, LIMITS, type WireErrorCode, wireError } from '@fulcrum/wire';

const DEVICE_ID = /^[A-Za-z0-9_-]{22}$/;

/** A device certificate the server has verified, reduced to what it stores. */
export interface CheckedCertificate {
  accountId: string;
  deviceId: string;
  requestKey: Uint8Array;
  encoded: Uint8Array;
}

function rethrow(code: WireErrorCode, message: string, err: unknown): never {
  // e2ee's typed errors become the API's code; anything else is a bug and stays a 500.
  if (isFulcrumError(err) && err.code.startsWith('e2ee.')) throw wireError(code, message, { reason: err.code });
  throw err;
}

/**
 * Everything the server reads out of certificates and MLS messages, through `@fulcrum/e2ee`
 * (no ts-mls here). The server holds no group key: it reads only what MLS leaves in clear
 * (RFC 9420 §6: group id, epoch, content type) and verifies certificates and KeyPackage
 * signatures; message signatures and membership tags are checked by the members.
 */
export class MlsInspector {
  readonly #mls: MlsClient;

  private constructor(mls: MlsClient) {
    this.#mls = mls;
  }

  static async create(): Promise<MlsInspector> {
    // The server never adds or joins: its key directory lists no one.
    return new MlsInspector(await createMlsClient({ directory: { isDeviceListed: async () => false } }));
  }

  /**
   * Verifies a device certificate under `identityKey`: it must name the account id derived from
   * that key, a 16-byte base64url device id, and be canonically encoded. `device.bad_certificate`.
   */
  checkCertificate(bytes: Uint8Array, identityKey: Uint8Array): CheckedCertificate {
    const accountId = deriveAccountId(identityKey);
    let cert: VerifiedDeviceCertificate;
    try {
      cert = verifyDeviceCertificate(bytes, { accountPublicKey: identityKey, accountId: accountId as never });
    } catch (err) {
      rethrow('device.bad_certificate', 'the device certificate does not verify under the account key', err);
    }
    if (!DEVICE_ID.test(cert.deviceId) || decodeBase64Url(cert.deviceId).length !== LIMITS.idBytes) {
      throw wireError('device.bad_certificate', 'the device id must be 16 bytes, base64url');
    }
    if (!constantTimeEqual(cert.encoded, bytes)) {
      throw wireError('device.bad_certificate', 'the device certificate is not canonically encoded');
    }
    return { accountId, deviceId: cert.deviceId, requestKey: cert.requestSigningPublicKey, encoded: cert.encoded };
  }

  /**
   * Checks an uploaded KeyPackage: an MLSMessage(KeyPackage) of suite 1 with a valid signature,
   * whose credential is exactly `certificate` (the uploading device's), within its lifetime, and
   * whose last-resort extension matches the upload's flag. Returns its KeyPackageRef.
   */
  async checkKeyPackage(
    bytes: Uint8Array,
    expected: { certificate: Uint8Array; lastResort: boolean; now: number },
  ): Promise<{ ref: Uint8Array }> {
    let info: Awaited<ReturnType<MlsClient['inspectKeyPackage']>>;
    try {
      info = await this.#mls.inspectKeyPackage(bytes);
    } catch (err) {
      rethrow('keypackage.invalid', 'not a valid KeyPackage of cipher suite 1', err);
    }
    const cert = info.certificate as VerifiedDeviceCertificate;
    if (!constantTimeEqual(cert.encoded, expected.certificate)) {
      throw wireError('keypackage.invalid', 'the KeyPackage credential is not this device’s certificate');
    }
    if (info.lastResort !== expected.lastResort) {
      throw wireError('keypackage.invalid', 'lastResort does not match the KeyPackage’s last_resort extension');
    }
    const nowSeconds = BigInt(Math.floor(expected.now / 1000));
    const slack = BigInt(LIMITS.timestampSkewMs / 1000);
    if (info.notAfter < nowSeconds || info.notBefore > nowSeconds + slack) {
      throw wireError('keypackage.invalid', 'the KeyPackage is outside its lifetime');
    }
    return { ref: info.ref };
  }

  #meta(bytes: Uint8Array, maxBytes: number): MlsMessageMeta {
    try {
      return parseMlsMessageMeta(bytes, { maxBytes });
    } catch (err) {
      rethrow('mls.malformed', 'not a well-formed MLS message', err);
    }
  }

  /** A commit: a PublicMessage from a member, content type commit, for `groupId`. Returns its epoch. */
  readCommit(bytes: Uint8Array, groupId: Uint8Array): { epoch: number } {
    const meta = this.#meta(bytes, LIMITS.commitMaxBytes);
    if (meta.wireFormat !== 'public' || meta.contentType !== 'commit' || meta.senderType !== 'member') {
      throw wireError('mls.malformed', 'a commit must be a PublicMessage commit from a member');
    }
    return { epoch: this.#epoch(meta.epoch, meta.groupId, groupId) };
  }

  /**
   * An application message (PrivateMessage) or proposal (Public- or PrivateMessage) for `groupId`.
   * An application message must carry a franking commitment as its authenticated data
   * (`0x01 ‖ 32 bytes`, docs/protocol.md §Franking), returned as `commitment`;
   * `franking.bad_commitment` otherwise.
   */
  readMessage(
    bytes: Uint8Array,
    groupId: Uint8Array,
  ): { epoch: number; kind: 'application'; commitment: Uint8Array } | { epoch: number; kind: 'proposal' } {
    const meta = this.#meta(bytes, LIMITS.messageMaxBytes);
    if (meta.wireFormat === 'private' && meta.contentType === 'application') {
      const epoch = this.#epoch(meta.epoch, meta.groupId, groupId);
      let commitment: Uint8Array;
      try {
        commitment = parseFrankingAad(meta.authenticatedData);
      } catch (err) {
        if (isFulcrumError(err) && err.code === 'franking.malformed') {
          throw wireError(
            'franking.bad_commitment',
            'an application message’s authenticated data must be 0x01 and a 32-byte franking commitment',
            { length: meta.authenticatedData.length },
          );
        }
        throw err;
      }
      return { epoch, kind: 'application', commitment };
    }
    if ((meta.wireFormat === 'public' || meta.wireFormat === 'private') && meta.contentType === 'proposal') {
      return { epoch: this.#epoch(meta.epoch, meta.groupId, groupId), kind: 'proposal' };
    }
    throw wireError(
      'mls.malformed',
      'expected a PrivateMessage application message or a proposal (commits go to /commits)',
    );
  }

  /** A Welcome (RFC 9420 §12.4.3.1); returns how many new members it is encrypted to. */
  readWelcome(bytes: Uint8Array): { recipients: number } {
    const meta = this.#meta(bytes, LIMITS.welcomeMaxBytes);
    if (meta.wireFormat !== 'welcome') throw wireError('mls.malformed', 'welcome must be an MLS Welcome');
    return { recipients: meta.keyPackageRefs.length };
  }

  #epoch(epoch: bigint, messageGroupId: Uint8Array, groupId: Uint8Array): number {
    if (!constantTimeEqual(messageGroupId, groupId))
      throw wireError('mls.malformed', 'the message is for another group');
    if (epoch > BigInt(Number.MAX_SAFE_INTEGER)) throw wireError('mls.malformed', 'epoch out of range');
    return Number(epoch);
  }
}
