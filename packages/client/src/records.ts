/**
 * JSON records the client keeps in its store (README "What is stored where"). Bytes inside are
 * base64url. Every record is read back through a checked decoder: a store is trusted more than
 * the network, but a corrupt one must fail with `client.bad_store`, not with undefined behaviour.
 */
import { decodeBase64Url, encodeBase64Url, utf8Decode, utf8Encode } from '@fulcrum/common';
import { clientError } from './errors.js';

export function encodeRecord(value: unknown): Uint8Array {
  return utf8Encode(JSON.stringify(value));
}

export function decodeRecord<T>(bytes: Uint8Array | undefined, check: (v: Record<string, unknown>) => boolean): T {
  if (bytes === undefined) throw clientError('client.bad_store', 'missing record');
  let v: unknown;
  try {
    v = JSON.parse(utf8Decode(bytes));
  } catch (cause) {
    throw clientError('client.bad_store', 'stored record is not JSON', { cause });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v) || !check(v as Record<string, unknown>)) {
    throw clientError('client.bad_store', 'stored record has the wrong shape');
  }
  return v as T;
}

export const b64 = encodeBase64Url;

export function unb64(s: string): Uint8Array {
  try {
    return decodeBase64Url(s);
  } catch (cause) {
    throw clientError('client.bad_store', 'stored bytes are not base64url', { cause });
  }
}

/** Fixed-width decimal so that string order is numeric order (store keys). */
export function counterKey(n: number): string {
  return String(n).padStart(16, '0');
}

/** This device (table `device`, key `self`). */
export interface SelfRecord {
  readonly v: 1;
  readonly name: string;
  readonly accountId: string;
  readonly deviceId: string;
  /** The request-signing Ed25519 seed (the MLS keys live in the e2ee device state). */
  readonly requestSigningSecretKey: string;
  /** The account identity key (e2ee `encodeAccountIdentity`), only on the device that holds it. */
  readonly accountIdentity?: string;
  readonly registeredAt: number;
}

/** A new device waiting for its certificate (table `device`, key `link`). */
export interface LinkRecord {
  readonly v: 1;
  readonly deviceId: string;
  readonly mlsSignatureSecretKey: string;
  readonly requestSigningSecretKey: string;
}

/** Per-group bookkeeping (table `group_info`). */
export interface GroupInfoRecord {
  readonly v: 1;
  readonly groupId: string;
  /** Display name, set by `rename` control messages (end-to-end encrypted). */
  readonly name?: string;
  readonly joinedAt: number;
  /** Devices to remove by commit (revoked devices, devices of accounts that left). */
  readonly pendingRemovals: readonly {
    readonly accountId: string;
    readonly deviceId?: string;
    readonly reason: 'revoked' | 'left';
  }[];
}

export type MessageDirection = 'in' | 'out';
export type MessageStatus = 'queued' | 'sent' | 'failed' | 'received';

/** One history entry (table `messages`, key `<groupId>/<counter>`). */
export interface MessageRecordJson {
  readonly v: 1;
  readonly key: string;
  readonly groupId: string;
  readonly direction: MessageDirection;
  readonly senderAccountId: string;
  readonly senderDeviceId: string;
  /** Canonical content bytes (message-content.ts), base64url. */
  readonly content: string;
  readonly status: MessageStatus;
  readonly clientMessageId?: string;
  /** The server's per-group sequence number (sent) or this device's queue seq (received). */
  readonly serverSeq?: number;
  readonly serverTime?: number;
  readonly createdAt: number;
  readonly epoch?: number;
  /**
   * The franking opening (docs/protocol.md §Franking): what a report reveals besides `content`
   * (the committed body) — present on received text/attachment/control messages that verified,
   * and on own messages the server accepted.
   */
  readonly franking?: FrankingRecordJson;
}

/** A message's franking opening as stored (bytes base64url). The conversation id is `groupId`. */
export interface FrankingRecordJson {
  readonly v: 1;
  /** The message's 32-byte franking key. */
  readonly frankingKey: string;
  /** The 32-byte commitment (the MLS authenticated data after its version byte). */
  readonly commitment: string;
  /** The server's stamp: key id, 32-byte tag, server time, MLS epoch, group seq. */
  readonly keyId: string;
  readonly tag: string;
  readonly serverTime: number;
  readonly epoch: number;
  readonly seq: number;
}

/** A pending send (table `outbox`, key `<counter>`): an application message or a commit. */
export type OutboxRecord =
  | {
      readonly v: 1;
      readonly kind: 'message';
      readonly id: string;
      readonly groupId: string;
      readonly clientMessageId: string;
      /** History key of the message, to update its status. */
      readonly messageKey: string;
      /** Canonical content bytes, base64url (re-encrypted if the epoch moved on). */
      readonly content: string;
      /** The franking key `message` is franked with (a fresh one on every re-encryption). */
      readonly frankingKey?: string;
      /** The MLS PrivateMessage, base64url, and the epoch it was made in. */
      readonly message: string;
      readonly epoch: number;
      /** What to do locally once the server accepted it. */
      readonly after?: 'leave';
    }
  | {
      readonly v: 1;
      readonly kind: 'commit';
      readonly id: string;
      readonly groupId: string;
      readonly clientMessageId: string;
      readonly commit: string;
      readonly welcome?: string;
      readonly addedDevices: readonly string[];
      readonly removedDevices: readonly string[];
      /** The encoded group state to adopt if (and only if) the server accepts the commit. */
      readonly pendingState: string;
      readonly epoch: number;
    };
