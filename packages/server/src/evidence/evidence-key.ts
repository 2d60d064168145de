import { decodeBase64Url, encodeBase64Url } from '@fulcrum/common';
import {
  type EvidenceSigningKey,
  evidenceKeyId,
  evidenceSigningKeyFromSecret,
  generateEvidenceSigningKey,
} from '@fulcrum/evidence';
import type { Kysely } from 'kysely';
import { type Database, toDbBytes } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';

const PURPOSE = 'bundle';

/**
 * The platform's evidence signing key: created on first start (`on conflict do nothing`, so
 * concurrent first starts agree on one key, as the log's keys do in log/log-keys.ts), then
 * loaded. The secret never leaves storage except into this process.
 */
export async function openEvidenceKey(db: Database, now: number): Promise<EvidenceSigningKey> {
  return db.transaction(
    async (tx) => {
      const stored = await tx.db
        .selectFrom('evidence_keys')
        .select('secret')
        .where('purpose', '=', PURPOSE)
        .executeTakeFirst();
      if (stored === undefined) {
        const key = generateEvidenceSigningKey();
        await tx.db
          .insertInto('evidence_keys')
          .values({
            purpose: PURPOSE,
            key_id: key.keyId,
            secret: encodeBase64Url(key.secretKey),
            public_key: toDbBytes(key.publicKey),
            created_at: now,
          })
          .onConflict((oc) => oc.doNothing())
          .execute();
        key.secretKey.fill(0);
      }
      const row = await tx.db
        .selectFrom('evidence_keys')
        .select('secret')
        .where('purpose', '=', PURPOSE)
        .executeTakeFirstOrThrow();
      const seed = decodeBase64Url(row.secret, 32);
      try {
        return evidenceSigningKeyFromSecret(seed);
      } finally {
        seed.fill(0);
      }
    },
    { retries: 3 },
  );
}

/** The evidence public key (32 bytes) and its id, or undefined before the key exists. */
export async function loadEvidencePublicKey(
  db: Kysely<DatabaseSchema>,
): Promise<{ publicKey: Uint8Array; keyId: string } | undefined> {
  const row = await db
    .selectFrom('evidence_keys')
    .select(['public_key', 'key_id'])
    .where('purpose', '=', PURPOSE)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const publicKey = new Uint8Array(row.public_key);
  if (evidenceKeyId(publicKey) !== row.key_id) throw new Error('stored evidence key id does not match its key');
  return { publicKey, keyId: row.key_id };
}
