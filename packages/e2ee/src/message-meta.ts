/**
 * `parseMlsMessageMeta`: what the server may learn from an MLSMessage without any key — enough to
 * order handshake messages per group and route Welcomes and KeyPackages (RFC 9420 §6).
 *
 * Strict and pure: the input is hostile. It is size-limited first, the public header is read with
 * bounds checks, and then the whole message must decode structurally (ts-mls's decoder, wrapped so
 * no ts-mls type or error escapes) with no trailing bytes, and agree with the header read here.
 * Nothing is decrypted or verified: a PublicMessage's signature and membership tag are checked by
 * the members, not by the server.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeMlsMessage } from 'ts-mls';
import { Reader, Writer } from './binary.js';
import { FULCRUM_CIPHERSUITE_ID } from './crypto-provider.js';
import { e2eeError } from './errors.js';
import { type LeafIndex, parseLeafIndex } from './ids.js';

/** Default size limit for one MLSMessage (1 MiB); Welcomes carrying large trees may need more. */
export const DEFAULT_MAX_MLS_MESSAGE_BYTES = 1024 * 1024;
/** RFC 9420 §6: group ids are opaque<V>; Fulcrum caps them at 255 bytes. */
export const MAX_GROUP_ID_BYTES = 255;

export type MlsContentType = 'application' | 'proposal' | 'commit';
export type MlsSenderType = 'member' | 'external' | 'new_member_proposal' | 'new_member_commit';

export type MlsMessageMeta =
  | {
      readonly wireFormat: 'public';
      readonly groupId: Uint8Array;
      readonly epoch: bigint;
      readonly contentType: MlsContentType;
      readonly senderType: MlsSenderType;
      /** Set when `senderType` is `member`. */
      readonly senderLeafIndex: LeafIndex | undefined;
      readonly authenticatedData: Uint8Array;
    }
  | {
      readonly wireFormat: 'private';
      readonly groupId: Uint8Array;
      readonly epoch: bigint;
      readonly contentType: MlsContentType;
      /** In clear in a PrivateMessage (RFC 9420 §6.3); Fulcrum puts franking data here later. */
      readonly authenticatedData: Uint8Array;
    }
  | {
      readonly wireFormat: 'welcome';
      /** One KeyPackageRef per new member the Welcome is encrypted to. */
      readonly keyPackageRefs: readonly Uint8Array[];
    }
  | { readonly wireFormat: 'group-info'; readonly groupId: Uint8Array; readonly epoch: bigint }
  | {
      readonly wireFormat: 'key-package';
      /** RFC 9420 §5.2 KeyPackageRef, computed here (SHA-256 for suite 0x0001). */
      readonly keyPackageRef: Uint8Array;
    };

const CONTENT_TYPES: Record<number, MlsContentType> = { 1: 'application', 2: 'proposal', 3: 'commit' };
const SENDER_TYPES: Record<number, MlsSenderType> = {
  1: 'member',
  2: 'external',
  3: 'new_member_proposal',
  4: 'new_member_commit',
};

/** RFC 9420 §5.2: RefHash(label, value) = Hash(RefHashInput{label<V>, value<V>}). */
export function refHash(label: string, value: Uint8Array): Uint8Array {
  return sha256(new Writer().vector(new TextEncoder().encode(label)).vector(value).finish());
}

/** RFC 9420 §5.2 KeyPackageRef of a TLS-encoded KeyPackage, for suite 0x0001. */
export function keyPackageRefOf(keyPackage: Uint8Array): Uint8Array {
  return refHash('MLS 1.0 KeyPackage Reference', keyPackage);
}

function contentType(n: number): MlsContentType {
  const t = CONTENT_TYPES[n];
  if (t === undefined) throw e2eeError('e2ee.malformed', 'unknown content type');
  return t;
}

/**
 * Parses the public metadata of an MLSMessage. Throws `e2ee.too_large` (over `maxBytes`),
 * `e2ee.unsupported` (other protocol version, cipher suite) or `e2ee.malformed`.
 */
