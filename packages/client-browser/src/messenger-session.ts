/**
 * MessengerSession: what the web app asks of one device, in one place that can run in a Web
 * Worker (worker-host.ts) so MLS work never blocks the page. It owns the FulcrumClient (over an
 * IndexedDbClientStore and a BrowserTransport), keeps the live connection up (retrying while the
 * server is unreachable; the client's outbox keeps what was sent meanwhile), and adds what a
 * messenger UI needs on top of the SDK: contacts with safety numbers and device-change warnings,
 * unread counts, and the passphrase-protected export / import.
 *
 * Its own records live in two more tables of the same store (`contacts`, `read_marks`): the
 * store is generic over tables, so they travel with the device in an export.
 */
import {
  type AccountInfo,
  type AttachmentContent,
  type BlockedAccountInfo,
  type BlockReceipt,
  type CallOptions,
  type ConversationInfo,
  FulcrumClient,
  type FulcrumClientOptions,
  type JsonRouteName,
  type MessageRecord,
  type ReportInput,
  type ReportReceipt,
  type ResponseOf,
  type SelfInfo,
  type SendReceipt,
  type UnblockReceipt,
} from '@fulcrum/client';
import { isFulcrumError, utf8Decode, utf8Encode } from '@fulcrum/common';
import { BrowserTransport } from './browser-transport.js';
import { exportDeviceState, importDeviceState, type ScryptParams } from './device-export.js';
import { clientBrowserError } from './errors.js';
import { IndexedDbClientStore } from './indexeddb-store.js';
import { safetyNumber } from './safety-number.js';

export const SESSION_TABLES = {
  /** account name → JSON ContactRecord. */
  contacts: 'contacts',
  /** groupId → the history key of the last message the user has seen. */
  readMarks: 'read_marks',
} as const;

/** How much history the unread count looks at (the UI shows "99+" above it). */
const UNREAD_WINDOW = 100;

interface ContactRecord {
  v: 1;
  name: string;
  accountId: string;
  /** The devices the user has seen (accepted) for this contact. */
  acceptedDeviceIds: string[];
  addedAt: number;
}

/** What the UI shows about a contact's keys. */
export type ContactKeyStatus =
  /** The devices are the ones the user accepted, each proven to be in the transparency log. */
  | 'verified_in_log'
  /** The contact added or removed devices since the user last accepted them (`added` / `removed`). */
  | 'devices_changed'
  /** The server served a key the transparency log does not hold: do not trust this account. */
  | 'not_in_log'
  /** The server served another identity key than the one pinned: do not trust this account. */
  | 'identity_changed'
  /** The check could not run now (network): shown as unknown, retried later. */
  | 'unchecked';

export interface ContactInfo {
  readonly name: string;
  readonly accountId: string;
  /** 60 digits to compare with the contact (safety-number.ts). */
  readonly safetyNumber: string;
  readonly deviceIds: readonly string[];
  readonly status: ContactKeyStatus;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** For `not_in_log` / `identity_changed` / `unchecked`: the error code behind it. */
  readonly errorCode?: string;
}

export interface ConversationSummary extends ConversationInfo {
  readonly unread: number;
  readonly last?: MessageRecord;
}

export interface OwnKeyReport {
  readonly treeSize: number;
  /** Logged devices of this account that this device does not know: someone may have added them. */
  readonly unknownDevices: readonly string[];
  /** Devices the directory lists that the log never recorded. */
  readonly unloggedDevices: readonly string[];
  readonly loggedDevices: readonly string[];
}

export type ConnectionState = 'connecting' | 'online' | 'reconnecting';

export interface SessionEvents {
  message: { groupId: string; message: MessageRecord };
  delivery: { groupId: string; clientMessageId: string; state: 'queued' | 'sent' | 'failed'; errorCode?: string };
  membership: { groupId: string; change: string; self: boolean };
  connection: { state: ConnectionState };
  problem: { code: string; context: string };
  /** Receiving paused for want of a fresh key-transparency checkpoint (client `receive` event), or resumed. */
  receive: { state: 'paused' | 'resumed'; code?: string };
}

