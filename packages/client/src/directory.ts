/**
 * The key-directory cache and Fulcrum's credential check (e2ee `KeyDirectory` port).
 *
 * A leaf of any group this device is in must hold a device certificate that the server's key
 * directory lists for its account (protocol.md §Identities). Records are fetched from the server
 * (`GET /v1/accounts/...`), checked here — the account id is derived from the identity key, every
 * certificate verifies under that key and names the account and device, every revocation verifies
 * — and cached in the store (table `directory`). The identity key of an account is pinned on first
 * sight: a later answer with another key is refused with `client.directory_mismatch` (trust on
 * first use). With key transparency on (the default), a listed certificate is also accepted only
 * once the transparency log provably holds it (`key-transparency.ts`).
 */
import { type Clock, constantTimeEqual, decodeBase64Url, type FulcrumError, isFulcrumError } from '@fulcrum/common';
import {
  type AccountId,
  type CredentialCheckPurpose,
  type DeviceId,
  type KeyDirectory,
  parseAccountId,
  parseDeviceId,
  type VerifiedDeviceCertificate,
  verifyDeviceCertificate,
} from '@fulcrum/e2ee';
import { type AccountRecord, deriveAccountId, verifyDeviceRevocation } from '@fulcrum/wire';
import { clientError } from './errors.js';
import { TABLES } from './ports/store.js';
import type { ClientStore } from './ports/store.js';
import { b64, decodeRecord, encodeRecord, unb64 } from './records.js';
import type { KeyTransparency } from './key-transparency.js';
import type { ServerApi } from './server-api.js';

export interface DirectoryDevice {
  readonly deviceId: DeviceId;
  /** The encoded device certificate, verified under the account's identity key. */
  readonly certificate: Uint8Array;
  readonly createdAt: number;
  /** Set when the device was revoked (its revocation verified, or the server says so). */
  readonly revokedAt?: number;
}

export interface DirectoryAccount {
  readonly accountId: AccountId;
  readonly name: string;
  readonly identityKey: Uint8Array;
  readonly devices: readonly DirectoryDevice[];
  readonly fetchedAt: number;
}

interface StoredAccount {
  v: 1;
  accountId: string;
  name: string;
  identityKey: string;
  devices: { deviceId: string; certificate: string; createdAt: number; revokedAt?: number }[];
  fetchedAt: number;
}

function toStored(a: DirectoryAccount): StoredAccount {
  return {
    v: 1,
    accountId: a.accountId,
    name: a.name,
    identityKey: b64(a.identityKey),
    devices: a.devices.map((d) => ({
      deviceId: d.deviceId,
      certificate: b64(d.certificate),
      createdAt: d.createdAt,
      ...(d.revokedAt === undefined ? {} : { revokedAt: d.revokedAt }),
    })),
    fetchedAt: a.fetchedAt,
  };
}

function fromStored(s: StoredAccount): DirectoryAccount {
  return {
    accountId: parseAccountId(s.accountId),
    name: s.name,
    identityKey: unb64(s.identityKey),
    devices: s.devices.map((d) => ({
      deviceId: parseDeviceId(d.deviceId),
      certificate: unb64(d.certificate),
      createdAt: d.createdAt,
      ...(d.revokedAt === undefined ? {} : { revokedAt: d.revokedAt }),
    })),
    fetchedAt: s.fetchedAt,
  };
}

/** Transient failures (the lookup may succeed later): they must not turn into a permanent refusal. */
export function isTransient(err: unknown): boolean {
  return isFulcrumError(err, 'client.network', 'service.unavailable', 'rate.limited', 'internal');
}

/**
 * Key-transparency refusals that mean "no recent enough witnessed evidence yet", not "evidence of
 * misbehaviour": `tlog.stale_checkpoint` (the quorum's cosignatures are older than
 * `maxCheckpointAgeMs`: a witness outage, an idle server whose refresh failed — or a freeze, which
 * holding also defeats), `tlog.policy_quorum_not_met` (valid cosignatures, too few of them: a
 * server serving fail-open during a witness outage) and `tlog.tile_missing` (the log serves no
 * checkpoint — a server with witnesses answers 404 until the first one is witnessed — or not a
 * tile its checkpoint commits to: unavailable, like an unreachable endpoint). A received queue
 * item refused with one of these is held, not dropped: nothing is accepted without the proof, and
 * the item is processed once the proof verifies. Everything else (`client.key_not_in_log`, a bad
 * signature or proof, `tlog.rollback`, `tlog.fork_detected`, …) stays a refusal.
 */
