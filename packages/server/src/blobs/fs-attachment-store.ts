import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeBase64Url, randomBytes } from '@fulcrum/common';
import { type Database, toDbBytes } from '../db/database.js';
import type { WriteQueue } from '../write-queue.js';
import type { AttachmentStore, OpenedAttachment, UploadInput, UploadResult } from './attachment-store.js';
import { UploadGuard } from './upload-guard.js';

/**
 * Blobs as files under `<dataDir>/blobs/` (the SQLite deployment: one process). A blob is
 * written to `tmp/`, fsynced, renamed into place and its directory fsynced before its row is
 * committed, so a committed row always has its complete file.
 */
export class FsAttachmentStore implements AttachmentStore {
  readonly #root: string;
  readonly #db: Database;
  readonly #writer: WriteQueue;

  constructor(dataDir: string, db: Database, writer: WriteQueue) {
    this.#root = join(dataDir, 'blobs');
    this.#db = db;
    this.#writer = writer;
  }

  #path(attachmentId: string): string {
    // ids are base64url: safe as file names.
    return join(this.#root, attachmentId.slice(0, 2), attachmentId);
  }

  async upload(input: UploadInput): Promise<UploadResult> {
    const attachmentId = encodeBase64Url(randomBytes(16));
    const tmpDir = join(this.#root, 'tmp');
    await mkdir(tmpDir, { recursive: true, mode: 0o700 });
    const tmp = join(tmpDir, attachmentId);
    const final = this.#path(attachmentId);
    const guard = new UploadGuard(input.maxBytes);
    let placed = false;
    try {
      const file = await open(tmp, 'wx', 0o600);
      try {
        for await (const chunk of input.source) {
          guard.add(chunk);
          await file.write(chunk);
        }
        await file.sync();
      } finally {
        await file.close();
      }
      const sha256 = guard.finish(input.expectedSha256);
      await mkdir(join(this.#root, attachmentId.slice(0, 2)), { recursive: true, mode: 0o700 });
      await rename(tmp, final);
      placed = true;
      await fsyncDir(join(this.#root, attachmentId.slice(0, 2)));
      await this.#writer.submit(async (tx) => {
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
      });
      return { attachmentId, size: guard.size, sha256 };
    } catch (err) {
      await rm(placed ? final : tmp, { force: true });
      throw err;
    }
  }

  async open(attachmentId: string): Promise<OpenedAttachment | undefined> {
    const row = await this.#db.kysely
      .selectFrom('attachments')
      .select('size')
      .where('attachment_id', '=', attachmentId)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return { size: row.size, stream: createReadStream(this.#path(attachmentId)) };
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
