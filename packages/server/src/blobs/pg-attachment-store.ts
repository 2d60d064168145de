import { Readable } from 'node:stream';
import { encodeBase64Url, randomBytes } from '@fulcrum/common';
import { type Database, toDbBytes } from '../db/database.js';
import type { AttachmentStore, OpenedAttachment, UploadInput, UploadResult } from './attachment-store.js';
import { UploadGuard } from './upload-guard.js';

/** Bytes per row of `attachment_chunks`. */
export const PG_CHUNK_BYTES = 256 * 1024;

/**
 * Blobs as fixed-size chunks in PostgreSQL, so every server process sharing the database
 * serves every blob. An upload is one transaction of its own (chunks, then the row): a refused
 * or broken upload leaves nothing behind, and it never holds up the group-commit writer.
 */
export class PgAttachmentStore implements AttachmentStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async upload(input: UploadInput): Promise<UploadResult> {
    const attachmentId = encodeBase64Url(randomBytes(16));
    const guard = new UploadGuard(input.maxBytes);
    return this.#db.transaction(async (tx) => {
      let idx = 0;
      let pending: Uint8Array[] = [];
      let pendingBytes = 0;
      const flush = async (all: boolean) => {
        while (pendingBytes >= PG_CHUNK_BYTES || (all && pendingBytes > 0)) {
          const joined = Buffer.concat(pending);
          const take = Math.min(PG_CHUNK_BYTES, joined.length);
          await tx.db
            .insertInto('attachment_chunks')
            .values({ attachment_id: attachmentId, idx: idx++, data: toDbBytes(joined.subarray(0, take)) })
            .execute();
          const rest = joined.subarray(take);
          pending = rest.length > 0 ? [rest] : [];
          pendingBytes = rest.length;
        }
      };
      for await (const chunk of input.source) {
        guard.add(chunk);
        pending.push(chunk);
        pendingBytes += chunk.length;
        await flush(false);
      }
      await flush(true);
      const sha256 = guard.finish(input.expectedSha256);
      await tx.db
        .insertInto('attachments')
        .values({
          attachment_id: attachmentId,
          uploader_device_id: input.uploaderDeviceId,
          size: guard.size,
          sha256: toDbBytes(sha256),
          created_at: input.now,
        })
        .execute();
      return { attachmentId, size: guard.size, sha256 };
    });
  }

  async open(attachmentId: string): Promise<OpenedAttachment | undefined> {
    const row = await this.#db.kysely
      .selectFrom('attachments')
      .select('size')
      .where('attachment_id', '=', attachmentId)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const db = this.#db.kysely;
    const chunks = Math.ceil(row.size / PG_CHUNK_BYTES);
    // One chunk per read: memory stays at one chunk whatever the blob size.
    async function* read(): AsyncGenerator<Uint8Array> {
      for (let idx = 0; idx < chunks; idx++) {
        const chunk = await db
          .selectFrom('attachment_chunks')
          .select('data')
          .where('attachment_id', '=', attachmentId)
          .where('idx', '=', idx)
          .executeTakeFirstOrThrow();
        yield chunk.data;
      }
    }
    return { size: row.size, stream: Readable.from(read(), { objectMode: false }) };
  }
}