export function isRetryableKeyTransparency(err: unknown): err is FulcrumError {
  return isFulcrumError(err, 'tlog.stale_checkpoint', 'tlog.policy_quorum_not_met', 'tlog.tile_missing');
}

export class KeyDirectoryCache implements KeyDirectory {
  private readonly memory = new Map<string, DirectoryAccount>();
  /**
   * Set when a credential check could not reach the server, or key transparency had no fresh
   * enough checkpoint (`isRetryableKeyTransparency`): the caller must retry, not drop.
   */
  transientFailure: unknown;
  /** The last key-transparency refusal of a credential check (e2ee only sees "not listed"). */
  lastRefusal: unknown;

  constructor(
    private readonly api: ServerApi,
    private readonly store: ClientStore,
    private readonly clock: Clock,
    /** Key transparency: undefined only if the caller turned it off. */
    readonly keyTransparency?: KeyTransparency,
  ) {}

  /**
   * Throws unless the device's certificate is provably in the transparency log (and, for `add`,
   * not revoked there). Re-reads the log for `add`; otherwise a verified result is reused.
   * `client.key_not_in_log`, `client.key_revoked`, `tlog.*`, or transient errors.
   */
  async assertLogged(
    account: DirectoryAccount,
    device: DirectoryDevice,
    purpose: CredentialCheckPurpose,
  ): Promise<void> {
    if (this.keyTransparency === undefined) return;
    const cert = verifyDeviceCertificate(device.certificate, {
      accountId: account.accountId,
      accountPublicKey: account.identityKey,
      deviceId: device.deviceId,
    });
    await this.keyTransparency.verifyDevice(cert, { allowRevoked: purpose !== 'add', fresh: purpose === 'add' });
  }

