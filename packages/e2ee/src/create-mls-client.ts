/**
 * The MLS facade over ts-mls 1.6.4. Every ts-mls call happens in this file (and in key-package.ts,
 * authentication.ts, group-state.ts, message-meta.ts), so a ts-mls upgrade is one contained change.
 *
 * Policies (each a Fulcrum decision, documented in README.md):
 * - handshake messages are PublicMessage (RFC 9420 §6.2) both when sent and when received;
 * - application messages are PrivateMessage (§6.3);
 * - every credential passes Fulcrum's check (authentication.ts) on add, join and process;
 * - incoming commits/proposals may carry only add, remove, update and group_context_extensions
 *   proposals (no PSK, ReInit or external init: Fulcrum uses none of them);
 * - Welcomes carry the ratchet tree (ratchet_tree extension, §12.4.3.3), so joiners need no server copy.
 */
import { type Clock, FulcrumError, randomBytes, systemClock, wipe } from '@fulcrum/common';
import {
  type CiphersuiteImpl,
  type ClientState,
  createApplicationMessage,
  createCommit,
  createGroup as tsCreateGroup,
  createProposal,
  decodeMlsMessage,
  emptyPskIndex,
  encodeMlsMessage,
  type GroupState as TsMlsGroupState,
  type IncomingMessageCallback,
  joinGroup,
  type MLSMessage,
  mlsExporter,
  type Proposal,
  type ProposalWithSender,
  processPrivateMessage,
  processPublicMessage,
} from 'ts-mls';
import { decodeKeyPackage } from 'ts-mls/keyPackage.js';
import { decryptSenderData } from 'ts-mls/privateMessage.js';
import { AuthProbe, clientConfigFor } from './authentication.js';
import { ciphersuiteImpl, fulcrumMlsCryptoProvider } from './crypto-provider.js';
import { decodeDeviceCertificate, verifyDeviceCertificateAsync } from './device-certificate.js';
import { type DeviceState, type StoredKeyPackage, unwrapDeviceState, withKeyPackages } from './device-state.js';
import { e2eeError } from './errors.js';
import { GROUP_NAME_EXTENSION_TYPE, groupNameExtension, readGroupName } from './group-name.js';
import {
  type GroupMember,
  type GroupState,
  memberOfLeaf,
  membersOfTree,
  unwrapGroupState,
  wrapGroupState,
} from './group-state.js';
import { parseLeafIndex } from './ids.js';
import type { CredentialCheckPurpose, KeyDirectory } from './key-directory.js';
import { checkKeyPackage, decodeKeyPackageMessage, generateFulcrumKeyPackage } from './key-package.js';
import { MAX_GROUP_ID_BYTES, parseMlsMessageMeta } from './message-meta.js';
import type {
  CommitResult,
  DeviceRef,
  EncryptResult,
  JoinResult,
  KeyPackageInfo,
  KeyPackagesResult,
  MlsClient,
  MlsClientOptions,
  ProcessResult,
  ProposalResult,
  ProposalSummary,
} from './mls-client.js';

/** Most KeyPackages generated in one call. */
export const MAX_KEY_PACKAGES_PER_CALL = 1000;
/** Largest application message plaintext (1 MiB): larger content goes as an attachment. */
export const MAX_APPLICATION_PLAINTEXT_BYTES = 1024 * 1024;
/** Largest authenticated data on an application message. */
export const MAX_AUTHENTICATED_DATA_BYTES = 64 * 1024;
/** Largest incoming MLS message or Welcome accepted by `processMessage` / `joinFromWelcome` (8 MiB). */
export const MAX_INCOMING_MLS_BYTES = 8 * 1024 * 1024;

const ALLOWED_PROPOSALS = new Set<unknown>(['add', 'remove', 'update', 'group_context_extensions']);

/** Creates the MLS facade bound to a key directory and a crypto provider. */
export async function createMlsClient(options: MlsClientOptions): Promise<MlsClient> {
  if (options?.directory === undefined || typeof options.directory.isDeviceListed !== 'function') {
    throw e2eeError('e2ee.malformed', 'createMlsClient needs a KeyDirectory');
  }
  // The default is Fulcrum's provider (about 2-3x ts-mls's default on messages, see README.md); a
  // fresh one per client, so its signing-key cache lives and dies with this client.
  const cs = await ciphersuiteImpl(options.crypto ?? fulcrumMlsCryptoProvider());
  return new FulcrumMlsClient(options.directory, cs, options.clock ?? systemClock);
}

