/** Public types of FulcrumClient: options, what it returns, and its events. */
import type { Clock, FulcrumError, Random } from '@fulcrum/common';
import type { MlsCryptoProvider } from '@fulcrum/e2ee';
import type { FrankingContext } from '@fulcrum/franking';
import type { ModerationNotice } from '@fulcrum/wire';
import type { KeyTransparencyOptions } from './key-transparency.js';
import type { MessageContent } from './message-content.js';
import type { ClientStore } from './ports/store.js';
import type { Transport } from './ports/transport.js';
import type { MessageDirection, MessageStatus } from './records.js';

export interface FulcrumClientOptions {
  readonly store: ClientStore;
  readonly transport: Transport;
  readonly clock?: Clock;
  readonly random?: Random;
  /** MLS crypto provider (default: ts-mls's default, WebCrypto where present). */
  readonly crypto?: MlsCryptoProvider;
  /** Normal KeyPackages to keep on the server (default 20); refilled when fewer than half remain. */
  readonly keyPackageTarget?: number;
  /** Largest attachment this client sends or fetches (plaintext bytes; default 25 MiB, the server default). */
  readonly maxAttachmentBytes?: number;
  /** Live-connection reconnect delays (ms): first, and cap of the exponential backoff. Default 500 / 30 000. */
  readonly reconnectDelayMs?: { readonly first: number; readonly max: number };
  /**
   * Receiving paused for want of a fresh key-transparency checkpoint (`receive` event): retry
   * delays (ms), first and cap of the exponential backoff. Default 5 000 / 300 000. Every `sync`
   * and every reconnect also retries at once.
   */
  readonly receiveRetryDelayMs?: { readonly first: number; readonly max: number };
  /**
   * Key transparency (default on): a device certificate is trusted only once the server's
   * transparency log provably holds it. `logKey` pins the log's verifier key (otherwise `/log/key`
   * is trusted on first use). `false` turns the check off (a server without a log).
   */
  readonly keyTransparency?: false | KeyTransparencyOptions;
}

/** This device, once registered or linked. */
export interface SelfInfo {
  readonly name: string;
  readonly accountId: string;
  readonly deviceId: string;
  /** Whether this device holds the account identity key (it can certify and revoke devices). */
  readonly holdsIdentityKey: boolean;
}

export interface DeviceInfo {
  readonly deviceId: string;
  readonly createdAt: number;
  readonly revokedAt?: number;
  /** This is the calling device. */
  readonly current: boolean;
}

export interface AccountInfo {
  readonly accountId: string;
  readonly name: string;
  readonly devices: readonly DeviceInfo[];
}

export interface MemberInfo {
  readonly accountId: string;
  /** From the key directory cache; undefined if this device never looked the account up. */
  readonly name?: string;
  readonly deviceIds: readonly string[];
}

export interface ConversationInfo {
  readonly groupId: string;
  /** The end-to-end encrypted display name (set by `rename`), if any. */
  readonly name?: string;
  readonly epoch: number;
  readonly members: readonly MemberInfo[];
}

/** One message of a conversation's history, as this device stored it. */
export interface MessageRecord {
  /** Local history key (ordering within the conversation). */
  readonly key: string;
  readonly groupId: string;
  readonly direction: MessageDirection;
  readonly sender: { readonly accountId: string; readonly deviceId: string; readonly name?: string };
  readonly content: MessageContent;
  /** The canonical content bytes (what franking will commit to). */
  readonly contentBytes: Uint8Array;
  readonly status: MessageStatus;
  readonly clientMessageId?: string;
  readonly serverSeq?: number;
  readonly serverTime?: number;
  /** Local time this device stored it. */
  readonly createdAt: number;
  /**
   * The franking opening a report reveals (docs/protocol.md §Franking): with `contentBytes` as the
   * body it verifies under the server's key (`franking.verifyReportOpening`). Present on every
   * received message (they are verified before they are stored) and on own messages once sent.
   */
  readonly franking?: FrankingOpening;
}

/** What a report reveals about one message besides its body (`contentBytes`). */
export interface FrankingOpening {
  /** The message's 32-byte franking key. */
  readonly frankingKey: Uint8Array;
  /** The sender's commitment (32 bytes). */
  readonly commitment: Uint8Array;
  /** The context the server tagged: conversation (group id bytes), epoch, sender device, group seq, time, key id. */
  readonly context: FrankingContext;
  /** The server's 32-byte tag. */
  readonly tag: Uint8Array;
}

/**
 * A received application message that was dropped because it could not be reported: its
 * commitment did not open, the server's context named another sender than MLS, or the stamp or
 * envelope was missing or malformed. It is never shown as a message.
 */
