import { createHmac, randomBytes } from 'node:crypto';
import { encodeBase64Url } from '@fulcrum/common';
import {
  createServerTag,
  type FrankingContext,
  type HmacSha256,
  SERVER_KEY_LENGTH,
  type ServerFrankingKey,
} from '@fulcrum/franking';
import { type Kysely, sql } from 'kysely';
import { type Database, Tx, toDbBytes } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';

/** HMAC-SHA256 through Node's OpenSSL: the server tags every relayed application message. */
export const nodeHmacSha256: HmacSha256 = (key, message) => {
  const mac = createHmac('sha256', key).update(message).digest();
  return new Uint8Array(mac.buffer, mac.byteOffset, mac.byteLength);
};

/** Default rotation period of the server's franking key: 7 days. */
export const DEFAULT_FRANKING_ROTATION_MS = 7 * 24 * 3600_000;
/** Default report window: tags stay verifiable for 90 days after their key retires. */
export const DEFAULT_FRANKING_REPORT_WINDOW_MS = 90 * 24 * 3600_000;

/** Franking key policy (`ServerConfig.franking`). */
export interface FrankingKeyOptions {
  /** How long one key makes tags (ms). Default 7 days. */
  readonly rotationPeriodMs: number;
  /** How long after a key retires its tags still verify; then the key is deleted (ms). Default 90 days. */
  readonly reportWindowMs: number;
}

// pg_advisory_xact_lock key: serialises key rotation between server processes on one database.
const ROTATION_LOCK = 0x4672_616e; // "Fran"

/** A new key starts where the last one ended if that was less than this long ago (clock skew). */
const CONTIGUOUS_MS = 5000;

type Row = { key_id: string; secret: Uint8Array; created_at: number; retired_at: number | null };

function toKey(row: Row): ServerFrankingKey {
  const key: ServerFrankingKey = {
    keyId: row.key_id,
    key: new Uint8Array(row.secret),
    createdAt: Number(row.created_at),
  };
  if (row.retired_at !== null) key.retiredAt = Number(row.retired_at);
  return key;
}

/**
 * Every franking key in storage, by key id: the keyring `franking.verifyReportOpening` takes
 * (pass `policy.reportWindowMs` = the configured report window). Retired keys are included until
 * their report window has passed and they are deleted; `verifyServerTag` itself refuses a tag
 * past the window (`franking.key_expired`).
 */
export async function loadFrankingKeyring(db: Database | Tx): Promise<ReadonlyMap<string, ServerFrankingKey>> {
  const reader = db instanceof Tx ? db.db : db.kysely;
  const rows = await reader
    .selectFrom('franking_keys')
    .select(['key_id', 'secret', 'created_at', 'retired_at'])
    .execute();
  return new Map(rows.map((r) => [r.key_id, toKey(r)]));
}

/** What the relay hands every recipient of an application message, and the sender. */
export interface FrankingStamp {
  keyId: string;
  tag: Uint8Array;
  serverTime: number;
  epoch: number;
  seq: number;
}

/**
 * The server's franking keys (docs/protocol.md §Franking). One key is current at a time; it makes
 * tags from `createdAt` until `retiredAt = createdAt + rotationPeriodMs` (fixed when the key is
 * made, so every process that uses it stops at the same instant), then the next is made. Retired
 * keys stay for `reportWindowMs`, then are deleted. Rotation takes a transaction-scoped advisory
 * lock on PostgreSQL, so several processes starting or rotating at once agree on one key
 * (SQLite serialises writers itself).
 */
export class FrankingKeys {
  readonly #db: Database;
  readonly options: FrankingKeyOptions;
  #current: ServerFrankingKey | undefined;

  constructor(db: Database, options: Partial<FrankingKeyOptions> = {}) {
    this.#db = db;
    this.options = Object.freeze({
      rotationPeriodMs: options.rotationPeriodMs ?? DEFAULT_FRANKING_ROTATION_MS,
      reportWindowMs: options.reportWindowMs ?? DEFAULT_FRANKING_REPORT_WINDOW_MS,
    });
  }

