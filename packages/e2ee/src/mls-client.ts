/**
 * The MLS facade's public types. Every state is an immutable value: an operation takes a state and
 * returns a NEW state plus what to send. Nothing here exposes a ts-mls type, so a move to ts-mls 2.x
 * changes only this package's internals.
 *
 * Secrets and the old state: each result has `wipeConsumed()`. ts-mls returns the secrets that the
 * new state no longer needs but the OLD state still references (old epoch init secret, used ratchet
 * keys...). Call `wipeConsumed()` only once the new state is durably saved (and, for your own commit,
 * once the server accepted it): it zeroes those secrets, which makes the old state unusable. If the
 * server refuses your commit (stale epoch), drop the result WITHOUT calling it and keep the old state.
 */
import type { Clock } from '@fulcrum/common';
import type { MlsCryptoProvider } from './crypto-provider.js';
import type { DeviceCertificate } from './device-certificate.js';
import type { DeviceState } from './device-state.js';
import type { GroupMember, GroupState } from './group-state.js';
import type { AccountId, DeviceId } from './ids.js';
import type { KeyDirectory } from './key-directory.js';

export interface MlsClientOptions {
  /** Fulcrum's credential check asks this port whether the key directory lists a device certificate. */
  readonly directory: KeyDirectory;
  /**
   * Defaults to a fresh `fulcrumMlsCryptoProvider()` (its key cache then belongs to this client). Pass
   * one explicitly to share a cache between clients, to bound it, or to call `forgetCachedKeys()`.
   */
  readonly crypto?: MlsCryptoProvider;
  /** Used for KeyPackage lifetimes. Defaults to the system clock. */
  readonly clock?: Clock;
}

/** Identifies a device across accounts. */
export interface DeviceRef {
  readonly accountId: AccountId;
  readonly deviceId: DeviceId;
}

/** Something whose superseded secrets can be zeroed once its new state is saved. */
export interface WipesConsumed {
  /** Zeroes the secrets the previous state still held (idempotent). See the module comment. */
  wipeConsumed(): void;
}

/** A KeyPackage ready for upload. */
export interface PublishedKeyPackage {
  /** MLSMessage-encoded KeyPackage (RFC 9420 §6, wire_format mls_key_package): upload these bytes. */
  readonly keyPackage: Uint8Array;
  /** RFC 9420 §5.2 KeyPackageRef (32 bytes for suite 0x0001). */
  readonly ref: Uint8Array;
  /** A last-resort KeyPackage (draft-ietf-mls-extensions `last_resort`): the server may hand it out repeatedly. */
  readonly lastResort: boolean;
}

export interface KeyPackagesResult {
  /** The device state now holding the private parts: save it BEFORE uploading the packages. */
  readonly device: DeviceState;
  readonly keyPackages: readonly PublishedKeyPackage[];
}

/** What `inspectKeyPackage` learned from a KeyPackage (its signature verified). */
export interface KeyPackageInfo {
  readonly ref: Uint8Array;
  /** The device certificate in its credential (signature verified, NOT checked against a directory). */
  readonly certificate: DeviceCertificate;
  readonly lastResort: boolean;
  /** Lifetime (RFC 9420 §7.2), seconds since the Unix epoch. */
  readonly notBefore: bigint;
  readonly notAfter: bigint;
}

/** The result of creating a commit (add, remove, rename, update, commit pending proposals). */
export interface CommitResult extends WipesConsumed {
  /** The state at the new epoch: adopt it only once the server accepted `commit`. */
  readonly group: GroupState;
  /** MLSMessage PublicMessage carrying the Commit: send to the server for ordering. */
  readonly commit: Uint8Array;
  /** MLSMessage Welcome for the added devices (undefined if none were added). */
  readonly welcome: Uint8Array | undefined;
  /** The KeyPackageRefs the Welcome is encrypted to (route the Welcome to those devices). */
  readonly welcomeKeyPackageRefs: readonly Uint8Array[];
  /** The new epoch. */
  readonly epoch: bigint;
  readonly added: readonly GroupMember[];
  readonly removed: readonly GroupMember[];
}

/** A proposal sent by this device (e.g. asking to leave). */
export interface ProposalResult extends WipesConsumed {
  readonly group: GroupState;
  /** MLSMessage PublicMessage carrying the Proposal. */
  readonly proposal: Uint8Array;
}

