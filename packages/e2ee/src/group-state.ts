/**
 * GroupState: one device's view of one MLS group at one epoch — an immutable, opaque value.
 *
 * It wraps ts-mls's GroupState (without its ClientConfig, which this package re-attaches for every
 * operation so that Fulcrum's authentication check always runs). Nothing of ts-mls is visible in its
 * public type. Persist it with `encodeGroupState` (one blob per group) and keep only the newest one.
 */
import type { Credential, GroupState as TsMlsGroupState } from 'ts-mls';
import { decodeGroupState as tsDecodeGroupState, encodeGroupState as tsEncodeGroupState } from 'ts-mls';
import { Reader, Writer } from './binary.js';
import { type DeviceCertificate, decodeDeviceCertificate } from './device-certificate.js';
import { e2eeError } from './errors.js';
import { type LeafIndex, parseLeafIndex } from './ids.js';
import { readGroupName } from './group-name.js';

/** A member leaf of a group (one device). */
export interface GroupMember {
  readonly leafIndex: LeafIndex;
  /** The device certificate carried in the leaf's basic credential (verified when the leaf entered the tree). */
  readonly certificate: DeviceCertificate;
}

let innerOf: (g: GroupState) => TsMlsGroupState;
let make: (inner: TsMlsGroupState) => GroupState;

export class GroupState {
  readonly #inner: TsMlsGroupState;

  private constructor(inner: TsMlsGroupState) {
    this.#inner = inner;
    Object.freeze(this);
  }

  static {
    innerOf = (g) => g.#inner;
    make = (inner) => new GroupState(inner);
  }

  /** The MLS group id (opaque bytes, chosen by the creator). */
  get groupId(): Uint8Array {
    return this.#inner.groupContext.groupId.slice();
  }
  /** The current epoch (RFC 9420 §8): increases by one with every commit. */
  get epoch(): bigint {
    return this.#inner.groupContext.epoch;
  }
  /** This device's own leaf. */
  get ownLeafIndex(): LeafIndex {
    return parseLeafIndex(this.#inner.privatePath.leafIndex);
  }
  /** The group's name, from Fulcrum's group-context extension (undefined if never set). */
  get name(): string | undefined {
    return readGroupName(this.#inner.groupContext.extensions);
  }
  /** False once this device has been removed from the group (it can then neither send nor read). */
  get isActive(): boolean {
    return this.#inner.groupActiveState.kind === 'active';
  }
  /** Number of proposals received and not yet committed. */
  get pendingProposalCount(): number {
    return Object.keys(this.#inner.unappliedProposals).length;
  }
  /** The current members, one per non-blank leaf, in leaf order. */
  members(): readonly GroupMember[] {
    return membersOfTree(this.#inner.ratchetTree);
  }
}

/** @internal Members of a ts-mls ratchet tree (leaves are the even node indices, RFC 9420 §4.1). */
export function membersOfTree(tree: TsMlsGroupState['ratchetTree']): GroupMember[] {
  const out: GroupMember[] = [];
  for (let node = 0; node < tree.length; node += 2) {
    const n = tree[node];
    if (n === undefined || n.nodeType !== 'leaf') continue;
    out.push(memberOfLeaf(parseLeafIndex(node / 2), n.leaf.credential));
  }
  return out;
}

/** @internal */
export function memberOfLeaf(leafIndex: LeafIndex, credential: Credential): GroupMember {
  if (credential.credentialType !== 'basic') throw e2eeError('e2ee.credential_rejected', 'non-basic credential');
  return Object.freeze({ leafIndex, certificate: decodeDeviceCertificate(credential.identity) });
}

/** @internal Wraps a ts-mls state (its clientConfig, if any, is dropped). */
export function wrapGroupState(inner: TsMlsGroupState & { clientConfig?: unknown }): GroupState {
  const { clientConfig: _dropped, ...rest } = inner;
  return make(rest as TsMlsGroupState);
}

/** @internal */
export function unwrapGroupState(g: GroupState): TsMlsGroupState {
  if (!(g instanceof GroupState)) throw e2eeError('e2ee.bad_state', 'not a GroupState');
  return innerOf(g);
}

const GROUP_STATE_MAGIC = 0x47; // 'G'
const GROUP_STATE_VERSION = 1;
/** Refuse to decode stored group state blobs larger than this (64 MiB). */
export const MAX_GROUP_STATE_BYTES = 64 * 1024 * 1024;

/**
 * Encodes a group state for storage: contains the group's secrets and this device's private keys,
 * so store it like a private key.
 */
export function encodeGroupState(group: GroupState): Uint8Array {
  return new Writer()
    .u8(GROUP_STATE_MAGIC)
    .u8(GROUP_STATE_VERSION)
    .opaque32(tsEncodeGroupState(unwrapGroupState(group)))
    .finish();
}

/** Decodes a stored group state. Throws `e2ee.bad_state` (or `e2ee.too_large`). */
export function decodeGroupState(bytes: Uint8Array): GroupState {
  if (bytes.length > MAX_GROUP_STATE_BYTES) throw e2eeError('e2ee.too_large', 'group state blob too large');
  try {
    const r = new Reader(bytes);
    if (r.u8() !== GROUP_STATE_MAGIC || r.u8() !== GROUP_STATE_VERSION) {
      throw e2eeError('e2ee.unsupported', 'not a group state blob of a supported version');
    }
    const inner = r.opaque32(MAX_GROUP_STATE_BYTES);
    r.end();
    const decoded = tsDecodeGroupState(inner, 0);
    if (decoded === undefined || decoded[1] !== inner.length) throw e2eeError('e2ee.malformed', 'bad ts-mls state');
    return wrapGroupState(decoded[0]);
  } catch (cause) {
    throw e2eeError('e2ee.bad_state', 'cannot decode group state', { cause });
  }
}