export interface SessionInit {
  /** Server origin, e.g. `location.origin`. */
  readonly server: string;
  /** IndexedDB database name (one device per name). */
  readonly dbName: string;
  /** Overrides for tests (reconnect delays, scrypt cost of exports). */
  readonly clientOptions?: Omit<FulcrumClientOptions, 'store' | 'transport'>;
  readonly exportScrypt?: ScryptParams;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class MessengerSession {
  #client: FulcrumClient | undefined;
  #store: IndexedDbClientStore | undefined;
  #init: SessionInit | undefined;
  #emit: <K extends keyof SessionEvents>(name: K, data: SessionEvents[K]) => void;
  #connection: ConnectionState = 'connecting';
  #started = false;
  #stopped = false;

  constructor(emit: <K extends keyof SessionEvents>(name: K, data: SessionEvents[K]) => void) {
    this.#emit = emit;
  }

  /** Opens the device store (taking this browser's lock on it) and the client. Touches no network. */
  async init(init: SessionInit): Promise<{ self: SelfInfo | undefined; maxAttachmentBytes: number }> {
    if (this.#init !== undefined) throw clientBrowserError('client-browser.not_ready', 'init was called twice');
    await lockDevice(init.dbName);
    this.#init = init;
    await this.#open();
    return { self: this.#c.self, maxAttachmentBytes: this.maxAttachmentBytes() };
  }

  maxAttachmentBytes(): number {
    return this.#init?.clientOptions?.maxAttachmentBytes ?? 25 * 1024 * 1024;
  }

  self(): SelfInfo | undefined {
    return this.#c.self;
  }

  register(name: string): Promise<SelfInfo> {
    return this.#c.register(name);
  }

  /** A new device (empty browser): the one-time link code to certify on a device that holds the account's identity key. */
  createLinkRequest(): Promise<string> {
    return this.#c.createLinkRequest();
  }

  /** On the account's first device: certifies the new device named by `linkCode`; returns the certificate to paste there. */
  async certifyDevice(linkCode: string): Promise<string> {
    return (await this.#c.certifyDevice(linkCode.trim())).certificate;
  }

  /** On the new device: completes the link with the certificate from the first device. */
  completeLink(certificate: string): Promise<SelfInfo> {
    return this.#c.completeLink(certificate.trim());
  }

  /** Starts the live connection and keeps trying until the server answers; later drops reconnect by themselves. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    void this.#keepConnected();
  }

  connectionState(): ConnectionState {
    return this.#connection;
  }

  async conversations(): Promise<ConversationSummary[]> {
    const out: ConversationSummary[] = [];
    for (const c of await this.#c.listConversations()) out.push(await this.#summary(c));
    return out;
  }

  async conversation(groupId: string): Promise<ConversationSummary> {
    return this.#summary(await this.#c.conversation(groupId));
  }

  history(groupId: string, limit = 200): Promise<MessageRecord[]> {
    return this.#c.history(groupId, { limit });
  }

  createConversation(members: string[], name?: string): Promise<ConversationInfo> {
    return this.#c.createConversation({ members, ...(name === undefined || name === '' ? {} : { name }) });
  }

  addMembers(groupId: string, names: string[]): Promise<ConversationInfo> {
    return this.#c.addMembers(groupId, names);
  }

  removeMembers(groupId: string, names: string[]): Promise<ConversationInfo> {
    return this.#c.removeMembers(groupId, names);
  }

  leave(groupId: string): Promise<void> {
    return this.#c.leave(groupId);
  }

  rename(groupId: string, name: string): Promise<void> {
    return this.#c.rename(groupId, name);
  }

  sendText(groupId: string, text: string): Promise<SendReceipt> {
    return this.#c.sendText(groupId, text);
  }

  /** Refuses a file over the limit before anything is encrypted or uploaded. */
  sendAttachment(groupId: string, input: { data: Uint8Array; name: string; mediaType: string }): Promise<SendReceipt> {
    const limit = this.maxAttachmentBytes();
    if (input.data.length > limit) {
      return Promise.reject(
        clientBrowserError('client-browser.file_too_large', 'the file is larger than the attachment limit', {
          detail: { limit, size: input.data.length },
        }),
      );
    }
    return this.#c.sendAttachment(groupId, input);
  }

  /**
   * Forwards one message of `fromGroupId` to `toGroupIds` in one action, within the SDK's forward
   * limits (client forward-policy.ts): `client.forward_limit` when there are too many targets for
   * its forward count, or the count reached the hard cap; nothing is sent then.
   */
  forward(fromGroupId: string, messageKey: string, toGroupIds: string[]): Promise<SendReceipt[]> {
    return this.#c.forwardTo(fromGroupId, messageKey, toGroupIds);
  }

  fetchAttachment(content: AttachmentContent): Promise<Uint8Array> {
    return this.#c.fetchAttachment(content);
  }

  /**
   * Reports messages of a conversation (docs/protocol.md §Reports): the SDK reveals the franking
   * openings it kept; `blockSender` also blocks the first reported message's sender.
   */
  report(input: ReportInput): Promise<ReportReceipt> {
    return this.#c.report(input);
  }

  /** The accounts this account blocks (docs/protocol.md §Blocking), most recent first. */
  blockedAccounts(): Promise<BlockedAccountInfo[]> {
    return this.#c.blockedAccounts();
  }

  /** Blocks an account without a report (idempotent): its messages stop reaching this account. */
  block(accountId: string): Promise<BlockReceipt> {
    return this.#c.block(accountId);
  }

  /**
   * Lifts a block (idempotent): the SDK first commits an MLS update in the conversations shared
   * with the account (client README §Blocking), then its new messages arrive again.
   */
  unblock(accountId: string): Promise<UnblockReceipt> {
    return this.#c.unblock(accountId);
  }

  /**
   * One signed JSON call as this device, for routes the SDK has no method for: moderation notices
   * and appeals (any account), and the staff console's `/v1/mod/*` (the server checks the
   * account's roles on every call; this grants nothing).
   */
  api<K extends JsonRouteName>(name: K, options?: CallOptions<K>): Promise<ResponseOf<K>> {
    return this.#c.callApi(name, options);
  }

  /** Marks everything up to the newest message of `groupId` as seen. */
  async markRead(groupId: string): Promise<void> {
    const [last] = await this.#c.history(groupId, { limit: 1 });
    if (last === undefined) return;
    await this.#s.write([{ op: 'put', table: SESSION_TABLES.readMarks, key: groupId, value: utf8Encode(last.key) }]);
  }

  /** Looks `name` up (key directory + transparency log) and keeps it as a contact, accepting its current devices. */
  async addContact(name: string): Promise<ContactInfo> {
    const account = await this.#c.lookupAccount(name);
    const rec: ContactRecord = {
      v: 1,
      name: account.name,
      accountId: account.accountId,
      acceptedDeviceIds: activeDevices(account),
      addedAt: Date.now(),
    };
    await this.#putContact(rec);
    return this.#contactInfo(rec, account);
  }

  async contacts(): Promise<ContactInfo[]> {
    const out: ContactInfo[] = [];
    for (const e of await this.#s.list(SESSION_TABLES.contacts)) {
      const rec = JSON.parse(utf8Decode(e.value)) as ContactRecord;
      out.push(this.#contactInfo(rec, undefined));
    }
    return out;
  }

  /** Checks a contact's keys now: fresh directory answer, each device proven in the log, compared with what the user accepted. */
  async checkContact(name: string): Promise<ContactInfo> {
    const rec = await this.#getContact(name);
    try {
      const account = await this.#c.lookupAccount(name);
      return this.#contactInfo(rec, account);
    } catch (err) {
      const code = isFulcrumError(err) ? err.code : 'unknown';
      const status: ContactKeyStatus =
        code === 'client.key_not_in_log' || code === 'client.key_revoked'
          ? 'not_in_log'
          : code === 'client.directory_mismatch'
            ? 'identity_changed'
            : 'unchecked';
      return { ...this.#contactInfo(rec, undefined), status, errorCode: code };
    }
  }

  /** The user accepts the contact's current devices (after comparing safety numbers). */
  async acceptContactDevices(name: string): Promise<ContactInfo> {
    const rec = await this.#getContact(name);
    const account = await this.#c.lookupAccount(name);
    const next: ContactRecord = { ...rec, acceptedDeviceIds: activeDevices(account) };
    await this.#putContact(next);
    return this.#contactInfo(next, account);
  }

  /** Key transparency for this account (SDK `keyTransparencyReport`). */
  async ownKeyReport(): Promise<OwnKeyReport> {
    const r = await this.#c.keyTransparencyReport();
    return {
      treeSize: r.treeSize,
      unknownDevices: r.unknown.map((d) => d.deviceId),
      unloggedDevices: [...r.unlogged],
      loggedDevices: r.history.devices.map((d) => d.deviceId),
    };
  }

  /** The whole device state sealed under `passphrase` (device-export.ts). */
  exportState(passphrase: string): Promise<Uint8Array> {
    return exportDeviceState(
      this.#s,
      passphrase,
      this.#init?.exportScrypt === undefined ? {} : { scrypt: this.#init.exportScrypt },
    );
  }

  /** Restores an exported device into this (empty) browser and reopens the client on it. */
  async importState(bytes: Uint8Array, passphrase: string): Promise<SelfInfo> {
    if (this.#c.self !== undefined) {
      throw clientBrowserError('client-browser.not_empty', 'this browser already holds a device');
    }
    await importDeviceState(this.#s, bytes, passphrase);
    // The client read the (empty) store when it opened: open it again on the imported state.
    await this.#c.close();
    this.#client = undefined;
    await this.#open();
    const self = this.#c.self;
    if (self === undefined) throw clientBrowserError('client-browser.bad_export', 'the export holds no device');
    return self;
  }

  async close(): Promise<void> {
    this.#stopped = true;
    await this.#client?.close();
  }

  // ───────────────────────────── internals ─────────────────────────────

  get #c(): FulcrumClient {
    if (this.#client === undefined) throw clientBrowserError('client-browser.not_ready', 'call init first');
    return this.#client;
  }

  get #s(): IndexedDbClientStore {
    if (this.#store === undefined) throw clientBrowserError('client-browser.not_ready', 'call init first');
    return this.#store;
  }

  async #open(): Promise<void> {
    const init = this.#init as SessionInit;
    const store = await IndexedDbClientStore.open(init.dbName);
    const transport = new BrowserTransport(init.server);
    let client: FulcrumClient;
    try {
      client = await FulcrumClient.open({
        reconnectDelayMs: { first: 500, max: 5_000 },
        ...(init.clientOptions ?? {}),
        store,
        transport,
      });
    } catch (err) {
      await store.close();
      throw err;
    }
    this.#store = store;
    this.#client = client;
    client.on('message', (e) => this.#emit('message', { groupId: e.groupId, message: e.message }));
    client.on('delivery', (e) =>
      this.#emit('delivery', {
        groupId: e.groupId,
        clientMessageId: e.clientMessageId,
        state: e.state,
        ...(e.error === undefined ? {} : { errorCode: e.error.code }),
      }),
    );
    client.on('membership', (e) => this.#emit('membership', { groupId: e.groupId, change: e.change, self: e.self }));
    client.on('connection', (e) => this.#setConnection(e.state === 'ready' ? 'online' : 'reconnecting'));
    client.on('error', (e) =>
      this.#emit('problem', { code: isFulcrumError(e.error) ? e.error.code : 'unknown', context: e.context }),
    );
    client.on('receive', (e) =>
      this.#emit('receive', e.state === 'paused' ? { state: 'paused', code: e.error.code } : { state: 'resumed' }),
    );
  }

  #setConnection(state: ConnectionState): void {
    if (state === this.#connection) return;
    this.#connection = state;
    this.#emit('connection', { state });
  }

  async #keepConnected(): Promise<void> {
    let delay = 500;
    while (!this.#stopped) {
      try {
        await this.#c.connect();
        return;
      } catch (err) {
        if (!isFulcrumError(err, 'client.network')) this.#emit('problem', { code: errCode(err), context: 'connect' });
        this.#setConnection('reconnecting');
        await sleep(delay);
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  async #summary(c: ConversationInfo): Promise<ConversationSummary> {
    const recent = await this.#c.history(c.groupId, { limit: UNREAD_WINDOW });
    const markBytes = await this.#s.get(SESSION_TABLES.readMarks, c.groupId);
    const mark = markBytes === undefined ? '' : utf8Decode(markBytes);
    const unread = recent.filter((m) => m.direction === 'in' && m.key > mark).length;
    const last = recent[recent.length - 1];
    return { ...c, unread, ...(last === undefined ? {} : { last }) };
  }

  async #getContact(name: string): Promise<ContactRecord> {
    const bytes = await this.#s.get(SESSION_TABLES.contacts, name);
    if (bytes === undefined)
      throw clientBrowserError('client-browser.not_ready', 'not a contact', { detail: { name } });
    return JSON.parse(utf8Decode(bytes)) as ContactRecord;
  }

  #putContact(rec: ContactRecord): Promise<void> {
    return this.#s.write([
      { op: 'put', table: SESSION_TABLES.contacts, key: rec.name, value: utf8Encode(JSON.stringify(rec)) },
    ]);
  }

  #contactInfo(rec: ContactRecord, account: AccountInfo | undefined): ContactInfo {
    const self = this.#c.self;
    const number = self === undefined ? '' : safetyNumber(self.accountId, rec.accountId);
    if (account === undefined) {
      return {
        name: rec.name,
        accountId: rec.accountId,
        safetyNumber: number,
        deviceIds: rec.acceptedDeviceIds,
        status: 'unchecked',
        added: [],
        removed: [],
      };
    }
    const now = activeDevices(account);
    const added = now.filter((d) => !rec.acceptedDeviceIds.includes(d));
    const removed = rec.acceptedDeviceIds.filter((d) => !now.includes(d));
    return {
      name: rec.name,
      accountId: rec.accountId,
      safetyNumber: number,
      deviceIds: now,
      status: added.length + removed.length === 0 ? 'verified_in_log' : 'devices_changed',
      added,
      removed,
    };
  }
}

function activeDevices(account: AccountInfo): string[] {
  return account.devices
    .filter((d) => d.revokedAt === undefined)
    .map((d) => d.deviceId)
    .sort();
}

function errCode(err: unknown): string {
  return isFulcrumError(err) ? err.code : 'unknown';
}

/**
 * One tab per device: two copies of a client on one store would fork its MLS state. The Web
 * Locks API (pages and workers) gives an exclusive lock held until this worker or page goes away.
 */
async function lockDevice(dbName: string): Promise<void> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (locks === undefined) return; // an old browser: no cross-tab guard
  const got = await new Promise<boolean>((resolve) => {
    void locks.request(`fulcrum-device:${dbName}`, { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      // Holding the returned promise open holds the lock for the lifetime of this context.
      return lock === null ? undefined : new Promise<void>(() => {});
    });
  });
  if (!got) throw clientBrowserError('client-browser.store_locked', 'this device is open in another tab');
}