  async #logged(cert: VerifiedDeviceCertificate, purpose: CredentialCheckPurpose): Promise<boolean> {
    if (this.keyTransparency === undefined) return true;
    try {
      await this.keyTransparency.verifyDevice(cert, { allowRevoked: purpose !== 'add' });
      return true;
    } catch (err) {
      if (isTransient(err) || isRetryableKeyTransparency(err)) this.transientFailure = err;
      this.lastRefusal = err;
      return false;
    }
  }

  /** The cached record of an account, if any. */
  async cached(accountId: string): Promise<DirectoryAccount | undefined> {
    const m = this.memory.get(accountId);
    if (m !== undefined) return m;
    const bytes = await this.store.get(TABLES.directory, accountId);
    if (bytes === undefined) return undefined;
    const a = fromStored(decodeRecord<StoredAccount>(bytes, (v) => v.v === 1));
    this.memory.set(accountId, a);
    return a;
  }

  /** Fetches (and caches) an account by name. `account.not_found` if none. */
  async byName(name: string): Promise<DirectoryAccount> {
    const rec = await this.api.call('getAccountByName', { params: { name }, maxResponseBytes: 4 * 1024 * 1024 });
    return this.accept(rec);
  }

  /** The account's record, from the cache unless `refresh` (then from the server). */
  async byId(accountId: string, options: { refresh?: boolean } = {}): Promise<DirectoryAccount> {
    if (options.refresh !== true) {
      const c = await this.cached(accountId);
      if (c !== undefined) return c;
    }
    const rec = await this.api.call('getAccount', { params: { accountId }, maxResponseBytes: 4 * 1024 * 1024 });
    return this.accept(rec);
  }

  /** Marks a device revoked in the cache (from a `device_revoked` event) until the next refresh. */
  async markRevoked(accountId: string, deviceId: string, at: number): Promise<void> {
    const a = await this.cached(accountId);
    if (a === undefined) return;
    const next: DirectoryAccount = {
      ...a,
      devices: a.devices.map((d) =>
        d.deviceId === deviceId && d.revokedAt === undefined ? { ...d, revokedAt: at } : d,
      ),
    };
    await this.save(next);
  }

  /** Checks a server answer and caches it. Throws `client.directory_mismatch` / `client.bad_response`. */
  private async accept(rec: AccountRecord): Promise<DirectoryAccount> {
    const identityKey = decodeBase64Url(rec.identityKey, 32);
    if (deriveAccountId(identityKey) !== rec.accountId) {
      throw clientError('client.directory_mismatch', 'the account id is not derived from its identity key', {
        detail: { accountId: rec.accountId },
      });
    }
    const accountId = parseAccountId(rec.accountId);
    const pinned = await this.cached(accountId);
    if (pinned !== undefined && !constantTimeEqual(pinned.identityKey, identityKey)) {
      throw clientError('client.directory_mismatch', 'the server changed this account’s identity key', {
        detail: { accountId },
      });
    }
    const devices: DirectoryDevice[] = [];
    for (const d of rec.devices) {
      const certificate = decodeBase64Url(d.certificate);
      try {
        verifyDeviceCertificate(certificate, {
          accountId,
          accountPublicKey: identityKey,
          deviceId: parseDeviceId(d.deviceId),
        });
      } catch (cause) {
        throw clientError('client.directory_mismatch', 'the directory lists a certificate its account did not sign', {
          cause,
          detail: { accountId, deviceId: d.deviceId },
        });
      }
      let revokedAt = d.revokedAt;
      if (d.revocation !== undefined) {
        try {
          revokedAt = verifyDeviceRevocation(decodeBase64Url(d.revocation), identityKey, {
            accountId,
            deviceId: d.deviceId,
          }).revokedAt;
        } catch {
          // A revocation that does not verify still only ever removes trust: treat the device as revoked.
          revokedAt = revokedAt ?? d.createdAt;
        }
      }
      // Once revoked (in our cache), always revoked: the server cannot un-revoke a device for us.
      const before = pinned?.devices.find((p) => p.deviceId === d.deviceId);
      if (revokedAt === undefined && before?.revokedAt !== undefined) revokedAt = before.revokedAt;
      devices.push({
        deviceId: parseDeviceId(d.deviceId),
        certificate,
        createdAt: d.createdAt,
        ...(revokedAt === undefined ? {} : { revokedAt }),
      });
    }
    const account: DirectoryAccount = { accountId, name: rec.name, identityKey, devices, fetchedAt: this.clock.now() };
    await this.save(account);
    return account;
  }

  private async save(a: DirectoryAccount): Promise<void> {
    this.memory.set(a.accountId, a);
    await this.store.write([
      { op: 'put', table: TABLES.directory, key: a.accountId, value: encodeRecord(toStored(a)) },
    ]);
  }

  private static lists(
    a: DirectoryAccount | undefined,
    cert: VerifiedDeviceCertificate,
    purpose: CredentialCheckPurpose,
  ) {
    if (a === undefined || !constantTimeEqual(a.identityKey, cert.accountPublicKey)) return false;
    const d = a.devices.find((x) => x.deviceId === cert.deviceId && constantTimeEqual(x.certificate, cert.encoded));
    if (d === undefined) return false;
    // Adding (our own commit) needs a live device. Joining and processing accept a
    // listed device even if revoked since: the server refused it from acting after revocation,
    // so whatever it committed before is part of the group's agreed history, and its removal is
    // driven by the `device_revoked` event.
    if (purpose === 'add') return d.revokedAt === undefined;
    return true;
  }

  /** e2ee KeyDirectory: listed from the cache, else after one refresh from the server. */
  async isDeviceListed(cert: VerifiedDeviceCertificate, purpose: CredentialCheckPurpose): Promise<boolean> {
    const cached = await this.cached(cert.accountId);
    if (KeyDirectoryCache.lists(cached, cert, purpose)) return this.#logged(cert, purpose);
    let listed = false;
    try {
      const fresh = await this.byId(cert.accountId, { refresh: true });
      listed = KeyDirectoryCache.lists(fresh, cert, purpose);
    } catch (err) {
      if (isTransient(err)) this.transientFailure = err;
      return false;
    }
    return listed ? this.#logged(cert, purpose) : false;
  }
}
