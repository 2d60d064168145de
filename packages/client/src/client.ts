/**
 * FulcrumClient: one device of one account, end to end (README "FulcrumClient").
 *
 * Every operation that reads and replaces device state runs through one Serial (serial.ts), and
 * every change is committed to the store as ONE atomic batch (ports/store.ts): for a queue item,
 * the new group state, the history entry and the queue cursor go together, so after a crash an
 * item is either fully processed or not at all, and is never processed twice. Items are
 * acknowledged to the server only after that batch is durable.
 *
 * Sends go through a persisted outbox with a client-chosen `clientMessageId`, written in the same
 * batch as the MLS state that produced the ciphertext: a retry (after a lost answer, a crash, or a
 * `group.stale_epoch` refusal) reuses the id, so the server never queues a message twice.
 * Commits are persisted too (with the state to adopt if the server accepts them) before they are
 * posted, and resolved before anything else touches their group.
 */
import {
  type Clock,
  constantTimeEqual,
  decodeBase64Url,
  FulcrumError,
  isFulcrumError,
  type Random,
  systemClock,
  systemRandom,
  utf8Decode,
} from '@fulcrum/common';
import {
  type AccountIdentity,
  ATTACHMENT_OVERHEAD_BYTES,
  type CommitResult,
  createDeviceKeys,
  createDeviceState,
  createMlsClient,
  decodeAccountIdentity,
  decodeDeviceState,
  decodeGroupState,
  decryptAttachment,
  type DeviceKeys,
  type DeviceState,
  encodeAccountIdentity,
  encodeDeviceState,
  encodeGroupState,
  encryptAttachment,
  type GroupMember,
  type GroupState,
  type MlsClient,
  parseAccountId,
  parseDeviceId,
  signDeviceCertificate,
  verifyDeviceCertificate,
} from '@fulcrum/e2ee';
import {
  commitMessage,
  createFrankingKey,
  encodeFrankedEnvelope,
  encodeFrankingAad,
  type FrankingContext,
} from '@fulcrum/franking';
import {
  type FrankingStamp,
  createValidator,
  deriveAccountId,
  LIMITS,
  type QueueItem,
  QueueEvent,
  type SendMessageRequest,
  type SendMessageResponse,
  signDeviceRevocation,
  WS_CLOSE,
  WS_PATH,
  WsServerFrame,
  wsAuthSigningInput,
} from '@fulcrum/wire';
import { ed25519 } from '@noble/curves/ed25519.js';
import { decodeCanonicalJson, encodeCanonicalJson } from './canonical-json.js';
import type {
  AccountInfo,
  BlockedAccountInfo,
  BlockReceipt,
  AttachmentInput,
  ClientEvents,
  ConversationInfo,
  DeviceInfo,
  FulcrumClientOptions,
  MemberInfo,
  MembershipChange,
  MessageRecord,
  SelfInfo,
  SendReceipt,
  SyncResult,
  UnblockReceipt,
} from './client-types.js';
import { type DirectoryAccount, isRetryableKeyTransparency, isTransient, KeyDirectoryCache } from './directory.js';
import { KeyTransparency, type KeyTransparencyReport } from './key-transparency.js';
import { clientError } from './errors.js';
import { checkForward } from './forward-policy.js';
import { buildReportRequest, checkReportInput, type ReportInput, type ReportReceipt } from './report.js';
import { Emitter, type Listener } from './events.js';
import { frankingOpening, openFranked, ownFranking } from './franking.js';
import {
  type AttachmentContent,
  decodeMessageContent,
  encodeMessageContent,
  type MessageContent,
} from './message-content.js';
import { type ClientStore, type StoreWrite, TABLES } from './ports/store.js';
import type { SocketConnection, Transport } from './ports/transport.js';
import {
  b64,
  counterKey,
  decodeRecord,
  encodeRecord,
  type FrankingRecordJson,
  type GroupInfoRecord,
  type LinkRecord,
  type MessageRecordJson,
  type OutboxRecord,
  type SelfRecord,
  unb64,
} from './records.js';
import { isLiveTransportFailure, LiveSends } from './live-sends.js';
import { Serial } from './serial.js';
import { type CallOptions, type JsonRouteName, type ResponseOf, ServerApi } from './server-api.js';

/** How many times a send or commit is rebuilt after `group.stale_epoch` before giving up. */
const MAX_REBASES = 8;
const QUEUE_PAGE = 100;
/** A queue page may carry Welcomes (≤ 4 MiB each) — bound the answer generously but finitely. */
const QUEUE_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const DEFAULT_KEY_PACKAGE_TARGET = 20;
const DEFAULT_MAX_ATTACHMENT_BYTES = LIMITS.attachmentDefaultMaxBytes;

const K_SELF = 'self';
const K_MLS = 'mls';
const K_LINK = 'link';
const K_PENDING_REGISTRATION = 'pending-registration';
const K_CURSOR = 'queue-cursor';

/** A paused receive (see `FulcrumClient.#pauseReceive`): its error and the retry's backoff. */
interface ReceivePause {
  error: FulcrumError;
  delay: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}
/** Table `kt`: `certified/<deviceId>` for every device this device certified (known to the user). */
const K_CERTIFIED = 'certified/';
const K_HISTORY = 'history-counter';
const K_OUTBOX = 'outbox-counter';

const queueEventValidator = createValidator(QueueEvent);
const wsFrameValidator = createValidator(WsServerFrame);

const put = (table: string, key: string, value: Uint8Array): StoreWrite => ({ op: 'put', table, key, value });
const del = (table: string, key: string): StoreWrite => ({ op: 'delete', table, key });
const enc = (n: number) => new TextEncoder().encode(String(n));
const decNum = (b: Uint8Array | undefined) => (b === undefined ? 0 : Number(utf8Decode(b)));

/** A registration sent (or about to be) but not confirmed: its keys, so a retry re-sends the same. */
interface PendingRegistration {
  readonly v: 1;
  readonly name: string;
  readonly identitySeed: string;
  readonly deviceId: string;
  readonly mlsSignatureSecretKey: string;
  readonly requestSigningSecretKey: string;
  readonly createdAt: number;
}

/** Device keys from stored seeds (public keys recomputed). */
function deviceKeysOf(r: {
  deviceId: string;
  mlsSignatureSecretKey: string;
  requestSigningSecretKey: string;
}): DeviceKeys {
  const mlsSecret = unb64(r.mlsSignatureSecretKey);
  const reqSecret = unb64(r.requestSigningSecretKey);
  return Object.freeze({
    deviceId: parseDeviceId(r.deviceId),
    mlsSignaturePublicKey: ed25519.getPublicKey(mlsSecret),
    mlsSignatureSecretKey: mlsSecret,
    requestSigningPublicKey: ed25519.getPublicKey(reqSecret),
    requestSigningSecretKey: reqSecret,
  });
}

interface DeviceRefJson {
  readonly accountId: string;
  readonly deviceId: string;
}

const refOf = (m: GroupMember): DeviceRefJson => ({
  accountId: m.certificate.accountId,
  deviceId: m.certificate.deviceId,
});

interface ItemOutcome {
  readonly writes: StoreWrite[];
  /** Runs after the batch is durable: emit events, wipe superseded secrets, update memory. */
  readonly after: () => void;
}

interface CommitPlan {
  readonly result: CommitResult;
  readonly addedDevices: readonly string[];
  readonly removedDevices: readonly string[];
}

/** A device of one account. Create with `FulcrumClient.open`. */
export class FulcrumClient {
  readonly #store: ClientStore;
  readonly #transport: Transport;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #api: ServerApi;
  readonly #directory: KeyDirectoryCache;
  readonly #mls: MlsClient;
  readonly #serial = new Serial();
  readonly #events: Emitter<ClientEvents>;
  readonly #keyPackageTarget: number;
  readonly #maxAttachmentBytes: number;
  readonly #reconnect: { first: number; max: number };
  readonly #receiveRetry: { first: number; max: number };

  #self: SelfRecord | undefined;
  #device: DeviceState | undefined;
  #cursor = 0;
  /** Highest seq acknowledged to the server in this session. */
  #acked = 0;
  #historyCounter = 0;
  #outboxCounter = 0;
  #keyPackagesDue = true;
  #closed = false;
  #frankingFailures = 0;
  /**
   * Set while receiving is paused at a queue item that key transparency could not prove yet for
   * want of a fresh checkpoint (`isRetryableKeyTransparency`): nothing at or after that item is
   * processed or acknowledged until a retry gets past it. Memory only: after a restart the
   * unacknowledged items are simply fetched again.
   */
  #receivePause: ReceivePause | undefined;
  #live:
    | {
        socket: SocketConnection | undefined;
        stopped: boolean;
        timer: ReturnType<typeof setTimeout> | undefined;
        /** Set while the socket is authenticated (`ready`): message sends then go over it. */
        sends: LiveSends | undefined;
      }
    | undefined;