export function parseMlsMessageMeta(bytes: Uint8Array, options: { maxBytes?: number } = {}): MlsMessageMeta {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MLS_MESSAGE_BYTES;
  if (!(bytes instanceof Uint8Array)) throw e2eeError('e2ee.malformed', 'message must be bytes');
  if (bytes.length > maxBytes) throw e2eeError('e2ee.too_large', 'MLS message too large', { detail: { maxBytes } });
  const r = new Reader(bytes);
  if (r.u16() !== 1) throw e2eeError('e2ee.unsupported', 'unsupported MLS protocol version'); // mls10 = 1
  const wire = r.u16();
  let meta: MlsMessageMeta;
  switch (wire) {
    case 1: {
      // PublicMessage: FramedContent header (§6).
      const groupId = r.vector(MAX_GROUP_ID_BYTES);
      const epoch = r.u64();
      const senderType = SENDER_TYPES[r.u8()];
      if (senderType === undefined) throw e2eeError('e2ee.malformed', 'unknown sender type');
      let senderLeafIndex: LeafIndex | undefined;
      if (senderType === 'member') senderLeafIndex = parseLeafIndex(r.u32());
      else if (senderType === 'external') r.u32();
      const authenticatedData = r.vector(maxBytes);
      const ct = contentType(r.u8());
      meta = { wireFormat: 'public', groupId, epoch, contentType: ct, senderType, senderLeafIndex, authenticatedData };
      break;
    }
    case 2: {
      const groupId = r.vector(MAX_GROUP_ID_BYTES);
      const epoch = r.u64();
      const ct = contentType(r.u8());
      const authenticatedData = r.vector(maxBytes);
      r.skipVector(maxBytes); // encrypted_sender_data
      r.skipVector(maxBytes); // ciphertext
      r.end();
      meta = { wireFormat: 'private', groupId, epoch, contentType: ct, authenticatedData };
      break;
    }
    case 3: {
      if (r.u16() !== FULCRUM_CIPHERSUITE_ID) throw e2eeError('e2ee.unsupported', 'unsupported cipher suite');
      const secrets = new Reader(r.vector(maxBytes));
      const keyPackageRefs: Uint8Array[] = [];
      while (secrets.remaining > 0) {
        const ref = secrets.vector(64);
        if (ref.length !== 32) throw e2eeError('e2ee.malformed', 'KeyPackageRef must be 32 bytes');
        keyPackageRefs.push(ref);
        secrets.skipVector(maxBytes); // kem_output
        secrets.skipVector(maxBytes); // ciphertext
      }
      r.skipVector(maxBytes); // encrypted_group_info
      r.end();
      meta = { wireFormat: 'welcome', keyPackageRefs };
      break;
    }
    case 4: {
      // GroupInfo starts with its GroupContext: version, cipher suite, group_id, epoch (§12.4.3).
      if (r.u16() !== 1) throw e2eeError('e2ee.unsupported', 'unsupported MLS protocol version');
      if (r.u16() !== FULCRUM_CIPHERSUITE_ID) throw e2eeError('e2ee.unsupported', 'unsupported cipher suite');
      meta = { wireFormat: 'group-info', groupId: r.vector(MAX_GROUP_ID_BYTES), epoch: r.u64() };
      break;
    }
    case 5: {
      if (r.u16() !== 1) throw e2eeError('e2ee.unsupported', 'unsupported MLS protocol version');
      if (r.u16() !== FULCRUM_CIPHERSUITE_ID) throw e2eeError('e2ee.unsupported', 'unsupported cipher suite');
      meta = { wireFormat: 'key-package', keyPackageRef: keyPackageRefOf(bytes.subarray(4)) };
      break;
    }
    default:
      throw e2eeError('e2ee.malformed', 'unknown wire format');
  }
  checkStructure(bytes, meta);
  return Object.freeze(meta);
}

const WIRE_NAMES = {
  public: 'mls_public_message',
  private: 'mls_private_message',
  welcome: 'mls_welcome',
  'group-info': 'mls_group_info',
  'key-package': 'mls_key_package',
} as const;

/** The whole message must decode (no trailing bytes) and agree with the header parsed above. */
function checkStructure(bytes: Uint8Array, meta: MlsMessageMeta): void {
  let decoded: ReturnType<typeof decodeMlsMessage>;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (cause) {
    throw e2eeError('e2ee.malformed', 'MLS message does not decode', { cause });
  }
  if (decoded === undefined || decoded[1] !== bytes.length) {
    throw e2eeError('e2ee.malformed', 'MLS message does not decode exactly');
  }
  const m = decoded[0];
  if (m.wireformat !== WIRE_NAMES[meta.wireFormat]) throw e2eeError('e2ee.malformed', 'wire format mismatch');
  if (m.wireformat === 'mls_public_message' && meta.wireFormat === 'public') {
    const c = m.publicMessage.content;
    if (c.epoch !== meta.epoch || c.contentType !== meta.contentType) {
      throw e2eeError('e2ee.malformed', 'public message header mismatch');
    }
    // ts-mls falls back to a "custom" proposal when a default proposal (types 1-7, RFC 9420 §17.4)
    // fails to decode, so a truncated Remove would parse as custom type 3. Refuse that ambiguity.
    const proposals =
      c.contentType === 'proposal'
        ? [c.proposal]
        : c.contentType === 'commit'
          ? c.commit.proposals.flatMap((p) => (p.proposalOrRefType === 'proposal' ? [p.proposal] : []))
          : [];
    for (const p of proposals) {
      if (typeof p.proposalType === 'number' && p.proposalType >= 1 && p.proposalType <= 7) {
        throw e2eeError('e2ee.malformed', 'a default proposal type does not decode');
      }
    }
  }
}
