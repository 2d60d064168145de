import { decodeBase64Url, encodeBase64Url } from '@fulcrum/common';
import {
  deriveLabelKeyPair,
  EMPTY_ROOT,
  formatVerifierKey,
  generateEd25519NoteKey,
  LABEL_KEY_ENTRY,
  type NoteSigner,
  parseEd25519PrivateKey,
  signCheckpoint,
  treeSize,
  type VoprfKeyPair,
} from '@fulcrum/tlog';
import type { Database } from '../db/database.js';
import { toDbBytes } from '../db/database.js';
import { appendLogEntry } from './sequencer.js';
import { randomBytes } from 'node:crypto';

/** The log's keys, loaded from storage (created on first start). */
export interface LogKeys {
  /** The checkpoint origin; also the note key's name (c2sp.org/tlog-checkpoint). */
  readonly origin: string;
  readonly signer: NoteSigner;
  /** The C2SP verifier key string clients pin (`<origin>+<keyid>+<base64(0x01‖key)>`). */
  readonly vkey: string;
  /** The VOPRF key that makes account labels (its public half is logged as `kt.label_key`). */
  readonly labelKey: VoprfKeyPair;
}

/**
 * Opens the log's storage: creates the sequencer row, the Ed25519 checkpoint key, the VOPRF label
 * key (logging its public half as the log's first `kt.label_key` entry, in the same transaction)
 * and the empty checkpoint, each only if absent (`on conflict do nothing`, so concurrent first
 * starts agree). Throws if storage holds a key for another origin than `origin`.
 */
export async function openLogKeys(db: Database, options: { origin?: string; now: number }): Promise<LogKeys> {
  return db.transaction(
    async (tx) => {
      await tx.db
        .insertInto('log_sequence')
        .values({ id: 1, next_index: 0 })
        .onConflict((oc) => oc.doNothing())
        .execute();
      const stored = await tx.db
        .selectFrom('log_keys')
        .select('secret')
        .where('purpose', '=', 'checkpoint')
        .executeTakeFirst();
      let privateKey = stored?.secret;
      if (privateKey === undefined) {
        privateKey = generateEd25519NoteKey(options.origin ?? DEFAULT_LOG_ORIGIN).privateKey;
        await tx.db
          .insertInto('log_keys')
          .values({ purpose: 'checkpoint', secret: privateKey, created_at: options.now })
          .onConflict((oc) => oc.doNothing())
          .execute();
        privateKey = (
          await tx.db
            .selectFrom('log_keys')
            .select('secret')
            .where('purpose', '=', 'checkpoint')
            .executeTakeFirstOrThrow()
        ).secret;
      }
      const signer = parseEd25519PrivateKey(privateKey);
      if (options.origin !== undefined && options.origin !== signer.name) {
        throw new Error(`the stored transparency-log key is for origin ${signer.name}, not the configured one`);
      }
      const seed = randomBytes(32);
      const insertedLabel = await tx.db
        .insertInto('log_keys')
        .values({ purpose: 'kt_label', secret: encodeBase64Url(seed), created_at: options.now })
        .onConflict((oc) => oc.doNothing())
        .returning('purpose')
        .executeTakeFirst();
      seed.fill(0);
      const labelRow = await tx.db
        .selectFrom('log_keys')
        .select('secret')
        .where('purpose', '=', 'kt_label')
        .executeTakeFirstOrThrow();
      const labelKey = deriveLabelKeyPair(decodeBase64Url(labelRow.secret, 32));
      if (insertedLabel !== undefined) {
        await appendLogEntry(
          tx,
          {
            kind: LABEL_KEY_ENTRY.kind,
            version: LABEL_KEY_ENTRY.version,
            time: options.now,
            body: LABEL_KEY_ENTRY.encodeBody({ suite: 'ristretto255-SHA512', publicKey: labelKey.publicKey }),
          },
          'kt:label_key',
        );
      }
      const note = await signCheckpoint(
        { origin: signer.name, size: treeSize(0), rootHash: EMPTY_ROOT, extensions: [] },
        [signer],
      );
      await tx.db
        .insertInto('log_checkpoint')
        .values({ id: 1, size: 0, root_hash: toDbBytes(EMPTY_ROOT), note, updated_at: options.now })
        .onConflict((oc) => oc.doNothing())
        .execute();
      return { origin: signer.name, signer, vkey: formatVerifierKey(signer), labelKey };
    },
    { retries: 3 },
  );
}

/** The origin used when none is configured (C2SP: a schema-less URL; set your own in production). */
export const DEFAULT_LOG_ORIGIN = 'localhost/fulcrum/log';