  private constructor(options: FulcrumClientOptions, mls: MlsClient, directory: KeyDirectoryCache, api: ServerApi) {
    this.#store = options.store;
    this.#transport = options.transport;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? systemRandom;
    this.#api = api;
    this.#directory = directory;
    this.#mls = mls;
    this.#keyPackageTarget = options.keyPackageTarget ?? DEFAULT_KEY_PACKAGE_TARGET;
    this.#maxAttachmentBytes = options.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
    this.#reconnect = options.reconnectDelayMs ?? { first: 500, max: 30_000 };
    this.#receiveRetry = options.receiveRetryDelayMs ?? { first: 5_000, max: 300_000 };
    this.#events = new Emitter<ClientEvents>((error, event) => {
      if (event !== 'error') this.#events.emit('error', { error, context: 'listener' });
    });
  }

  /** Opens a client over a store (registered or not). Touches no network. */
  static async open(options: FulcrumClientOptions): Promise<FulcrumClient> {
    const clock = options.clock ?? systemClock;
    const random = options.random ?? systemRandom;
    let client: FulcrumClient | undefined;
    const api = new ServerApi(options.transport, clock, random, () =>
      client === undefined ? undefined : client.#signer(),
    );
    const kt =
      options.keyTransparency === false
        ? undefined
        : new KeyTransparency(options.transport, options.store, random, options.keyTransparency ?? {}, clock);
    const directory = new KeyDirectoryCache(api, options.store, clock, kt);
    const mls = await createMlsClient({
      directory,
      clock,
      ...(options.crypto === undefined ? {} : { crypto: options.crypto }),
    });
    client = new FulcrumClient(options, mls, directory, api);
    await client.#load();
    return client;
  }

  // ───────────────────────────── events ─────────────────────────────

  /** Subscribes to `message`, `membership`, `delivery`, `error` or `connection`; returns an unsubscribe function. */
  on<K extends keyof ClientEvents>(name: K, listener: Listener<ClientEvents[K]>): () => void {
    return this.#events.on(name, listener);
  }

  off<K extends keyof ClientEvents>(name: K, listener: Listener<ClientEvents[K]>): void {
    this.#events.off(name, listener);
  }

  // ───────────────────────────── identity ─────────────────────────────

  /** This device, or undefined before `register` / `completeLink`. */
  get self(): SelfInfo | undefined {
    const s = this.#self;
    if (s === undefined || this.#device === undefined) return undefined;
    return {
      name: s.name,
      accountId: s.accountId,
      deviceId: s.deviceId,
      holdsIdentityKey: s.accountIdentity !== undefined,
    };
  }

  /**
   * Creates an account `name` with this device as its first device: a fresh identity key, a
   * device certified by it, and KeyPackages uploaded. `account.name_taken` if the name is taken.
   */
  register(name: string): Promise<SelfInfo> {
    return this.#run(async () => {
      if (this.#self !== undefined) throw clientError('client.already_registered', 'this store already has a device');
      // The keys are saved BEFORE the server call, so a retry after a lost answer (or a crash)
      // re-sends the same registration instead of burning the name with a second identity.
      const pendingBytes = await this.#store.get(TABLES.device, K_PENDING_REGISTRATION);
      let pending =
        pendingBytes === undefined ? undefined : decodeRecord<PendingRegistration>(pendingBytes, (v) => v.v === 1);
      if (pending === undefined || pending.name !== name) {
        pending = {
          v: 1,
          name,
          identitySeed: b64(this.#random.bytes(32)),
          deviceId: b64(this.#random.bytes(LIMITS.idBytes)),
          mlsSignatureSecretKey: b64(this.#random.bytes(32)),
          requestSigningSecretKey: b64(this.#random.bytes(32)),
          createdAt: Math.floor(this.#clock.now()),
        };
        await this.#store.write([put(TABLES.device, K_PENDING_REGISTRATION, encodeRecord(pending))]);
      }
      const seed = unb64(pending.identitySeed);
      const publicKey = ed25519.getPublicKey(seed);
      const identity: AccountIdentity = Object.freeze({
        accountId: parseAccountId(deriveAccountId(publicKey)),
        publicKey,
        secretKey: seed,
      });
      const keys = deviceKeysOf(pending);
      const certificate = signDeviceCertificate(identity, keys, { now: () => pending.createdAt });
      const device = createDeviceState(keys, certificate);
      const self: SelfRecord = {
        v: 1,
        name,
        accountId: identity.accountId,
        deviceId: keys.deviceId,
        requestSigningSecretKey: pending.requestSigningSecretKey,
        accountIdentity: b64(encodeAccountIdentity(identity)),
        registeredAt: this.#clock.now(),
      };
      try {
        const answer = await this.#api.call('createAccount', {
          body: { name, identityKey: b64(publicKey), deviceCertificate: b64(certificate.encoded) },
        });
        if (answer.accountId !== identity.accountId || answer.deviceId !== keys.deviceId) {
          throw clientError('client.bad_response', 'the server registered other ids than ours');
        }
      } catch (err) {
        // Taken — possibly by our own earlier attempt whose answer was lost: ask as that device.
        if (!isFulcrumError(err, 'account.name_taken', 'account.exists', 'device.exists')) throw err;
        this.#self = self;
        let ours = false;
        try {
          const rec = await this.#api.call('getAccount', { params: { accountId: identity.accountId } });
          ours = rec.name === name && rec.identityKey === b64(publicKey);
        } catch {
          ours = false;
        } finally {
          this.#self = undefined;
        }
        if (!ours) {
          await this.#store.write([del(TABLES.device, K_PENDING_REGISTRATION)]);
          throw err;
        }
      }
      await this.#store.write([
        put(TABLES.device, K_SELF, encodeRecord(self)),
        put(TABLES.device, K_MLS, encodeDeviceState(device)),
        del(TABLES.device, K_PENDING_REGISTRATION),
      ]);
      this.#self = self;
      this.#device = device;
      await this.#directory.byId(self.accountId, { refresh: true });
      await this.#ensureKeyPackages();
      return this.self as SelfInfo;
    });
  }

  /**
   * Step 1 of linking a new device (run on the NEW device, whose store is empty): makes its keys
   * and returns a link request to hand to a device holding the account identity key.
   */
  createLinkRequest(): Promise<string> {
    return this.#run(async () => {
      if (this.#self !== undefined) throw clientError('client.already_registered', 'this store already has a device');
      const keys = createDeviceKeys(parseDeviceId(b64(this.#random.bytes(LIMITS.idBytes))), this.#random);
      const link: LinkRecord = {
        v: 1,
        deviceId: keys.deviceId,
        mlsSignatureSecretKey: b64(keys.mlsSignatureSecretKey),
        requestSigningSecretKey: b64(keys.requestSigningSecretKey),
      };
      await this.#store.write([put(TABLES.device, K_LINK, encodeRecord(link))]);
      return b64(
        encodeCanonicalJson({
          v: 1,
          deviceId: keys.deviceId,
          mlsSignatureKey: b64(keys.mlsSignaturePublicKey),
          requestSigningKey: b64(keys.requestSigningPublicKey),
        }),
      );
    });
  }

  /**
   * Step 2 (on a device holding the identity key): certifies the requesting device, registers it
   * with the server (`POST /v1/devices`) and returns its certificate to hand back to it.
   */
  certifyDevice(linkRequest: string): Promise<{ deviceId: string; certificate: string }> {
    return this.#run(async () => {
      const identity = this.#identity();
      let req: Record<string, unknown>;
      try {
        req = decodeCanonicalJson(decodeBase64Url(linkRequest), 1024) as Record<string, unknown>;
      } catch (cause) {
        throw clientError('client.bad_content', 'not a link request', { cause });
      }
      if (
        req.v !== 1 ||
        typeof req.deviceId !== 'string' ||
        typeof req.mlsSignatureKey !== 'string' ||
        typeof req.requestSigningKey !== 'string'
      ) {
        throw clientError('client.bad_content', 'not a link request');
      }
      const certificate = signDeviceCertificate(
        identity,
        {
          deviceId: parseDeviceId(req.deviceId),
          mlsSignaturePublicKey: decodeBase64Url(req.mlsSignatureKey, 32),
          requestSigningPublicKey: decodeBase64Url(req.requestSigningKey, 32),
        },
        this.#clock,
      );
      const answer = await this.#api.call('addDevice', { body: { deviceCertificate: b64(certificate.encoded) } });
      if (answer.deviceId !== certificate.deviceId)
        throw clientError('client.bad_response', 'other device id registered');
      // Remembered so the key-transparency report does not flag a device this user added.
      await this.#store.write([put(TABLES.keyTransparency, `${K_CERTIFIED}${certificate.deviceId}`, enc(1))]);
      await this.#directory.byId(identity.accountId, { refresh: true });
      return { deviceId: certificate.deviceId, certificate: b64(certificate.encoded) };
    });
  }

  /** Step 3 (on the new device): adopts the certificate, learns the account name, uploads KeyPackages. */
  completeLink(certificate: string): Promise<SelfInfo> {
    return this.#run(async () => {
      if (this.#self !== undefined) throw clientError('client.already_registered', 'this store already has a device');
      const link = decodeRecord<LinkRecord>(await this.#store.get(TABLES.device, K_LINK), (v) => v.v === 1);
      const keys = deviceKeysOf(link);
      const cert = verifyDeviceCertificate(decodeBase64Url(certificate), { deviceId: keys.deviceId });
      if (deriveAccountId(cert.accountPublicKey) !== cert.accountId) {
        throw clientError('client.directory_mismatch', 'the certificate names an account id not derived from its key');
      }
      const device = createDeviceState(keys, cert);
      // Sign with the new device to learn the account's name (the server lists us now).
      this.#self = {
        v: 1,
        name: '',
        accountId: cert.accountId,
        deviceId: keys.deviceId,
        requestSigningSecretKey: link.requestSigningSecretKey,
        registeredAt: this.#clock.now(),
      };
      try {
        const account = await this.#directory.byId(cert.accountId, { refresh: true });
        if (!constantTimeEqual(account.identityKey, cert.accountPublicKey)) {
          throw clientError('client.directory_mismatch', 'the directory holds another identity key for our account');
        }
        const self: SelfRecord = { ...this.#self, name: account.name };
        await this.#store.write([
          put(TABLES.device, K_SELF, encodeRecord(self)),
          put(TABLES.device, K_MLS, encodeDeviceState(device)),
          del(TABLES.device, K_LINK),
        ]);
        this.#self = self;
        this.#device = device;
      } catch (err) {
        this.#self = undefined;
        throw err;
      }
      await this.#ensureKeyPackages();
      return this.self as SelfInfo;
    });
  }

  /** The devices of an account (default: ours), fresh from the key directory. */
  listDevices(accountName?: string): Promise<DeviceInfo[]> {
    return this.#run(async () => {
      const self = this.#requireSelf();
      const acc =
        accountName === undefined
          ? await this.#directory.byId(self.accountId, { refresh: true })
          : await this.#directory.byName(accountName);
      return this.#accountInfo(acc).devices as DeviceInfo[];
    });
  }

  /**
   * Key transparency for this account: every identity key and device the log ever recorded for
   * it (read from the whole log, verified against a checkpoint consistent with the last one seen,
   * under the account's VOPRF label), the logged devices this device does not know (`unknown`:
   * not itself, not certified here, not in `knownDeviceIds`) and the devices the directory lists
   * that the log never recorded (`unlogged`). Either list non-empty deserves a warning to the user.
   * Throws `client.key_not_in_log` if key transparency is off or the log has no label key,
   * `tlog.voprf_bad_proof` if the server evaluated the label with another key, `tlog.*`.
   */
  keyTransparencyReport(options: { knownDeviceIds?: readonly string[] } = {}): Promise<KeyTransparencyReport> {
    return this.#run(async () => {
      const self = this.#requireSelf();
      const kt = this.#directory.keyTransparency;
      if (kt === undefined) throw clientError('client.key_not_in_log', 'key transparency is turned off');
      const known = new Set<string>([self.deviceId, ...(options.knownDeviceIds ?? [])]);
      for (const { key } of await this.#store.list(TABLES.keyTransparency, { prefix: K_CERTIFIED })) {
        known.add(key.slice(K_CERTIFIED.length));
      }
      const account = await this.#directory.byId(self.accountId, { refresh: true });
      return kt.accountReport({
        accountName: self.name,
        knownDeviceIds: known,
        directoryDeviceIds: account.devices.map((d) => d.deviceId),
      });
    });
  }

  /**
   * One signed call of a JSON route as this device, its answer validated against the route's
   * schema: for the endpoints the SDK has no method for (the staff tools of docs/protocol.md
   * §Moderation, appeals, notices). Server refusals are thrown with their stable code.
   */
  callApi<K extends JsonRouteName>(name: K, options: CallOptions<K> = {}): Promise<ResponseOf<K>> {
    if (this.self === undefined) {
      return Promise.reject(clientError('client.not_registered', 'no device to sign with'));
    }
    // Called through a widened signature: TypeScript cannot resolve ResponseOf over every route here.
    const call = this.#api.call.bind(this.#api) as (
      n: JsonRouteName,
      o: CallOptions<JsonRouteName>,
    ) => Promise<unknown>;
    return call(name, options) as Promise<ResponseOf<K>>;
  }

  /** Looks an account up by name (checked and pinned, see directory.ts). `account.not_found`. */
  lookupAccount(name: string): Promise<AccountInfo> {
    return this.#run(async () => {
      this.#requireSelf();
      return this.#accountInfo(await this.#directory.byName(name));
    });
  }

  /**
   * Revokes one of this account's devices (needs the identity key): it can no longer act, and
   * every group member's client commits its removal when it sees the `device_revoked` event.
   */
  revokeDevice(deviceId: string): Promise<void> {
    return this.#run(async () => {
      const identity = this.#identity();
      const revocation = signDeviceRevocation(identity.secretKey, {
        accountId: identity.accountId,
        deviceId,
        revokedAt: Math.floor(this.#clock.now()),
      });
      await this.#api.call('revokeDevice', { params: { deviceId }, body: { revocation: b64(revocation) } });
      await this.#directory.byId(identity.accountId, { refresh: true });
    });
  }

  /** Tops KeyPackages up to the target (and a last-resort one); returns the server's count after. */
  refreshKeyPackages(): Promise<{ uploaded: number; available: number }> {
    return this.#run(() => {
      this.#keyPackagesDue = true;
      return this.#ensureKeyPackages();
    });
  }

  // ───────────────────────────── conversations ─────────────────────────────

  /**
   * Creates a conversation with the given accounts (by name): a 1:1 is one other account. Every
   * non-revoked device of every member account (and this account's other devices) gets a leaf.
   */
  createConversation(options: { members: readonly string[]; name?: string }): Promise<ConversationInfo> {
    return this.#run(async () => {
      const self = this.#requireSelf();
      const accounts = await this.#resolveNames(options.members);
      const groupIdBytes = this.#random.bytes(16);
      const groupId = b64(groupIdBytes);
      const group = await this.#mls.createGroup(this.#requireDevice(), { groupId: groupIdBytes });
      await this.#api.call('createGroup', { body: { groupId } });
      const info: GroupInfoRecord = { v: 1, groupId, joinedAt: this.#clock.now(), pendingRemovals: [] };
      await this.#store.write([
        put(TABLES.groupState, groupId, encodeGroupState(group)),
        put(TABLES.groupInfo, groupId, encodeRecord(info)),
      ]);
      this.#events.emit('membership', {
        groupId,
        change: 'created',
        devices: [{ accountId: self.accountId, deviceId: self.deviceId }],
        self: true,
      });
      const targets = [...new Set([self.accountId, ...accounts.map((a) => a.accountId)])];
      await this.#addAccountsLocked(groupId, targets);
      if (options.name !== undefined) await this.#sendContentLocked(groupId, { type: 'rename', name: options.name });
      return this.#conversationInfo(groupId);
    });
  }

  /** Adds accounts (by name) with all their non-revoked devices. */
  addMembers(groupId: string, names: readonly string[]): Promise<ConversationInfo> {
    return this.#run(async () => {
      const accounts = await this.#resolveNames(names);
      await this.#resolvePendingCommits();
      await this.#addAccountsLocked(
        groupId,
        accounts.map((a) => a.accountId),
      );
      // New members cannot read earlier messages: tell them the (encrypted) name.
      const info = await this.#groupInfo(groupId);
      if (info.name !== undefined) await this.#sendContentLocked(groupId, { type: 'rename', name: info.name });
      return this.#conversationInfo(groupId);
    });
  }

  /** Removes accounts (by name): all their devices. To remove yourself, use `leave`. */
  removeMembers(groupId: string, names: readonly string[]): Promise<ConversationInfo> {
    return this.#run(async () => {
      const self = this.#requireSelf();
      const accounts = await this.#resolveNames(names);
      if (accounts.some((a) => a.accountId === self.accountId)) {
        throw clientError('client.not_allowed', 'to remove your own account, leave the conversation');
      }
      const ids = new Set(accounts.map((a) => a.accountId));
      await this.#resolvePendingCommits();
      const current = await this.#loadGroup(groupId);
      if (!current.members().some((m) => ids.has(m.certificate.accountId))) {
        throw clientError('client.not_allowed', 'none of these accounts is a member');
      }
      await this.#commitWithRetry(groupId, async (group) => {
        const devices = group.members().filter((m) => ids.has(m.certificate.accountId));
        if (devices.length === 0) return null; // someone else removed them meanwhile
        const result = await this.#mls.removeDevices(
          group,
          devices.map(refOf).map((r) => ({
            accountId: parseAccountId(r.accountId),
            deviceId: parseDeviceId(r.deviceId),
          })),
        );
        return { result, addedDevices: [], removedDevices: result.removed.map((m) => m.certificate.deviceId) };
      });
      return this.#conversationInfo(groupId);
    });
  }

  /**
   * Leaves: sends an encrypted `leave` control message, then forgets the group locally. The
   * remaining members' clients commit the removal of all of this account's devices.
   */
  leave(groupId: string): Promise<void> {
    return this.#run(async () => {
      await this.#resolvePendingCommits();
      await this.#loadGroup(groupId);
      await this.#sendContentLocked(groupId, { type: 'leave' }, 'leave');
    });
  }

  /** Renames the conversation with an end-to-end encrypted `rename` control message. */
  rename(groupId: string, name: string): Promise<void> {
    return this.#run(async () => {
      await this.#resolvePendingCommits();
      await this.#sendContentLocked(groupId, { type: 'rename', name });
    });
  }

  /** Conversations this device is in. */
  listConversations(): Promise<ConversationInfo[]> {
    return this.#run(async () => {
      const out: ConversationInfo[] = [];
      for (const e of await this.#store.list(TABLES.groupState)) out.push(await this.#conversationInfo(e.key));
      return out;
    });
  }

  /** One conversation: name, epoch, members by account. `client.unknown_group`. */
  conversation(groupId: string): Promise<ConversationInfo> {
    return this.#run(() => this.#conversationInfo(groupId));
  }

  // ───────────────────────────── messages ─────────────────────────────

  /** Sends a text message. Resolves once the server queued it durably (`sent`) or it waits in the outbox (`queued`). */
  sendText(groupId: string, text: string): Promise<SendReceipt> {
    return this.#run(async () => {
      await this.#resolvePendingCommits();
      return this.#sendContentLocked(groupId, { type: 'text', text });
    });
  }

  /**
   * Encrypts a file with a fresh key (e2ee `encryptAttachment`), uploads the blob, and sends its
   * key and digests inside an MLS message.
   */
  async sendAttachment(groupId: string, input: AttachmentInput): Promise<SendReceipt> {
    this.#requireSelf();
    if (input.data.length > this.#maxAttachmentBytes) {
      throw clientError('client.content_too_large', 'attachment larger than the limit', {
        detail: { limit: this.#maxAttachmentBytes },
      });
    }
    const sealed = encryptAttachment(input.data, this.#random, { maxBytes: this.#maxAttachmentBytes });
    const uploaded = await this.#api.uploadAttachment(sealed.blob);
    if (
      uploaded.size !== sealed.blob.length ||
      !constantTimeEqual(decodeBase64Url(uploaded.sha256), sealed.blobSha256)
    ) {
      throw clientError('client.bad_response', 'the server stored other bytes than we uploaded');
    }
    const content: AttachmentContent = {
      type: 'attachment',
      attachmentId: uploaded.attachmentId,
      key: sealed.key,
      plaintextSha256: sealed.plaintextSha256,
      blobSha256: sealed.blobSha256,
      size: sealed.size,
      mediaType: input.mediaType ?? 'application/octet-stream',
      name: input.name,
    };
    return this.#run(async () => {
      await this.#resolvePendingCommits();
      return this.#sendContentLocked(groupId, content);
    });
  }

  /** Downloads and decrypts an attachment; `client.attachment_invalid` if anything does not verify. */
  async fetchAttachment(content: AttachmentContent): Promise<Uint8Array> {
    this.#requireSelf();
    if (content.size > this.#maxAttachmentBytes) {
      throw clientError('client.content_too_large', 'attachment larger than the limit', {
        detail: { limit: this.#maxAttachmentBytes },
      });
    }
    const blob = await this.#api.downloadAttachment(content.attachmentId, content.size + ATTACHMENT_OVERHEAD_BYTES);
    try {
      return decryptAttachment(
        blob,
        content.key,
        { plaintextSha256: content.plaintextSha256, blobSha256: content.blobSha256, size: content.size },
        { maxBytes: this.#maxAttachmentBytes },
      );
    } catch (cause) {
      throw clientError('client.attachment_invalid', 'the attachment does not verify', { cause });
    }
  }

  /** The stored history of a conversation, oldest first (the last `limit`, before `before` if given). */
  async history(groupId: string, options: { limit?: number; before?: string } = {}): Promise<MessageRecord[]> {
    const entries = await this.#store.list(TABLES.messages, {
      prefix: `${groupId}/`,
      reverse: true,
      limit: options.limit ?? 100,
      ...(options.before === undefined ? {} : { after: options.before }),
    });
    const out: MessageRecord[] = [];
    for (const e of entries.reverse()) {
      out.push(await this.#messageRecord(decodeRecord<MessageRecordJson>(e.value, (v) => v.v === 1)));
    }
    return out;
  }

  /**
   * The franking opening of a stored message (`history()[i].key`): body (the canonical content
   * bytes), franking key, commitment, the server's context and tag — what a report reveals
   * (docs/protocol.md §Franking). `client.unknown_message` if there is no such message in this
   * conversation or it has no opening (an own message not yet accepted by the server).
   */
  async getFrankingOpening(
    groupId: string,
    messageKey: string,
  ): Promise<{
    body: Uint8Array;
    frankingKey: Uint8Array;
    commitment: Uint8Array;
    context: FrankingContext;
    tag: Uint8Array;
  }> {
    const bytes = messageKey.startsWith(`${groupId}/`) ? await this.#store.get(TABLES.messages, messageKey) : undefined;
    if (bytes === undefined) throw clientError('client.unknown_message', 'no such message in this conversation');
    const r = decodeRecord<MessageRecordJson>(bytes, (v) => v.v === 1);
    if (r.groupId !== groupId || r.franking === undefined) {
      throw clientError('client.unknown_message', 'this message has no franking opening');
    }
    const opening = frankingOpening(r, r.franking);
    return { body: unb64(r.content), ...opening };
  }

  /** Messages dropped since this client opened because they failed franking verification. */
  /**
   * The key-transparency error receiving is paused on (`tlog.stale_checkpoint`,
   * `tlog.policy_quorum_not_met`, `tlog.tile_missing`), or undefined. See the `receive` event.
   */
  get receivePaused(): FulcrumError | undefined {
    return this.#receivePause?.error;
  }

  get frankingFailures(): number {
    return this.#frankingFailures;
  }

  /**
   * Forwards a text or attachment message of `fromGroupId` (`messageKey` from `history()`) to
   * `toGroupId`: a new message franked by this device, with the forward count one higher
   * (attachments keep their blob, key and digests). `client.unknown_message`, `client.not_allowed`
   * for control messages, `client.forward_limit` when its count reached FORWARD_HARD_CAP
   * (forward-policy.ts).
   */
  async forward(fromGroupId: string, messageKey: string, toGroupId: string): Promise<SendReceipt> {
    const [receipt] = await this.forwardTo(fromGroupId, messageKey, [toGroupId]);
    return receipt as SendReceipt;
  }

  /**
   * Forwards one message to several conversations in one action, within the forward limits
   * (forward-policy.ts): up to MAX_FORWARD_TARGETS, one when the message was forwarded
   * FORWARDED_MANY_TIMES or more, none at FORWARD_HARD_CAP (`client.forward_limit`, checked before
   * anything is sent). Sends in order; a failure stops the rest (the receipts sent so far are lost
   * to the caller, but the messages are in those conversations' histories).
   */
  forwardTo(fromGroupId: string, messageKey: string, toGroupIds: readonly string[]): Promise<SendReceipt[]> {
    return this.#run(async () => {
      const bytes = messageKey.startsWith(`${fromGroupId}/`)
        ? await this.#store.get(TABLES.messages, messageKey)
        : undefined;
      if (bytes === undefined) throw clientError('client.unknown_message', 'no such message in this conversation');
      const r = decodeRecord<MessageRecordJson>(bytes, (v) => v.v === 1);
      const content = decodeMessageContent(unb64(r.content));
      if (new Set(toGroupIds).size !== toGroupIds.length) {
        throw clientError('client.not_allowed', 'a conversation is named twice');
      }
      checkForward(content, toGroupIds.length);
      if (content.type !== 'text' && content.type !== 'attachment') return []; // checkForward refused these
      await this.#resolvePendingCommits();
      const receipts: SendReceipt[] = [];
      for (const to of toGroupIds) {
        receipts.push(await this.#sendContentLocked(to, { ...content, forwarded: (content.forwarded ?? 0) + 1 }));
      }
      return receipts;
    });
  }

  // ───────────────────────────── reports ─────────────────────────────

  /**
   * Reports messages of a conversation (docs/protocol.md §Reports): reveals the franking opening
   * of each message in `messageIds` (`history()[i].key`) and of up to `contextCount` earlier
   * messages, with a category and an optional note; `blockSender` also blocks the sender of the
   * first reported message. The server verifies every opening against its own key and answers
   * with the report id. `client.unknown_message` for a message without an opening,
   * `client.not_allowed` for out-of-range input; the server's `report.*` codes otherwise.
   */
  report(input: ReportInput): Promise<ReportReceipt> {
    return this.#run(async () => {
      checkReportInput(input);
      const reported = [];
      for (const id of input.messageIds) reported.push(await this.getFrankingOpening(input.groupId, id));
      const first = [...input.messageIds].sort()[0] as string;
      const earlier =
        (input.contextCount ?? 0) === 0
          ? []
          : await this.history(input.groupId, { before: first, limit: 4 * (input.contextCount ?? 0) + 10 });
      const body = buildReportRequest(input, reported, earlier);
      return this.#api.call('createReport', { body });
    });
  }

  // ───────────────────────────── blocks ─────────────────────────────

  /**
   * The accounts this account blocks (docs/protocol.md §Blocking), most recent first: the
   * server's list, the same on every device of the account.
   */
  blockedAccounts(): Promise<BlockedAccountInfo[]> {
    return this.#run(async () => {
      this.#requireSelf();
      return (await this.#api.call('listBlocks')).blocks;
    });
  }

  /**
   * Blocks an account without reporting anything: its application messages stop reaching every
   * device of this account, in every conversation (it is not told). Idempotent (`created: false`
   * and the first `blockedAt` when already blocked). `block.self`, `account.not_found`,
   * `block.too_many` (unblock one first).
   */
  block(accountId: string): Promise<BlockReceipt> {
    return this.#run(async () => {
      this.#requireSelf();
      return this.#api.call('block', { body: { accountId } });
    });
  }

  /**
   * Lifts this account's block of `accountId`, so its messages reach this account again, as
   * before the block (what it sent meanwhile was never delivered and does not come back).
   * Idempotent: `removed: false` when it was not blocked (nothing is done then).
   *
   * Before the server lifts the block, this device commits an MLS update (an empty commit with
   * a path) in every conversation it shares with that account (`refreshed` counts them): while
   * blocked, the sender's message ratchet ran ahead unseen, and more than 200 skipped messages in
   * one epoch (ts-mls's `maximumForwardRatchetSteps`) would leave its next messages of that
   * epoch undecryptable here. The new epoch starts every sender's ratchet afresh. A conversation
   * whose commit fails for good is skipped with an `error` event (context `unblock`).
   */
  unblock(accountId: string): Promise<UnblockReceipt> {
    return this.#run(async () => {
      this.#requireSelf();
      const { blocks } = await this.#api.call('listBlocks');
      if (!blocks.some((b) => b.accountId === accountId)) {
        return { ...(await this.#api.call('unblock', { body: { accountId } })), refreshed: 0 };
      }
      await this.#resolvePendingCommits();
      let refreshed = 0;
      for (const e of await this.#store.list(TABLES.groupState)) {
        const groupId = e.key;
        const current = await this.#loadGroup(groupId);
        if (!current.isActive || !current.members().some((m) => m.certificate.accountId === accountId)) continue;
        try {
          const result = await this.#commitWithRetry(groupId, async (group) => {
            if (!group.isActive) return null;
            // MLS commits include pending proposals (another client's leave, say): list what it removes.
            const result = await this.#mls.update(group);
            return { result, addedDevices: [], removedDevices: result.removed.map((m) => m.certificate.deviceId) };
          });
          if (result !== null) refreshed++;
        } catch (error) {
          if (isTransient(error)) throw error;
          this.#events.emit('error', { error, context: 'unblock', groupId });
        }
      }
      return { ...(await this.#api.call('unblock', { body: { accountId } })), refreshed };
    });
  }

  // ───────────────────────────── sync and live push ─────────────────────────────

  /**
   * Catches up: resolves interrupted commits, fetches and processes the whole queue in order,
   * acknowledges it, commits pending removals (revoked devices, leavers), sends the outbox,
   * and keeps KeyPackages topped up.
   */
  sync(): Promise<SyncResult> {
    return this.#run(() => this.#syncLocked());
  }

  /**
   * Opens the live WebSocket (protocol.md §Live push): queued and new items are pushed and
   * processed as they come. Resolves when the first connection is ready; afterwards it reconnects
   * by itself (with backoff) until `disconnect` or `close`.
   */
  connect(): Promise<void> {
    this.#requireSelf();
    if (this.#live !== undefined && !this.#live.stopped) return Promise.resolve();
    const live = {
      socket: undefined as SocketConnection | undefined,
      stopped: false,
      timer: undefined as ReturnType<typeof setTimeout> | undefined,
      sends: undefined as LiveSends | undefined,
    };
    this.#live = live;
    return new Promise<void>((resolve, reject) => {
      let first = true;
      let delay = this.#reconnect.first;
      const attempt = () => {
        if (live.stopped || this.#closed) return;
        this.#events.emit('connection', { state: 'connecting' });
        let broken = false;
        live.socket = this.#transport.connect(WS_PATH, {
          open: () => {},
          message: (text) => {
            const frame = this.#parseFrame(text);
            if (frame === undefined) return;
            if (frame.type === 'challenge') {
              const self = this.#self;
              if (self === undefined) return;
              const signature = ed25519.sign(wsAuthSigningInput(frame.nonce), unb64(self.requestSigningSecretKey));
              live.socket?.send(JSON.stringify({ type: 'auth', deviceId: self.deviceId, signature: b64(signature) }));
            } else if (frame.type === 'ready') {
              delay = this.#reconnect.first;
              if (live.socket !== undefined) live.sends = new LiveSends(live.socket);
              this.#events.emit('connection', { state: 'ready' });
              // Send what waits in the outbox and settle pending removals; items follow by push.
              this.#background(() => this.#afterConnectLocked());
              if (first) {
                first = false;
                resolve();
              }
            } else if (frame.type === 'item') {
              const item = frame.item;
              const socket = live.socket;
              this.#background(async () => {
                // After a failure, later items of this socket must wait for the replay (order).
                if (broken) return;
                // Paused at an earlier item: the retry fetches this one from the queue, in order.
                if (this.#receivePause !== undefined) return;
                try {
                  await this.#processItems([item]);
                } catch (err) {
                  // Paused (#pauseReceive): the socket stays up; the retry drains the queue.
                  if (isRetryableKeyTransparency(err)) return;
                  // Not processed (e.g. the network failed during a directory lookup): the server
                  // pushes every unacknowledged item again on a new connection, so reconnect.
                  broken = true;
                  socket?.close(4000, 'retry');
                  throw err;
                }
                if (this.#cursor > this.#acked) {
                  live.socket?.send(JSON.stringify({ type: 'ack', upTo: this.#cursor }));
                  this.#acked = this.#cursor;
                }
                await this.#reconcileLocked();
              });
            } else if (frame.type === 'sent' || frame.type === 'send_error') {
              // Settled here, not in the serial queue: the send waiting for it holds that queue.
              live.sends?.answer(frame);
            } else if (frame.type === 'error') {
              this.#events.emit('error', {
                error: new FulcrumError(frame.error.code, frame.error.message),
                context: 'live',
              });
            }
          },
          close: (code) => {
            live.socket = undefined;
            live.sends?.failAll();
            live.sends = undefined;
            this.#events.emit('connection', { state: 'closed', code });
            const fatal = code === WS_CLOSE.unauthorized || code === WS_CLOSE.revoked;
            if (first) {
              first = false;
              live.stopped = true;
              reject(
                clientError('client.network', 'the live connection closed before it was ready', { detail: { code } }),
              );
              return;
            }
            if (fatal || live.stopped || this.#closed) {
              live.stopped = true;
              return;
            }
            live.timer = setTimeout(attempt, delay);
            delay = Math.min(delay * 2, this.#reconnect.max);
          },
        });
      };
      attempt();
    });
  }

  /** Closes the live connection (no reconnect). */
  disconnect(): void {
    const live = this.#live;
    if (live === undefined) return;
    live.stopped = true;
    if (live.timer !== undefined) clearTimeout(live.timer);
    live.socket?.close(1000, 'bye');
    live.socket = undefined;
    live.sends?.failAll();
    live.sends = undefined;
  }

  /** Waits for running operations, disconnects and closes the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.disconnect();
    await this.#serial.run(async () => {
      this.#closed = true;
    });
    const pause = this.#receivePause;
    if (pause?.timer !== undefined) clearTimeout(pause.timer);
    await this.#store.close();
  }

  // ───────────────────────────── internals: state ─────────────────────────────

  #run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(clientError('client.closed', 'the client is closed'));
    return this.#serial.run(async () => {
      if (this.#closed) throw clientError('client.closed', 'the client is closed');
      return task();
    });
  }

  /** Runs a task in the serial queue; failures become `error` events. */
  #background(task: () => Promise<void>): void {
    this.#run(task).catch((error: unknown) => {
      if (!isFulcrumError(error, 'client.closed')) this.#events.emit('error', { error, context: 'live' });
    });
  }

  async #load(): Promise<void> {
    const selfBytes = await this.#store.get(TABLES.device, K_SELF);
    if (selfBytes !== undefined) {
      this.#self = decodeRecord<SelfRecord>(selfBytes, (v) => v.v === 1 && typeof v.deviceId === 'string');
      const mls = await this.#store.get(TABLES.device, K_MLS);
      if (mls === undefined) throw clientError('client.bad_store', 'device state missing');
      this.#device = decodeDeviceState(mls);
    }
    this.#cursor = decNum(await this.#store.get(TABLES.meta, K_CURSOR));
    this.#historyCounter = decNum(await this.#store.get(TABLES.meta, K_HISTORY));
    this.#outboxCounter = decNum(await this.#store.get(TABLES.meta, K_OUTBOX));
  }

  #signer() {
    const s = this.#self;
    return s === undefined ? undefined : { deviceId: s.deviceId, secretKey: unb64(s.requestSigningSecretKey) };
  }

  #requireSelf(): SelfRecord {
    if (this.#self === undefined || this.#device === undefined) {
      throw clientError('client.not_registered', 'register or link this device first');
    }
    return this.#self;
  }

  #requireDevice(): DeviceState {
    this.#requireSelf();
    return this.#device as DeviceState;
  }

  #identity(): AccountIdentity {
    const s = this.#requireSelf();
    if (s.accountIdentity === undefined) {
      throw clientError('client.no_identity_key', 'only the device holding the account identity key can do this');
    }
    return decodeAccountIdentity(unb64(s.accountIdentity));
  }

  async #loadGroup(groupId: string): Promise<GroupState> {
    const bytes = await this.#store.get(TABLES.groupState, groupId);
    if (bytes === undefined) throw clientError('client.unknown_group', 'this device is not in that conversation');
    return decodeGroupState(bytes);
  }

  async #groupInfo(groupId: string): Promise<GroupInfoRecord> {
    const bytes = await this.#store.get(TABLES.groupInfo, groupId);
    if (bytes === undefined) return { v: 1, groupId, joinedAt: this.#clock.now(), pendingRemovals: [] };
    return decodeRecord<GroupInfoRecord>(bytes, (v) => v.v === 1 && Array.isArray(v.pendingRemovals));
  }

  #nextHistoryKey(groupId: string, writes: StoreWrite[]): string {
    this.#historyCounter += 1;
    writes.push(put(TABLES.meta, K_HISTORY, enc(this.#historyCounter)));
    return `${groupId}/${counterKey(this.#historyCounter)}`;
  }

  #nextOutboxKey(writes: StoreWrite[]): string {
    this.#outboxCounter += 1;
    writes.push(put(TABLES.meta, K_OUTBOX, enc(this.#outboxCounter)));
    return counterKey(this.#outboxCounter);
  }

  async #resolveNames(names: readonly string[]): Promise<DirectoryAccount[]> {
    this.#requireSelf();
    const out: DirectoryAccount[] = [];
    for (const n of names) {
      try {
        out.push(await this.#directory.byName(n));
      } catch (err) {
        if (isFulcrumError(err, 'account.not_found')) {
          throw clientError('client.unknown_account', `no account named ${n}`, { cause: err, detail: { name: n } });
        }
        throw err;
      }
    }
    return out;
  }

  #accountInfo(a: DirectoryAccount): AccountInfo {
    const me = this.#self?.deviceId;
    return {
      accountId: a.accountId,
      name: a.name,
      devices: a.devices.map((d) => ({
        deviceId: d.deviceId,
        createdAt: d.createdAt,
        ...(d.revokedAt === undefined ? {} : { revokedAt: d.revokedAt }),
        current: d.deviceId === me,
      })),
    };
  }

  async #conversationInfo(groupId: string): Promise<ConversationInfo> {
    const group = await this.#loadGroup(groupId);
    const info = await this.#groupInfo(groupId);
    const byAccount = new Map<string, string[]>();
    for (const m of group.members()) {
      const list = byAccount.get(m.certificate.accountId) ?? [];
      list.push(m.certificate.deviceId);
      byAccount.set(m.certificate.accountId, list);
    }
    const members: MemberInfo[] = [];
    for (const [accountId, deviceIds] of byAccount) {
      const cached = await this.#directory.cached(accountId);
      members.push({ accountId, ...(cached === undefined ? {} : { name: cached.name }), deviceIds });
    }
    return { groupId, ...(info.name === undefined ? {} : { name: info.name }), epoch: Number(group.epoch), members };
  }

  async #messageRecord(r: MessageRecordJson): Promise<MessageRecord> {
    const contentBytes = unb64(r.content);
    const cached = await this.#directory.cached(r.senderAccountId);
    return {
      key: r.key,
      groupId: r.groupId,
      direction: r.direction,
      sender: {
        accountId: r.senderAccountId,
        deviceId: r.senderDeviceId,
        ...(cached === undefined ? {} : { name: cached.name }),
      },
      content: decodeMessageContent(contentBytes),
      contentBytes,
      status: r.status,
      ...(r.clientMessageId === undefined ? {} : { clientMessageId: r.clientMessageId }),
      ...(r.serverSeq === undefined ? {} : { serverSeq: r.serverSeq }),
      ...(r.serverTime === undefined ? {} : { serverTime: r.serverTime }),
      createdAt: r.createdAt,
      ...(r.franking === undefined ? {} : { franking: frankingOpening(r, r.franking) }),
    };
  }

  #membership(
    groupId: string,
    change: MembershipChange,
    members: readonly DeviceRefJson[],
    extra: { by?: DeviceRefJson; name?: string } = {},
  ): void {
    const me = this.#self?.deviceId;
    this.#events.emit('membership', {
      groupId,
      change,
      devices: members,
      self: members.some((m) => m.deviceId === me),
      ...extra,
    });
  }

  // ───────────────────────────── internals: KeyPackages ─────────────────────────────

  async #ensureKeyPackages(): Promise<{ uploaded: number; available: number }> {
    const count = await this.#api.call('countKeyPackages');
    let uploaded = 0;
    let available = count.available;
    const batches: { count: number; lastResort: boolean }[] = [];
    if (count.available < Math.ceil(this.#keyPackageTarget / 2)) {
      batches.push({ count: this.#keyPackageTarget - count.available, lastResort: false });
    }
    if (!count.lastResort) batches.push({ count: 1, lastResort: true });
    for (const b of batches) {
      const made = await this.#mls.createKeyPackages(this.#requireDevice(), b);
      // The private halves are saved BEFORE the public ones are published.
      await this.#store.write([put(TABLES.device, K_MLS, encodeDeviceState(made.device))]);
      this.#device = made.device;
      for (let i = 0; i < made.keyPackages.length; i += LIMITS.keyPackagesPerUpload) {
        const chunk = made.keyPackages.slice(i, i + LIMITS.keyPackagesPerUpload);
        const r = await this.#api.call('uploadKeyPackages', {
          body: { keyPackages: chunk.map((k) => ({ data: b64(k.keyPackage), lastResort: k.lastResort })) },
        });
        uploaded += r.stored;
        available = r.available;
      }
    }
    this.#keyPackagesDue = false;
    return { uploaded, available };
  }

  // ───────────────────────────── internals: commits ─────────────────────────────

  /**
   * Builds, persists and posts a commit; on `group.stale_epoch` catches up and rebuilds (the
   * builder sees the new state and may decide nothing is left to do). Returns null if nothing
   * was needed.
   */
  async #commitWithRetry(
    groupId: string,
    build: (group: GroupState) => Promise<CommitPlan | null>,
  ): Promise<CommitResult | null> {
    for (let attempt = 0; attempt < MAX_REBASES; attempt++) {
      const group = await this.#loadGroup(groupId);
      const plan = await build(group);
      if (plan === null) return null;
      const { result } = plan;
      const writes: StoreWrite[] = [];
      const key = this.#nextOutboxKey(writes);
      const entry: OutboxRecord = {
        v: 1,
        kind: 'commit',
        id: key,
        groupId,
        clientMessageId: b64(this.#random.bytes(LIMITS.clientMessageIdBytes)),
        commit: b64(result.commit),
        ...(result.welcome === undefined ? {} : { welcome: b64(result.welcome) }),
        addedDevices: plan.addedDevices,
        removedDevices: plan.removedDevices,
        pendingState: b64(encodeGroupState(result.group)),
        epoch: Number(result.epoch),
      };
      writes.push(put(TABLES.outbox, key, encodeRecord(entry)));
      await this.#store.write(writes);
      const outcome = await this.#postCommit(entry);
      if (outcome === 'stale') {
        await this.#drainQueue();
        // The commit that won is behind a paused item: it cannot be rebuilt on it yet.
        if (this.#receivePause !== undefined) throw this.#receivePause.error;
        continue;
      }
      result.wipeConsumed();
      this.#commitEvents(groupId, result.added.map(refOf), result.removed.map(refOf));
      return result;
    }
    throw clientError('client.retries_exhausted', 'the commit kept losing races; retry later', { detail: { groupId } });
  }

  /** Posts a persisted commit; adopts its state on success. Throws on permanent errors (entry dropped). */
  async #postCommit(entry: Extract<OutboxRecord, { kind: 'commit' }>): Promise<'applied' | 'stale'> {
    try {
      await this.#api.call('commit', {
        params: { groupId: entry.groupId },
        body: {
          clientMessageId: entry.clientMessageId,
          commit: entry.commit,
          ...(entry.welcome === undefined ? {} : { welcome: entry.welcome }),
          addedDevices: entry.addedDevices,
          removedDevices: entry.removedDevices,
        },
      });
    } catch (err) {
      if (isTransient(err)) throw err; // stays in the outbox: resolved before the group is touched again
      await this.#store.write([del(TABLES.outbox, entry.id)]);
      if (isFulcrumError(err, 'group.stale_epoch')) return 'stale';
      throw err;
    }
    const info = await this.#groupInfo(entry.groupId);
    const state = unb64(entry.pendingState);
    const stillPending = info.pendingRemovals.filter((p) =>
      p.deviceId === undefined ? true : !entry.removedDevices.includes(p.deviceId),
    );
    await this.#store.write([
      put(TABLES.groupState, entry.groupId, state),
      put(TABLES.groupInfo, entry.groupId, encodeRecord({ ...info, pendingRemovals: stillPending })),
      del(TABLES.outbox, entry.id),
    ]);
    return 'applied';
  }

  #commitEvents(
    groupId: string,
    added: readonly DeviceRefJson[],
    removed: readonly DeviceRefJson[],
    by?: DeviceRefJson,
  ) {
    const extra = by === undefined ? {} : { by };
    if (added.length > 0) this.#membership(groupId, 'added', added, extra);
    if (removed.length > 0) this.#membership(groupId, 'removed', removed, extra);
  }

  /** Commits interrupted by a crash or a network failure: re-post them (same clientMessageId). */
  async #resolvePendingCommits(): Promise<void> {
    for (const e of await this.#store.list(TABLES.outbox)) {
      const entry = decodeRecord<OutboxRecord>(e.value, (v) => v.v === 1);
      if (entry.kind !== 'commit') continue;
      try {
        const outcome = await this.#postCommit(entry);
        if (outcome === 'applied') {
          this.#events.emit('delivery', {
            groupId: entry.groupId,
            clientMessageId: entry.clientMessageId,
            state: 'sent',
          });
        } else {
          this.#events.emit('error', {
            error: clientError(
              'client.retries_exhausted',
              'an interrupted commit lost a race and was dropped; redo it',
            ),
            context: 'outbox',
            groupId: entry.groupId,
          });
        }
      } catch (err) {
        if (isTransient(err)) throw err;
        this.#events.emit('error', { error: err, context: 'outbox', groupId: entry.groupId });
      }
    }
  }

  async #addAccountsLocked(groupId: string, accountIds: readonly string[]): Promise<void> {
    const me = this.#requireSelf().deviceId;
    const claimed = new Map<string, Uint8Array>();
    let refreshed = false;
    await this.#commitWithRetry(groupId, async (group) => {
      const present = new Set(group.members().map((m) => m.certificate.deviceId));
      const targets: { accountId: string; deviceId: string }[] = [];
      for (const accountId of accountIds) {
        const acc = await this.#directory.byId(accountId, { refresh: !refreshed });
        for (const d of acc.devices) {
          if (d.revokedAt === undefined && d.deviceId !== me && !present.has(d.deviceId)) {
            targets.push({ accountId, deviceId: d.deviceId });
          }
        }
      }
      refreshed = true;
      if (targets.length === 0) return null;
      // Key transparency: every device to add must be provably logged (and not revoked there).
      for (const t of targets) {
        const acc = await this.#directory.byId(t.accountId);
        const d = acc.devices.find((x) => x.deviceId === t.deviceId);
        if (d !== undefined) await this.#directory.assertLogged(acc, d, 'add');
      }
      // Claim KeyPackages only for devices we have none for yet (a rebase reuses earlier claims).
      const missing = new Map<string, string[]>();
      for (const t of targets) {
        if (!claimed.has(t.deviceId)) missing.set(t.accountId, [...(missing.get(t.accountId) ?? []), t.deviceId]);
      }
      for (const [accountId, deviceIds] of missing) {
        const answer = await this.#api.call('claimKeyPackages', {
          body: { accountId, deviceIds },
          maxResponseBytes: 8 * 1024 * 1024,
        });
        for (const kp of answer.keyPackages) claimed.set(kp.deviceId, decodeBase64Url(kp.data));
      }
      const packages = targets.map((t) => claimed.get(t.deviceId)).filter((k): k is Uint8Array => k !== undefined);
      if (packages.length === 0) return null;
      const result = await this.#mls.addDevices(group, packages);
      return { result, addedDevices: result.added.map((m) => m.certificate.deviceId), removedDevices: [] };
    });
  }

  // ───────────────────────────── internals: sending ─────────────────────────────

  async #sendContentLocked(groupId: string, content: MessageContent, after?: 'leave'): Promise<SendReceipt> {
    const self = this.#requireSelf();
    const contentBytes = encodeMessageContent(content);
    const group = await this.#loadGroup(groupId);
    const { sealed, frankingKey } = await this.#encryptFranked(group, contentBytes);
    const writes: StoreWrite[] = [];
    const messageKey = this.#nextHistoryKey(groupId, writes);
    const outboxKey = this.#nextOutboxKey(writes);
    const clientMessageId = b64(this.#random.bytes(LIMITS.clientMessageIdBytes));
    const record: MessageRecordJson = {
      v: 1,
      key: messageKey,
      groupId,
      direction: 'out',
      senderAccountId: self.accountId,
      senderDeviceId: self.deviceId,
      content: b64(contentBytes),
      status: 'queued',
      clientMessageId,
      createdAt: this.#clock.now(),
      epoch: Number(group.epoch),
    };
    const entry: OutboxRecord = {
      v: 1,
      kind: 'message',
      id: outboxKey,
      groupId,
      clientMessageId,
      messageKey,
      content: b64(contentBytes),
      frankingKey: b64(frankingKey),
      message: b64(sealed.message),
      epoch: Number(group.epoch),
      ...(after === undefined ? {} : { after }),
    };
    writes.push(
      put(TABLES.groupState, groupId, encodeGroupState(sealed.group)),
      put(TABLES.messages, messageKey, encodeRecord(record)),
      put(TABLES.outbox, outboxKey, encodeRecord(entry)),
    );
    if (content.type === 'rename') {
      const info = await this.#groupInfo(groupId);
      writes.push(put(TABLES.groupInfo, groupId, encodeRecord({ ...info, name: content.name })));
    }
    await this.#store.write(writes);
    sealed.wipeConsumed();
    this.#events.emit('delivery', { groupId, clientMessageId, state: 'queued' });
    const stored = await this.#messageRecord(record);
    if (content.type === 'text' || content.type === 'attachment')
      this.#events.emit('message', { groupId, message: stored });
    if (content.type === 'rename') {
      this.#membership(groupId, 'renamed', [], {
        by: { accountId: self.accountId, deviceId: self.deviceId },
        name: content.name,
      });
    }
    // Older queued entries go first, so messages keep their order.
    await this.#flushOutbox();
    const now = await this.#store.get(TABLES.messages, messageKey);
    const final = now === undefined ? record : decodeRecord<MessageRecordJson>(now, (v) => v.v === 1);
    if (final.status === 'failed') {
      throw clientError('client.not_allowed', 'the server refused the message', {
        detail: { groupId, clientMessageId },
      });
    }
    return {
      groupId,
      clientMessageId,
      status: final.status === 'sent' ? 'sent' : 'queued',
      message: await this.#messageRecord(final),
    };
  }

  /**
   * Encrypts content as a franked application message (docs/protocol.md §Franking): a fresh
   * franking key, never reused; the MLS plaintext is the franked envelope (`0x01 ‖ key ‖ body`),
   * the authenticated data `0x01 ‖ commitment` over (group id, body).
   */
  async #encryptFranked(group: GroupState, body: Uint8Array) {
    const frankingKey = createFrankingKey((n) => this.#random.bytes(n));
    const commitment = commitMessage({ frankingKey, conversationId: group.groupId, body });
    const sealed = await this.#mls.encryptMessage(
      group,
      encodeFrankedEnvelope({ frankingKey, body }),
      encodeFrankingAad(commitment),
    );
    return { sealed, frankingKey };
  }

  /**
   * Re-encrypts a queued message's content in `state` (the group's current state) under the same
   * clientMessageId, with a fresh franking key (a key is never used twice); stores the new state
   * and outbox entry together.
   */
  async #reencryptFranked(
    entry: Extract<OutboxRecord, { kind: 'message' }>,
    state: GroupState,
  ): Promise<Extract<OutboxRecord, { kind: 'message' }>> {
    const { sealed, frankingKey } = await this.#encryptFranked(state, unb64(entry.content));
    const next = { ...entry, frankingKey: b64(frankingKey), message: b64(sealed.message), epoch: Number(state.epoch) };
    await this.#store.write([
      put(TABLES.groupState, entry.groupId, encodeGroupState(sealed.group)),
      put(TABLES.outbox, entry.id, encodeRecord(next)),
    ]);
    sealed.wipeConsumed();
    return next;
  }

  /** Sends every queued message in order; stops at the first one that cannot be sent now. Returns how many were sent. */
  async #flushOutbox(): Promise<number> {
    let sent = 0;
    for (const e of await this.#store.list(TABLES.outbox)) {
      const entry = decodeRecord<OutboxRecord>(e.value, (v) => v.v === 1);
      if (entry.kind !== 'message') continue;
      const outcome = await this.#sendOutboxMessage(entry);
      if (outcome === 'queued') break;
      if (outcome === 'sent') sent++;
    }
    return sent;
  }

  async #sendOutboxMessage(initial: Extract<OutboxRecord, { kind: 'message' }>): Promise<'sent' | 'queued' | 'failed'> {
    let entry = initial;
    if (entry.frankingKey === undefined) {
      // Queued by a client version that did not frank yet: the server would refuse it
      // (franking.bad_commitment), so it is re-encrypted franked first.
      const group = await this.#store.get(TABLES.groupState, entry.groupId);
      if (group !== undefined) entry = await this.#reencryptFranked(entry, decodeGroupState(group));
    }
    for (let attempt = 0; attempt < MAX_REBASES; attempt++) {
      let seq: number;
      let stamp: FrankingStamp | undefined;
      try {
        const answer = await this.#postMessage(entry.groupId, {
          clientMessageId: entry.clientMessageId,
          message: entry.message,
        });
        seq = answer.seq;
        stamp = answer.franking;
      } catch (err) {
        if (isTransient(err)) return 'queued';
        if (isFulcrumError(err, 'group.stale_epoch')) {
          // Someone's commit came first: process it, then re-encrypt the same content under the
          // same clientMessageId in the new epoch (the server holds nothing under that id).
          await this.#drainQueue();
          // Receiving is paused before that commit: the message waits in the outbox and is sent
          // (re-encrypted) once the pause ends.
          if (this.#receivePause !== undefined) return 'queued';
          const group = await this.#store.get(TABLES.groupState, entry.groupId);
          if (group !== undefined) {
            entry = await this.#reencryptFranked(entry, decodeGroupState(group));
            continue;
          }
        }
        await this.#finishMessage(entry, 'failed', undefined, err);
        return 'failed';
      }
      await this.#finishMessage(entry, 'sent', seq, undefined, stamp);
      return 'sent';
    }
    await this.#finishMessage(entry, 'failed', undefined, clientError('client.retries_exhausted', 'too many rebases'));
    return 'failed';
  }

  /**
   * One send of an MLS message: over the live socket when it is ready (protocol.md §Live push,
   * no per-request signature), else — or when the socket fails before answering — as the signed
   * `POST /v1/groups/:groupId/messages`. Both carry the same `clientMessageId`, so a frame that
   * did reach the server before its socket broke is answered again, not sent twice.
   */
  async #postMessage(groupId: string, body: SendMessageRequest): Promise<SendMessageResponse> {
    const sends = this.#live?.sends;
    if (sends !== undefined) {
      try {
        return await sends.send(groupId, body);
      } catch (err) {
        if (!isLiveTransportFailure(err)) throw err;
      }
    }
    return this.#api.call('sendMessage', { params: { groupId }, body });
  }

  async #finishMessage(
    entry: Extract<OutboxRecord, { kind: 'message' }>,
    status: 'sent' | 'failed',
    seq: number | undefined,
    error: unknown,
    stamp?: FrankingStamp,
  ): Promise<void> {
    const writes: StoreWrite[] = [del(TABLES.outbox, entry.id)];
    const bytes = await this.#store.get(TABLES.messages, entry.messageKey);
    if (bytes !== undefined) {
      const r = decodeRecord<MessageRecordJson>(bytes, (v) => v.v === 1);
      // Our own opening, with the stamp every recipient got (the server tags once per message).
      const franking =
        stamp !== undefined && entry.frankingKey !== undefined
          ? ownFranking(entry.groupId, entry.content, entry.frankingKey, stamp)
          : undefined;
      writes.push(
        put(
          TABLES.messages,
          entry.messageKey,
          encodeRecord({
            ...r,
            status,
            ...(seq === undefined ? {} : { serverSeq: seq }),
            epoch: entry.epoch,
            ...(franking === undefined ? {} : { franking, serverTime: stamp?.serverTime }),
          }),
        ),
      );
    }
    const leaving = status === 'sent' && entry.after === 'leave';
    if (leaving) writes.push(del(TABLES.groupState, entry.groupId), del(TABLES.groupInfo, entry.groupId));
    await this.#store.write(writes);
    this.#events.emit('delivery', {
      groupId: entry.groupId,
      clientMessageId: entry.clientMessageId,
      state: status,
      ...(seq === undefined ? {} : { serverSeq: seq }),
      ...(error instanceof FulcrumError ? { error } : {}),
    });
    if (leaving) {
      const self = this.#requireSelf();
      this.#membership(entry.groupId, 'left', [{ accountId: self.accountId, deviceId: self.deviceId }]);
    }
  }

  // ───────────────────────────── internals: receiving ─────────────────────────────

  async #syncLocked(): Promise<SyncResult> {
    this.#requireSelf();
    await this.#resolvePendingCommits();
    const processed = await this.#drainQueue();
    await this.#reconcileLocked();
    const sent = await this.#flushOutbox();
    if (this.#keyPackagesDue) await this.#ensureKeyPackages();
    return { processed, sent };
  }

  async #afterConnectLocked(): Promise<void> {
    await this.#resolvePendingCommits();
    // Paused: pushed items are skipped until a retry gets past the held one; a reconnect is one.
    if (this.#receivePause !== undefined) await this.#drainQueue();
    await this.#reconcileLocked();
    await this.#flushOutbox();
    if (this.#keyPackagesDue) await this.#ensureKeyPackages();
  }

  /** Fetches and processes the queue until it is empty, acknowledging page by page. */
  async #drainQueue(): Promise<number> {
    let total = 0;
    for (;;) {
      const { items } = await this.#api.call('fetchQueue', {
        query: { after: this.#cursor, limit: QUEUE_PAGE },
        maxResponseBytes: QUEUE_MAX_RESPONSE_BYTES,
      });
      if (items.length === 0) break;
      try {
        total += await this.#processItems(items);
      } catch (err) {
        // Paused at an item (#pauseReceive): acknowledge what was processed before it, keep the
        // rest queued on the server, and let the caller go on (sends do not need the proof).
        if (!isRetryableKeyTransparency(err)) throw err;
        await this.#ackUpToCursor();
        return total;
      }
      await this.#ackUpToCursor();
      if (items.length < QUEUE_PAGE) break;
    }
    // Items processed before a crash or a lost ack are not fetched again (after = cursor) but are
    // still queued on the server: acknowledge them too.
    await this.#ackUpToCursor();
    this.#resumeReceive();
    return total;
  }

  /**
   * Receiving pauses at `item`: key transparency had no fresh enough checkpoint to prove a
   * credential it needs (`isRetryableKeyTransparency`). The item is neither processed nor
   * acknowledged, so it and every later one stay queued on the server, in order (MLS needs them
   * in order). The first pause of an episode emits `receive` (paused) and one `error` event
   * (context `receive-paused`); retries run with backoff, and at every `sync` and reconnect.
   */
  #pauseReceive(error: FulcrumError, item: QueueItem): void {
    if (this.#receivePause !== undefined) {
      this.#receivePause.error = error;
      return;
    }
    const pause: ReceivePause = { error, delay: this.#receiveRetry.first, timer: undefined };
    this.#receivePause = pause;
    this.#scheduleReceiveRetry(pause);
    this.#events.emit('receive', { state: 'paused', error, groupId: item.groupId, seq: item.seq });
    this.#events.emit('error', { error, context: 'receive-paused', groupId: item.groupId, seq: item.seq });
  }

  #scheduleReceiveRetry(pause: ReceivePause): void {
    if (this.#closed) return;
    pause.timer = setTimeout(() => {
      pause.timer = undefined;
      this.#background(async () => {
        if (this.#receivePause !== pause) return;
        try {
          await this.#syncLocked();
        } finally {
          if (this.#receivePause === pause && pause.timer === undefined) {
            pause.delay = Math.min(pause.delay * 2, this.#receiveRetry.max);
            this.#scheduleReceiveRetry(pause);
          }
        }
      });
    }, pause.delay);
  }

  /** The queue was drained past the held item: the episode ends. */
  #resumeReceive(): void {
    const pause = this.#receivePause;
    if (pause === undefined) return;
    if (pause.timer !== undefined) clearTimeout(pause.timer);
    this.#receivePause = undefined;
    this.#events.emit('receive', { state: 'resumed' });
  }

  async #ackUpToCursor(): Promise<void> {
    if (this.#cursor <= this.#acked) return;
    await this.#api.call('ackQueue', { body: { upTo: this.#cursor } });
    this.#acked = this.#cursor;
  }

  /** Processes items in seq order, skipping those already processed (seq ≤ cursor). */
  async #processItems(items: readonly QueueItem[]): Promise<number> {
    // A commit of ours whose answer never came must be settled first: if the server applied it,
    // the items that follow are for the epoch after it.
    await this.#resolvePendingCommits();
    let n = 0;
    for (const item of [...items].sort((a, b) => a.seq - b.seq)) {
      if (item.seq <= this.#cursor) continue;
      await this.#processOne(item);
      n++;
    }
    return n;
  }

  async #processOne(item: QueueItem): Promise<void> {
    this.#directory.transientFailure = undefined;
    this.#directory.lastRefusal = undefined;
    let outcome: ItemOutcome;
    try {
      outcome = await this.#handleItem(item);
    } catch (err) {
      const transient = this.#directory.transientFailure;
      const retry = transient ?? (isTransient(err) || isRetryableKeyTransparency(err) ? err : undefined);
      if (retry !== undefined) {
        // Not processed, not acknowledged: retried later (a network failure, or no fresh checkpoint).
        if (isRetryableKeyTransparency(retry)) this.#pauseReceive(retry, item);
        throw retry;
      }
      // A permanently bad item (malformed, undecryptable, not for us) must not block the queue.
      // A key-transparency refusal is the real reason behind e2ee's "credential not listed".
      const error = this.#directory.lastRefusal ?? err;
      this.#events.emit('error', { error, context: 'process-item', groupId: item.groupId, seq: item.seq });
      outcome = { writes: [], after: () => {} };
    }
    outcome.writes.push(put(TABLES.meta, K_CURSOR, enc(item.seq)));
    await this.#store.write(outcome.writes);
    this.#cursor = item.seq;
    outcome.after();
  }

  async #handleItem(item: QueueItem): Promise<ItemOutcome> {
    const payload = decodeBase64Url(item.payload);
    switch (item.kind) {
      case 'welcome':
        return this.#handleWelcome(item, payload);
      case 'commit':
      case 'proposal':
      case 'application':
        return this.#handleGroupMessage(item, payload);
      case 'event':
        return this.#handleEvent(item, payload);
    }
  }

  async #handleWelcome(item: QueueItem, payload: Uint8Array): Promise<ItemOutcome> {
    const joined = await this.#mls.joinFromWelcome(this.#requireDevice(), payload);
    const groupId = b64(joined.group.groupId);
    if (groupId !== item.groupId) throw clientError('client.bad_response', 'a Welcome routed under another group id');
    const info: GroupInfoRecord = { v: 1, groupId, joinedAt: this.#clock.now(), pendingRemovals: [] };
    return {
      writes: [
        put(TABLES.groupState, groupId, encodeGroupState(joined.group)),
        put(TABLES.groupInfo, groupId, encodeRecord(info)),
        put(TABLES.device, K_MLS, encodeDeviceState(joined.device)),
      ],
      after: () => {
        this.#device = joined.device;
        joined.wipeConsumed();
        this.#keyPackagesDue = true;
        const by = joined.group.members().find((m) => m.certificate.deviceId === item.senderDeviceId);
        this.#membership(
          groupId,
          'joined',
          joined.group.members().map(refOf),
          by === undefined ? {} : { by: refOf(by) },
        );
      },
    };
  }

  async #handleGroupMessage(item: QueueItem, payload: Uint8Array): Promise<ItemOutcome> {
    const stateBytes = await this.#store.get(TABLES.groupState, item.groupId);
    if (stateBytes === undefined) return { writes: [], after: () => {} }; // a group we left or never joined
    const group = decodeGroupState(stateBytes);
    let result: Awaited<ReturnType<MlsClient['processMessage']>>;
    try {
      result = await this.#mls.processMessage(group, payload);
    } catch (err) {
      // A handshake for an epoch we already passed (e.g. our own commit echoed) changes nothing.
      if (isFulcrumError(err, 'e2ee.stale_epoch') && item.kind !== 'application')
        return { writes: [], after: () => {} };
      throw err;
    }
    const groupId = item.groupId;
    const writes: StoreWrite[] = [];
    const wipe = () => result.wipeConsumed();
    if (result.kind === 'proposal') {
      // Fulcrum clients do not send proposals; another client's are kept in the state (MLS
      // commits include pending proposals) and otherwise ignored.
      writes.push(put(TABLES.groupState, groupId, encodeGroupState(result.group)));
      return { writes, after: wipe };
    }
    if (result.kind === 'commit') {
      const by = refOf(result.sender);
      const added = result.added.map(refOf);
      const removed = result.removed.map(refOf);
      if (result.removedSelf) {
        writes.push(del(TABLES.groupState, groupId), del(TABLES.groupInfo, groupId));
        return {
          writes,
          after: () => {
            wipe();
            this.#commitEvents(groupId, added, removed, by);
          },
        };
      }
      const info = await this.#groupInfo(groupId);
      const present = new Set<string>(result.group.members().map((m) => m.certificate.deviceId));
      const presentAccounts = new Set<string>(result.group.members().map((m) => m.certificate.accountId));
      const pendingRemovals = info.pendingRemovals.filter((p) =>
        p.deviceId !== undefined ? present.has(p.deviceId) : presentAccounts.has(p.accountId),
      );
      writes.push(
        put(TABLES.groupState, groupId, encodeGroupState(result.group)),
        put(TABLES.groupInfo, groupId, encodeRecord({ ...info, pendingRemovals })),
      );
      return {
        writes,
        after: () => {
          wipe();
          this.#commitEvents(groupId, added, removed, by);
        },
      };
    }
    // An application message: the ratchet moved on, so the new state is saved whatever the content.
    writes.push(put(TABLES.groupState, groupId, encodeGroupState(result.group)));
    const sender = refOf(result.sender);
    // Franking first: a message that could not be reported is dropped and flagged, never shown.
    let opened: { body: Uint8Array; franking: FrankingRecordJson };
    try {
      opened = openFranked(
        item,
        {
          groupId: result.group.groupId,
          epoch: result.epoch,
          plaintext: result.plaintext,
          authenticatedData: result.authenticatedData,
        },
        sender.deviceId,
      );
    } catch (err) {
      const error = clientError('client.franking_failed', 'a received message failed franking verification', {
        cause: err,
        detail: { reason: isFulcrumError(err) ? err.code : 'unknown' },
      });
      return {
        writes,
        after: () => {
          wipe();
          this.#frankingFailures++;
          this.#events.emit('franking', { groupId, seq: item.seq, sender, error });
        },
      };
    }
    let content: MessageContent;
    try {
      content = decodeMessageContent(opened.body);
    } catch (err) {
      return {
        writes,
        after: () => {
          wipe();
          this.#events.emit('error', { error: err, context: 'process-item', groupId, seq: item.seq });
        },
      };
    }
    const messageKey = this.#nextHistoryKey(groupId, writes);
    const record: MessageRecordJson = {
      v: 1,
      key: messageKey,
      groupId,
      direction: 'in',
      senderAccountId: sender.accountId,
      senderDeviceId: sender.deviceId,
      content: b64(opened.body),
      status: 'received',
      serverSeq: item.seq,
      serverTime: item.serverTime,
      createdAt: this.#clock.now(),
      epoch: Number(result.epoch),
      franking: opened.franking,
    };
    writes.push(put(TABLES.messages, messageKey, encodeRecord(record)));
    const self = this.#requireSelf();
    let membership: (() => void) | undefined;
    if (content.type === 'rename') {
      const info = await this.#groupInfo(groupId);
      writes.push(put(TABLES.groupInfo, groupId, encodeRecord({ ...info, name: content.name })));
      const name = content.name;
      membership = () => this.#membership(groupId, 'renamed', [], { by: sender, name });
    } else if (content.type === 'leave') {
      if (sender.accountId === self.accountId) {
        // Another device of our account left: the account leaves, so this device forgets the group too.
        writes.push(del(TABLES.groupState, groupId), del(TABLES.groupInfo, groupId));
        membership = () =>
          this.#membership(groupId, 'left', [sender, { accountId: self.accountId, deviceId: self.deviceId }], {
            by: sender,
          });
      } else {
        const info = await this.#groupInfo(groupId);
        const pendingRemovals = [
          ...info.pendingRemovals.filter((p) => !(p.accountId === sender.accountId && p.reason === 'left')),
          { accountId: sender.accountId, reason: 'left' as const },
        ];
        writes.push(put(TABLES.groupInfo, groupId, encodeRecord({ ...info, pendingRemovals })));
        membership = () => this.#membership(groupId, 'left', [sender], { by: sender });
      }
    }
    const message = await this.#messageRecord(record);
    return {
      writes,
      after: () => {
        wipe();
        if (content.type === 'text' || content.type === 'attachment')
          this.#events.emit('message', { groupId, message });
        membership?.();
      },
    };
  }

  async #handleEvent(item: QueueItem, payload: Uint8Array): Promise<ItemOutcome> {
    let json: unknown;
    try {
      json = JSON.parse(utf8Decode(payload));
    } catch (cause) {
      throw clientError('client.bad_response', 'event payload is not JSON', { cause });
    }
    const v = queueEventValidator(json);
    if (!v.ok) throw clientError('client.bad_response', 'unknown event', { detail: { path: v.path } });
    const event = v.value;
    if (event.type === 'moderation_notice') {
      // A moderation notice about this account: surfaced to the app, nothing stored.
      const { type: _type, ...notice } = event;
      return { writes: [], after: () => this.#events.emit('moderation', notice) };
    }
    // device_revoked: remember to commit the device's removal (reconcile), and mark it revoked.
    await this.#directory.markRevoked(event.accountId, event.deviceId, item.serverTime);
    const stateBytes = await this.#store.get(TABLES.groupState, item.groupId);
    if (stateBytes === undefined) return { writes: [], after: () => {} };
    const info = await this.#groupInfo(item.groupId);
    if (info.pendingRemovals.some((p) => p.deviceId === event.deviceId)) return { writes: [], after: () => {} };
    const pendingRemovals = [
      ...info.pendingRemovals,
      { accountId: event.accountId, deviceId: event.deviceId, reason: 'revoked' as const },
    ];
    return {
      writes: [put(TABLES.groupInfo, item.groupId, encodeRecord({ ...info, pendingRemovals }))],
      after: () => {},
    };
  }

  /**
   * Commits the removals this device owes: revoked devices, and the devices of accounts that
   * sent `leave`. Several members may try at once; the losers see `group.stale_epoch`, catch up,
   * find the device gone, and stop.
   */
  async #reconcileLocked(): Promise<void> {
    const me = this.#self;
    if (me === undefined) return;
    for (const e of await this.#store.list(TABLES.groupInfo)) {
      const info = decodeRecord<GroupInfoRecord>(e.value, (v) => v.v === 1 && Array.isArray(v.pendingRemovals));
      if (info.pendingRemovals.length === 0) continue;
      const groupId = info.groupId;
      try {
        await this.#commitWithRetry(groupId, async (group) => {
          const current = await this.#groupInfo(groupId);
          const targets = group
            .members()
            .filter(
              (m) =>
                m.certificate.deviceId !== me.deviceId &&
                current.pendingRemovals.some((p) =>
                  p.deviceId !== undefined
                    ? p.deviceId === m.certificate.deviceId
                    : p.accountId === m.certificate.accountId && p.accountId !== me.accountId,
                ),
            );
          if (targets.length === 0) return null;
          const result = await this.#mls.removeDevices(
            group,
            targets.map((m) => ({
              accountId: m.certificate.accountId,
              deviceId: m.certificate.deviceId,
            })),
          );
          return { result, addedDevices: [], removedDevices: result.removed.map((m) => m.certificate.deviceId) };
        });
        // Whatever is left now names no member (removed by us or by someone else): clear it.
        const stateBytes = await this.#store.get(TABLES.groupState, groupId);
        if (stateBytes === undefined) continue;
        const group = decodeGroupState(stateBytes);
        const current = await this.#groupInfo(groupId);
        const remaining = current.pendingRemovals.filter((p) =>
          group
            .members()
            .some(
              (m) =>
                m.certificate.deviceId !== me.deviceId &&
                (p.deviceId !== undefined
                  ? p.deviceId === m.certificate.deviceId
                  : p.accountId === m.certificate.accountId && p.accountId !== me.accountId),
            ),
        );
        await this.#store.write([
          put(TABLES.groupInfo, groupId, encodeRecord({ ...current, pendingRemovals: remaining })),
        ]);
      } catch (error) {
        if (isTransient(error)) throw error;
        // Behind a paused receive (already reported once): the removals stay pending, retried
        // at the next reconcile once the pause ends.
        if (isRetryableKeyTransparency(error) && this.#receivePause !== undefined) continue;
        this.#events.emit('error', { error, context: 'reconcile', groupId });
      }
    }
  }

  #parseFrame(text: string): WsServerFrame | undefined {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.#events.emit('error', {
        error: clientError('client.bad_response', 'a live frame is not JSON'),
        context: 'live',
      });
      return undefined;
    }
    const v = wsFrameValidator(json);
    if (!v.ok) {
      this.#events.emit('error', {
        error: clientError('client.bad_response', 'a live frame fails its schema', { detail: { path: v.path } }),
        context: 'live',
      });
      return undefined;
    }
    return v.value;
  }
}