export interface JoinResult extends WipesConsumed {
  readonly group: GroupState;
  /** The device state without the used KeyPackage (unless it was last-resort): save both together. */
  readonly device: DeviceState;
}

export interface EncryptResult extends WipesConsumed {
  readonly group: GroupState;
  /** MLSMessage PrivateMessage. */
  readonly message: Uint8Array;
}

/** A summary of a proposal received from another member. */
export type ProposalSummary =
  | { readonly type: 'add'; readonly certificate: DeviceCertificate }
  | { readonly type: 'remove'; readonly removed: GroupMember }
  | { readonly type: 'update' }
  | { readonly type: 'rename'; readonly name: string | undefined }
  | { readonly type: 'other' };

export type ProcessResult =
  | (WipesConsumed & {
      readonly kind: 'application';
      readonly group: GroupState;
      readonly epoch: bigint;
      readonly sender: GroupMember;
      readonly plaintext: Uint8Array;
      /** The sender's authenticated data (bound by the AEAD, sent in clear: the server sees it). */
      readonly authenticatedData: Uint8Array;
    })
  | (WipesConsumed & {
      readonly kind: 'proposal';
      readonly group: GroupState;
      readonly sender: GroupMember;
      readonly proposal: ProposalSummary;
    })
  | (WipesConsumed & {
      readonly kind: 'commit';
      readonly group: GroupState;
      readonly sender: GroupMember;
      /** The epoch after the commit. */
      readonly epoch: bigint;
      readonly added: readonly GroupMember[];
      readonly removed: readonly GroupMember[];
      /** Set when the commit changed the group name. */
      readonly renamedTo: string | undefined;
      /** True when this commit removed this device: `group.isActive` is then false. */
      readonly removedSelf: boolean;
    });

/** The MLS operations, bound to a key directory and a crypto provider. */
export interface MlsClient {
  /** Generates `count` KeyPackages (normal, or last-resort when `lastResort`). */
  createKeyPackages(device: DeviceState, options: { count: number; lastResort?: boolean }): Promise<KeyPackagesResult>;
  /** Verifies a KeyPackage's own signature and decodes its certificate (the server uses this on upload). */
  inspectKeyPackage(keyPackage: Uint8Array): Promise<KeyPackageInfo>;
  /** Creates a one-member group at epoch 0. `groupId` defaults to 32 random bytes. */
  createGroup(device: DeviceState, options?: { groupId?: Uint8Array; name?: string }): Promise<GroupState>;
  /** Commits adding one leaf per KeyPackage; every credential passes Fulcrum's check first. */
  addDevices(group: GroupState, keyPackages: readonly Uint8Array[]): Promise<CommitResult>;
  /** Commits removing the leaves of these devices (with a path update, so the removed cannot follow). */
  removeDevices(group: GroupState, devices: readonly DeviceRef[]): Promise<CommitResult>;
  /** Commits a GroupContextExtensions proposal setting the group name. */
  rename(group: GroupState, name: string): Promise<CommitResult>;
  /** Commits an empty commit with a path update (post-compromise security refresh). */
  update(group: GroupState): Promise<CommitResult>;
  /** Commits the proposals received so far (e.g. another member's request to leave). */
  commitPendingProposals(group: GroupState): Promise<CommitResult>;
  /**
   * Asks to leave: a Remove proposal for this device's own leaf, as a PublicMessage. MLS forbids a
   * member from committing its own removal (RFC 9420 §12.2), so another member must commit it.
   */
  proposeLeave(group: GroupState): Promise<ProposalResult>;
  /** Joins from a Welcome addressed to one of this device's KeyPackages (the tree comes in the Welcome). */
  joinFromWelcome(device: DeviceState, welcome: Uint8Array): Promise<JoinResult>;
  /** Encrypts an application message as a PrivateMessage, with clear-text `authenticatedData`. */
  encryptMessage(group: GroupState, plaintext: Uint8Array, authenticatedData?: Uint8Array): Promise<EncryptResult>;
  /** Processes one incoming PublicMessage (proposal/commit) or PrivateMessage (application). */
  processMessage(group: GroupState, message: Uint8Array): Promise<ProcessResult>;
  /** RFC 9420 §8.5 MLS-Exporter(label, context, length) of the group's current epoch. */
  exportSecret(group: GroupState, label: string, context: Uint8Array, length: number): Promise<Uint8Array>;
}