/** A once-only zeroing of consumed secrets. */
function wiper(secrets: readonly Uint8Array[]): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (const s of secrets) s.fill(0);
  };
}

function encodeMessage(m: MLSMessage): Uint8Array {
  return encodeMlsMessage(m);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Members present in `after` but not in `before` (same leaf and same certificate). */
function diffMembers(before: readonly GroupMember[], after: readonly GroupMember[]): GroupMember[] {
  return after.filter(
    (a) =>
      !before.some(
        (b) =>
          b.leafIndex === a.leafIndex &&
          b.certificate.accountId === a.certificate.accountId &&
          b.certificate.deviceId === a.certificate.deviceId &&
          sameBytes(b.certificate.mlsSignaturePublicKey, a.certificate.mlsSignaturePublicKey),
      ),
  );
}

class FulcrumMlsClient implements MlsClient {
  readonly #directory: KeyDirectory;
  readonly #cs: CiphersuiteImpl;
  readonly #clock: Clock;

  constructor(directory: KeyDirectory, cs: CiphersuiteImpl, clock: Clock) {
    this.#directory = directory;
    this.#cs = cs;
    this.#clock = clock;
    Object.freeze(this);
  }

  /** A ts-mls ClientState: the stored state plus a fresh config whose auth service reports to `probe`. */
  #configured(inner: TsMlsGroupState, purpose: CredentialCheckPurpose, probe: AuthProbe): ClientState {
    return { ...inner, clientConfig: clientConfigFor(this.#directory, purpose, probe) };
  }

  /** Runs a ts-mls operation and turns its failures into typed errors. */
  async #run<T>(probe: AuthProbe, what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      if (cause instanceof FulcrumError) throw cause;
      if (probe.refused) {
        throw e2eeError('e2ee.credential_rejected', `${what}: a credential was refused`, {
          cause,
          detail: { refusals: [...probe.refusals] },
        });
      }
      throw e2eeError('e2ee.mls_rejected', `${what} failed`, { cause });
    }
  }

  async createKeyPackages(
    device: DeviceState,
    options: { count: number; lastResort?: boolean },
  ): Promise<KeyPackagesResult> {
    const inner = unwrapDeviceState(device);
    const count = options?.count;
    if (!Number.isInteger(count) || count < 1 || count > MAX_KEY_PACKAGES_PER_CALL) {
      throw e2eeError('e2ee.malformed', `count must be an integer in 1..${MAX_KEY_PACKAGES_PER_CALL}`);
    }
    const lastResort = options.lastResort === true;
    const stored: StoredKeyPackage[] = [];
    const published = [];
    for (let i = 0; i < count; i++) {
      const g = await generateFulcrumKeyPackage(inner.keys, inner.certificate, lastResort, this.#clock, this.#cs);
      stored.push(g.stored);
      published.push(Object.freeze({ keyPackage: g.message, ref: g.stored.ref.slice(), lastResort }));
    }
    return Object.freeze({
      device: withKeyPackages(device, [...inner.keyPackages, ...stored]),
      keyPackages: Object.freeze(published),
    });
  }

  async inspectKeyPackage(keyPackage: Uint8Array): Promise<KeyPackageInfo> {
    const probe = new AuthProbe();
    const info = await this.#run(probe, 'inspect key package', () => checkKeyPackage(keyPackage, this.#cs));
    const certificate = await verifyDeviceCertificateAsync(info.certificateBytes);
    return Object.freeze({
      ref: info.ref,
      certificate,
      lastResort: info.lastResort,
      notBefore: info.notBefore,
      notAfter: info.notAfter,
    });
  }

  async createGroup(device: DeviceState, options: { groupId?: Uint8Array; name?: string } = {}): Promise<GroupState> {
    const inner = unwrapDeviceState(device);
    const groupId = options.groupId ?? randomBytes(32);
    if (!(groupId instanceof Uint8Array) || groupId.length < 1 || groupId.length > MAX_GROUP_ID_BYTES) {
      throw e2eeError('e2ee.malformed', `group id must be 1..${MAX_GROUP_ID_BYTES} bytes`);
    }
    const extensions = options.name === undefined ? [] : [groupNameExtension(options.name)];
    // The creator's own leaf comes from a fresh KeyPackage that is never published.
    const own = await generateFulcrumKeyPackage(inner.keys, inner.certificate, false, this.#clock, this.#cs);
    const probe = new AuthProbe();
    const state = await this.#run(probe, 'create group', () =>
      tsCreateGroup(
        groupId.slice(),
        own.keyPackage,
        {
          initPrivateKey: own.stored.initPrivateKey,
          hpkePrivateKey: own.stored.hpkePrivateKey.slice(),
          signaturePrivateKey: inner.keys.mlsSignatureSecretKey.slice(),
        },
        extensions,
        this.#cs,
        clientConfigFor(this.#directory, 'add', probe),
      ),
    );
    wipe(own.stored.initPrivateKey, own.stored.hpkePrivateKey); // the state holds its own copy
    return wrapGroupState(state);
  }

  async #commit(
    group: GroupState,
    purpose: CredentialCheckPurpose,
    what: string,
    extraProposals: Proposal[],
  ): Promise<CommitResult> {
    const inner = unwrapGroupState(group);
    if (inner.groupActiveState.kind !== 'active') throw e2eeError('e2ee.not_allowed', 'this device left the group');
    const probe = new AuthProbe();
    const res = await this.#run(probe, what, () =>
      createCommit(
        { state: this.#configured(inner, purpose, probe), cipherSuite: this.#cs },
        { wireAsPublicMessage: true, extraProposals, ratchetTreeExtension: true },
      ),
    );
    if (res.commit.wireformat !== 'mls_public_message') {
      throw e2eeError('e2ee.mls_rejected', 'ts-mls produced a non-public commit'); // never expected
    }
    const next = wrapGroupState(res.newState);
    const before = membersOfTree(inner.ratchetTree);
    const after = next.members();
    const welcome =
      res.welcome === undefined
        ? undefined
        : encodeMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: res.welcome });
    return Object.freeze({
      group: next,
      commit: encodeMessage(res.commit),
      welcome,
      welcomeKeyPackageRefs: Object.freeze((res.welcome?.secrets ?? []).map((s) => s.newMember.slice())),
      epoch: next.epoch,
      added: Object.freeze(diffMembers(before, after)),
      removed: Object.freeze(diffMembers(after, before)),
      wipeConsumed: wiper(res.consumed),
    });
  }

  async addDevices(group: GroupState, keyPackages: readonly Uint8Array[]): Promise<CommitResult> {
    if (!Array.isArray(keyPackages) || keyPackages.length === 0) {
      throw e2eeError('e2ee.malformed', 'addDevices needs at least one KeyPackage');
    }
    const proposals: Proposal[] = keyPackages.map((bytes) => ({
      proposalType: 'add',
      add: { keyPackage: decodeKeyPackageMessage(bytes) },
    }));
    return this.#commit(group, 'add', 'add devices', proposals);
  }

  async removeDevices(group: GroupState, devices: readonly DeviceRef[]): Promise<CommitResult> {
    if (!Array.isArray(devices) || devices.length === 0) {
      throw e2eeError('e2ee.malformed', 'removeDevices needs at least one device');
    }
    const members = group.members();
    const own = group.ownLeafIndex;
    const leaves = new Set<number>();
    for (const d of devices) {
      const m = members.find((x) => x.certificate.accountId === d.accountId && x.certificate.deviceId === d.deviceId);
      if (m === undefined) throw e2eeError('e2ee.unknown_member', 'device is not a member of this group');
      if (m.leafIndex === own) {
        throw e2eeError('e2ee.not_allowed', 'a member cannot commit its own removal (RFC 9420 §12.2): proposeLeave');
      }
      leaves.add(m.leafIndex);
    }
    const proposals: Proposal[] = [...leaves].map((removed) => ({ proposalType: 'remove', remove: { removed } }));
    return this.#commit(group, 'process', 'remove devices', proposals);
  }

  async rename(group: GroupState, name: string): Promise<CommitResult> {
    const inner = unwrapGroupState(group);
    const extensions = [
      ...inner.groupContext.extensions.filter((e) => e.extensionType !== GROUP_NAME_EXTENSION_TYPE),
      groupNameExtension(name),
    ];
    return this.#commit(group, 'process', 'rename', [
      { proposalType: 'group_context_extensions', groupContextExtensions: { extensions } },
    ]);
  }

  update(group: GroupState): Promise<CommitResult> {
    return this.#commit(group, 'process', 'update', []);
  }

  commitPendingProposals(group: GroupState): Promise<CommitResult> {
    return this.#commit(group, 'process', 'commit pending proposals', []);
  }

  async proposeLeave(group: GroupState): Promise<ProposalResult> {
    const inner = unwrapGroupState(group);
    if (inner.groupActiveState.kind !== 'active') throw e2eeError('e2ee.not_allowed', 'this device left the group');
    const probe = new AuthProbe();
    const res = await this.#run(probe, 'propose leave', () =>
      createProposal(
        this.#configured(inner, 'process', probe),
        true,
        { proposalType: 'remove', remove: { removed: inner.privatePath.leafIndex } },
        this.#cs,
      ),
    );
    return Object.freeze({
      group: wrapGroupState(res.newState),
      proposal: encodeMessage(res.message),
      wipeConsumed: wiper(res.consumed),
    });
  }

  async joinFromWelcome(device: DeviceState, welcome: Uint8Array): Promise<JoinResult> {
    const meta = parseMlsMessageMeta(welcome, { maxBytes: MAX_INCOMING_MLS_BYTES });
    if (meta.wireFormat !== 'welcome') throw e2eeError('e2ee.malformed', 'not a Welcome message');
    const dev = unwrapDeviceState(device);
    const stored = dev.keyPackages.find((k) => meta.keyPackageRefs.some((r) => sameBytes(r, k.ref)));
    if (stored === undefined) throw e2eeError('e2ee.no_matching_key_package', 'no key package of ours in Welcome');
    const decoded = decodeMlsMessage(welcome, 0);
    if (decoded === undefined || decoded[0].wireformat !== 'mls_welcome') {
      throw e2eeError('e2ee.malformed', 'not a Welcome message');
    }
    const w = decoded[0].welcome;
    const kp = decodeKeyPackage(stored.keyPackage, 0);
    if (kp === undefined) throw e2eeError('e2ee.bad_state', 'stored key package does not decode');
    const probe = new AuthProbe();
    const state = await this.#run(probe, 'join from Welcome', () =>
      joinGroup(
        w,
        kp[0],
        {
          // Copies: the group state must never alias the device state's buffers.
          initPrivateKey: stored.initPrivateKey.slice(),
          hpkePrivateKey: stored.hpkePrivateKey.slice(),
          signaturePrivateKey: dev.keys.mlsSignatureSecretKey.slice(),
        },
        emptyPskIndex,
        this.#cs,
        undefined,
        undefined,
        clientConfigFor(this.#directory, 'join', probe),
      ),
    );
    // A normal KeyPackage is single-use (RFC 9420 §16.8); a last-resort one stays until replaced.
    const remaining = stored.lastResort ? dev.keyPackages : dev.keyPackages.filter((k) => k !== stored);
    return Object.freeze({
      group: wrapGroupState(state),
      device: withKeyPackages(device, remaining),
      wipeConsumed: stored.lastResort ? () => {} : wiper([stored.initPrivateKey, stored.hpkePrivateKey]),
    });
  }

  async encryptMessage(
    group: GroupState,
    plaintext: Uint8Array,
    authenticatedData: Uint8Array = new Uint8Array(0),
  ): Promise<EncryptResult> {
    const inner = unwrapGroupState(group);
    if (inner.groupActiveState.kind !== 'active') throw e2eeError('e2ee.not_allowed', 'this device left the group');
    if (!(plaintext instanceof Uint8Array) || !(authenticatedData instanceof Uint8Array)) {
      throw e2eeError('e2ee.malformed', 'plaintext and authenticatedData must be bytes');
    }
    if (plaintext.length > MAX_APPLICATION_PLAINTEXT_BYTES) throw e2eeError('e2ee.too_large', 'plaintext too large');
    if (authenticatedData.length > MAX_AUTHENTICATED_DATA_BYTES) {
      throw e2eeError('e2ee.too_large', 'authenticated data too large');
    }
    const probe = new AuthProbe();
    const res = await this.#run(probe, 'encrypt', () =>
      createApplicationMessage(
        this.#configured(inner, 'process', probe),
        plaintext,
        this.#cs,
        authenticatedData.slice(),
      ),
    );
    return Object.freeze({
      group: wrapGroupState(res.newState),
      message: encodeMessage({
        version: 'mls10',
        wireformat: 'mls_private_message',
        privateMessage: res.privateMessage,
      }),
      wipeConsumed: wiper(res.consumed),
    });
  }

  async processMessage(group: GroupState, message: Uint8Array): Promise<ProcessResult> {
    const inner = unwrapGroupState(group);
    const meta = parseMlsMessageMeta(message, { maxBytes: MAX_INCOMING_MLS_BYTES });
    if (meta.wireFormat !== 'public' && meta.wireFormat !== 'private') {
      throw e2eeError('e2ee.unsupported', `processMessage takes group messages, not ${meta.wireFormat}`);
    }
    if (!sameBytes(meta.groupId, inner.groupContext.groupId)) throw e2eeError('e2ee.wrong_group', 'other group');
    const isHandshake = meta.contentType !== 'application';
    if (isHandshake !== (meta.wireFormat === 'public')) {
      throw e2eeError('e2ee.wrong_wire_format', 'handshake must be PublicMessage, application PrivateMessage');
    }
    if (inner.groupActiveState.kind !== 'active') throw e2eeError('e2ee.not_allowed', 'this device left the group');
    const current = inner.groupContext.epoch;
    if (meta.epoch > current) throw e2eeError('e2ee.future_epoch', 'message from a future epoch');
    if (isHandshake && meta.epoch < current) {
      throw e2eeError('e2ee.stale_epoch', 'handshake message for an older epoch', {
        detail: { messageEpoch: meta.epoch.toString(), groupEpoch: current.toString() },
      });
    }
    const decoded = decodeMlsMessage(message, 0);
    if (decoded === undefined) throw e2eeError('e2ee.malformed', 'message does not decode');
    const m = decoded[0];
    const probe = new AuthProbe();
    if (m.wireformat === 'mls_private_message') {
      return this.#processApplication(inner, m.privateMessage, probe);
    }
    if (m.wireformat !== 'mls_public_message' || meta.wireFormat !== 'public') {
      throw e2eeError('e2ee.malformed', 'unexpected wire format');
    }
    if (meta.senderLeafIndex === undefined) {
      throw e2eeError('e2ee.not_allowed', 'Fulcrum accepts handshake messages from members only');
    }
    const senderNode = inner.ratchetTree[meta.senderLeafIndex * 2];
    if (senderNode === undefined || senderNode.nodeType !== 'leaf') {
      throw e2eeError('e2ee.unknown_member', 'sender leaf is blank');
    }
    const sender = memberOfLeaf(meta.senderLeafIndex, senderNode.leaf.credential);
    let seenCommitProposals: ProposalWithSender[] = [];
    let seenProposal: ProposalWithSender | undefined;
    let refusedPolicy = false;
    const callback: IncomingMessageCallback = (incoming) => {
      const proposals = incoming.kind === 'commit' ? incoming.proposals : [incoming.proposal];
      if (incoming.kind === 'commit') seenCommitProposals = incoming.proposals;
      else seenProposal = incoming.proposal;
      refusedPolicy = proposals.some((p) => !ALLOWED_PROPOSALS.has(p.proposal.proposalType));
      return refusedPolicy ? 'reject' : 'accept';
    };
    const res = await this.#run(probe, 'process handshake', () =>
      processPublicMessage(
        this.#configured(inner, 'process', probe),
        m.publicMessage,
        emptyPskIndex,
        this.#cs,
        callback,
      ),
    );
    if (refusedPolicy || res.actionTaken === 'reject') {
      throw e2eeError('e2ee.not_allowed', 'message carries a proposal type Fulcrum does not use');
    }
    const next = wrapGroupState(res.newState);
    const wipeConsumed = wiper(res.consumed);
    if (meta.contentType === 'proposal') {
      if (seenProposal === undefined) throw e2eeError('e2ee.mls_rejected', 'proposal not reported');
      return Object.freeze({
        kind: 'proposal' as const,
        group: next,
        sender,
        proposal: this.#summarise(inner, seenProposal.proposal),
        wipeConsumed,
      });
    }
    const before = membersOfTree(inner.ratchetTree);
    const after = next.members();
    const renamed = seenCommitProposals.some((p) => p.proposal.proposalType === 'group_context_extensions');
    return Object.freeze({
      kind: 'commit' as const,
      group: next,
      sender,
      epoch: next.epoch,
      added: Object.freeze(diffMembers(before, after)),
      removed: Object.freeze(diffMembers(after, before)),
      renamedTo: renamed ? next.name : undefined,
      removedSelf: res.newState.groupActiveState.kind === 'removedFromGroup',
      wipeConsumed,
    });
  }

  async #processApplication(
    inner: TsMlsGroupState,
    pm: Extract<MLSMessage, { wireformat: 'mls_private_message' }>['privateMessage'],
    probe: AuthProbe,
  ): Promise<ProcessResult> {
    // ts-mls does not return the sender of an application message: decrypt the sender data
    // (RFC 9420 §6.3.2) with the epoch's sender_data_secret. Once processPrivateMessage succeeds,
    // the sender is authenticated (the content key is the sender leaf's and its signature verified).
    const epochData =
      pm.epoch === inner.groupContext.epoch
        ? { senderDataSecret: inner.keySchedule.senderDataSecret, tree: inner.ratchetTree }
        : (() => {
            const d = inner.historicalReceiverData.get(pm.epoch);
            if (d === undefined) throw e2eeError('e2ee.stale_epoch', 'no keys kept for that epoch');
            return { senderDataSecret: d.senderDataSecret, tree: d.ratchetTree };
          })();
    const senderData = await this.#run(probe, 'decrypt sender data', () =>
      decryptSenderData(pm, epochData.senderDataSecret, this.#cs),
    );
    if (senderData === undefined) throw e2eeError('e2ee.mls_rejected', 'sender data does not decrypt');
    const res = await this.#run(probe, 'decrypt application message', () =>
      processPrivateMessage(this.#configured(inner, 'process', probe), pm, emptyPskIndex, this.#cs),
    );
    if (res.kind !== 'applicationMessage') throw e2eeError('e2ee.wrong_wire_format', 'not an application message');
    const leaf = epochData.tree[senderData.leafIndex * 2];
    if (leaf === undefined || leaf.nodeType !== 'leaf') throw e2eeError('e2ee.unknown_member', 'sender leaf blank');
    return Object.freeze({
      kind: 'application' as const,
      group: wrapGroupState(res.newState),
      epoch: pm.epoch,
      sender: memberOfLeaf(parseLeafIndex(senderData.leafIndex), leaf.leaf.credential),
      plaintext: res.message,
      authenticatedData: pm.authenticatedData.slice(),
      wipeConsumed: wiper(res.consumed),
    });
  }

  #summarise(inner: TsMlsGroupState, p: Proposal): ProposalSummary {
    switch (p.proposalType) {
      case 'add': {
        const cred = p.add.keyPackage.leafNode.credential;
        if (cred.credentialType !== 'basic') throw e2eeError('e2ee.credential_rejected', 'non-basic credential');
        return { type: 'add', certificate: decodeDeviceCertificate(cred.identity) };
      }
      case 'remove': {
        const node = inner.ratchetTree[p.remove.removed * 2];
        if (node === undefined || node.nodeType !== 'leaf') throw e2eeError('e2ee.unknown_member', 'blank leaf');
        return { type: 'remove', removed: memberOfLeaf(parseLeafIndex(p.remove.removed), node.leaf.credential) };
      }
      case 'update':
        return { type: 'update' };
      case 'group_context_extensions':
        return { type: 'rename', name: readGroupName(p.groupContextExtensions.extensions) };
      default:
        return { type: 'other' };
    }
  }

  async exportSecret(group: GroupState, label: string, context: Uint8Array, length: number): Promise<Uint8Array> {
    const inner = unwrapGroupState(group);
    if (!Number.isInteger(length) || length < 1 || length > 255 * 32) {
      throw e2eeError('e2ee.malformed', 'exporter length out of range');
    }
    return mlsExporter(inner.keySchedule.exporterSecret, label, context, length, this.#cs);
  }
}