  /** The keyring valid for verifying reports (see `loadFrankingKeyring`). */
  keyring(): Promise<ReadonlyMap<string, ServerFrankingKey>> {
    return loadFrankingKeyring(this.#db);
  }

  /**
   * The key that tags messages at `now`, made (and the previous one retired, expired ones
   * deleted) if none is current. Cached until it retires.
   */
  async current(now: number): Promise<ServerFrankingKey> {
    const cached = this.#current;
    if (cached !== undefined && cached.retiredAt !== undefined && now < cached.retiredAt) return cached;
    this.#current = await this.#db.transaction((tx) => this.#rotate(tx, now), { retries: 3 });
    return this.#current;
  }

  async #rotate(tx: Tx, now: number): Promise<ServerFrankingKey> {
    if (tx.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${ROTATION_LOCK})`.execute(tx.db);
    await tx.db
      .deleteFrom('franking_keys')
      .where('retired_at', '<', now - this.options.reportWindowMs)
      .execute();
    const newest = await tx.db
      .selectFrom('franking_keys')
      .select(['key_id', 'secret', 'created_at', 'retired_at'])
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (newest !== undefined && (newest.retired_at === null || now < Number(newest.retired_at))) {
      // Current (made by this or another process). A key without retired_at was retired by no
      // one: give it its scheduled end now.
      if (newest.retired_at === null) {
        const retiredAt = Math.max(Number(newest.created_at) + this.options.rotationPeriodMs, now + 1);
        await tx.db
          .updateTable('franking_keys')
          .set({ retired_at: retiredAt })
          .where('key_id', '=', newest.key_id)
          .execute();
        return toKey({ ...newest, retired_at: retiredAt });
      }
      return toKey(newest);
    }
    const secret = new Uint8Array(randomBytes(SERVER_KEY_LENGTH));
    // Contiguous with the key it replaces when that one only just ended, so a process whose clock
    // is a little behind never falls into a gap between two keys; after a longer pause, from now.
    const lastEnd =
      newest?.retired_at === undefined || newest.retired_at === null ? undefined : Number(newest.retired_at);
    const contiguous =
      lastEnd !== undefined && now - lastEnd < Math.min(CONTIGUOUS_MS, this.options.rotationPeriodMs / 2);
    const createdAt = contiguous ? lastEnd : now;
    const row: Row = {
      key_id: `fk_${encodeBase64Url(new Uint8Array(randomBytes(12)))}`,
      secret,
      created_at: createdAt,
      retired_at: createdAt + this.options.rotationPeriodMs,
    };
    await tx.db
      .insertInto('franking_keys')
      .values({ ...row, secret: toDbBytes(secret) })
      .execute();
    return toKey(row);
  }

  /**
   * Tags `commitment` with the current key over `context` (whose `keyId` and `serverTime` are
   * filled in here). `serverTime` is `now`, raised to the key's `createdAt` if another process
   * with a clock slightly ahead made the key, so the tag always lies inside the key's lifetime.
   */
  static tag(
    key: ServerFrankingKey,
    commitment: Uint8Array,
    context: Omit<FrankingContext, 'keyId'>,
  ): { keyId: string; tag: Uint8Array } {
    return {
      keyId: key.keyId,
      tag: createServerTag(key, commitment, { ...context, keyId: key.keyId }, nodeHmacSha256),
    };
  }

  /** Deletes keys whose report window has passed; returns how many. */
  deleteExpired(now: number): Promise<number> {
    return deleteExpiredFrankingKeys(this.#db.kysely, now - this.options.reportWindowMs);
  }
}

/**
 * Deletes the franking keys retired before `before` (= now − report window): their tags can no
 * longer be verified anyway. Rotation does it too; the cleanup job does it on an idle server.
 */
export async function deleteExpiredFrankingKeys(
  db: Kysely<DatabaseSchema> | Tx['db'],
  before: number,
): Promise<number> {
  const r = await db.deleteFrom('franking_keys').where('retired_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The time a message is stamped with under `key`: never before the key's start. */
export function frankingTime(key: ServerFrankingKey, now: number): number {
  return Math.max(now, key.createdAt);
}