export interface FrankingFailureEvent {
  readonly groupId: string;
  /** This device's queue seq of the dropped item. */
  readonly seq: number;
  /** The MLS sender (authenticated by MLS). */
  readonly sender: { readonly accountId: string; readonly deviceId: string };
  /** `client.franking_failed`, `detail.reason` the franking code (e.g. `franking.commitment_mismatch`). */
  readonly error: FulcrumError;
}

export interface SendReceipt {
  readonly groupId: string;
  readonly clientMessageId: string;
  /** `sent` once the server durably queued it; `queued` if it is waiting in the outbox (network down). */
  readonly status: 'sent' | 'queued';
  readonly message: MessageRecord;
}

export interface AttachmentInput {
  readonly data: Uint8Array;
  readonly name: string;
  /** RFC 6838 media type; default `application/octet-stream`. */
  readonly mediaType?: string;
}

export interface SyncResult {
  /** Queue items processed (including dropped ones). */
  readonly processed: number;
  /** Outbox entries sent. */
  readonly sent: number;
}

export interface MessageEvent {
  readonly groupId: string;
  readonly message: MessageRecord;
}

export type MembershipChange = 'joined' | 'added' | 'removed' | 'left' | 'renamed' | 'created';

export interface MembershipEvent {
  readonly groupId: string;
  readonly change: MembershipChange;
  /** The devices concerned (added / removed); empty for `renamed`. */
  readonly devices: readonly { readonly accountId: string; readonly deviceId: string }[];
  /** Whether this device is among `devices` (e.g. `removed` with `self: true`: we were removed). */
  readonly self: boolean;
  /** Who did it, when known. */
  readonly by?: { readonly accountId: string; readonly deviceId: string };
  /** The new name for `renamed`. */
  readonly name?: string;
}

export interface DeliveryEvent {
  readonly groupId: string;
  readonly clientMessageId: string;
  readonly state: 'queued' | 'sent' | 'failed';
  readonly serverSeq?: number;
  readonly error?: FulcrumError;
}

export interface ErrorEvent {
  readonly error: unknown;
  /**
   * What the client was doing: `process-item` (the item was dropped), `receive-paused` (the item
   * is held, see the `receive` event), `reconcile`, `live`, `outbox`, `listener`.
   */
  readonly context: string;
  readonly groupId?: string;
  readonly seq?: number;
}

/**
 * Receiving paused or resumed. `paused`: a queue item needs a key-transparency proof and no fresh
 * enough checkpoint is available (`error.code` `tlog.stale_checkpoint` or
 * `tlog.policy_quorum_not_met`: a witness outage, or a server keeping this client on an old
 * view; `tlog.tile_missing`: the log serves no checkpoint or tile yet). The item (`groupId`, `seq`) and everything after it stay queued on the server, nothing
 * is dropped; the client retries with backoff and at every `sync`/reconnect. Emitted once per
 * episode; `resumed` once the held items were processed. Show "waiting for a fresh
 * key-transparency checkpoint" in between.
 */
export type ReceiveEvent =
  | { readonly state: 'paused'; readonly error: FulcrumError; readonly groupId: string; readonly seq: number }
  | { readonly state: 'resumed' };

export interface ConnectionEvent {
  readonly state: 'connecting' | 'ready' | 'closed';
  /** For `closed`: the WebSocket close code. */
  readonly code?: number;
}

/**
 * A moderation decision about this account, or the outcome of its appeal, with its reason
 * (docs/protocol.md §Moderation). The server also lists them (`GET /v1/moderation/notices`).
 */
export type ModerationNoticeEvent = ModerationNotice;

export interface ClientEvents {
  message: MessageEvent;
  membership: MembershipEvent;
  delivery: DeliveryEvent;
  error: ErrorEvent;
  connection: ConnectionEvent;
  /** Receiving paused (no fresh key-transparency checkpoint) or resumed; once per episode. */
  receive: ReceiveEvent;
  /** A received message failed franking verification and was dropped (see `frankingFailures`). */
  franking: FrankingFailureEvent;
  moderation: ModerationNoticeEvent;
}

/** An account this account blocks (docs/protocol.md §Blocking). */
export interface BlockedAccountInfo {
  readonly accountId: string;
  readonly name: string;
  /** When the block was made (ms). */
  readonly blockedAt: number;
}

/** `FulcrumClient.block`'s answer: the block in force; `created` is false when it already was. */
export interface BlockReceipt {
  readonly accountId: string;
  readonly blockedAt: number;
  readonly created: boolean;
}

/**
 * `FulcrumClient.unblock`'s answer: `removed` is false when the account was not blocked;
 * `refreshed` counts the shared conversations this device committed an MLS update in first.
 */
export interface UnblockReceipt {
  readonly accountId: string;
  readonly removed: boolean;
  readonly refreshed: number;
}
