/**
 * `createNodeClient`: a FulcrumClient on disk — SqliteClientStore in `dataDir`, NodeTransport to
 * `server` — plus file helpers for attachments.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { type AttachmentContent, FulcrumClient, type FulcrumClientOptions, type SendReceipt } from '@fulcrum/client';
import { isFulcrumError } from '@fulcrum/common';
import { clientNodeError } from './errors.js';
import { NodeTransport } from './node-transport.js';
import { SqliteClientStore } from './sqlite-store.js';

export interface NodeClientOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8080`. */
  readonly server: string;
  /** The device's data directory (created 0700 if missing). One process at a time. */
  readonly dataDir: string;
  /** Overrides for the core client (clock, random, KeyPackage target, attachment limit, reconnect delays). */
  readonly options?: Omit<FulcrumClientOptions, 'store' | 'transport'>;
  /** HTTP timeout per request (ms); default 30 s. */
  readonly timeoutMs?: number;
}

/**
 * Opens (or creates) the device stored in `dataDir`, talking to `server`. Throws
 * `client-node.data_dir_locked` if another process has the directory open. Call `close()` when done.
 */
export async function createNodeClient(options: NodeClientOptions): Promise<FulcrumClient> {
  const transport = new NodeTransport(
    options.server,
    options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
  );
  const store = new SqliteClientStore(options.dataDir);
  try {
    return await FulcrumClient.open({ ...(options.options ?? {}), store, transport });
  } catch (err) {
    await store.close();
    throw err;
  }
}

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.json': 'application/json',
  '.mp4': 'video/mp4',
  '.mp3': 'audio/mpeg',
  '.zip': 'application/zip',
};

/** A media type guessed from a file name's extension (`application/octet-stream` if unknown). */
export function mediaTypeFor(fileName: string): string {
  return MEDIA_TYPES[extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Sends a file as an encrypted attachment. The whole file is read (and encrypted) in memory, so
 * its size is checked against `maxBytes` (default 25 MiB, the server's default limit) first.
 */
export async function sendFile(
  client: FulcrumClient,
  groupId: string,
  path: string,
  options: { name?: string; mediaType?: string; maxBytes?: number } = {},
): Promise<SendReceipt> {
  const limit = options.maxBytes ?? 25 * 1024 * 1024;
  let data: Uint8Array;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a regular file');
    if (s.size > limit) {
      throw clientNodeError('client-node.file_too_large', 'the file is larger than the attachment limit', {
        detail: { path, limit },
      });
    }
    data = new Uint8Array(await readFile(path));
  } catch (cause) {
    if (isFulcrumError(cause, 'client-node.file_too_large')) throw cause;
    throw clientNodeError('client-node.file_unreadable', 'cannot read the file', { cause, detail: { path } });
  }
  const name = options.name ?? basename(path);
  return client.sendAttachment(groupId, { data, name, mediaType: options.mediaType ?? mediaTypeFor(name) });
}

/**
 * Downloads, verifies and decrypts an attachment, and writes it to `path` atomically (a temporary
 * file in the same directory, then rename), mode 0600. Returns the number of bytes written.
 */
export async function saveAttachment(client: FulcrumClient, content: AttachmentContent, path: string): Promise<number> {
  const data = await client.fetchAttachment(content);
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.part`);
  try {
    await writeFile(tmp, data, { mode: 0o600, flag: 'wx' });
    await rename(tmp, path);
  } catch (cause) {
    await unlink(tmp).catch(() => {});
    throw clientNodeError('client-node.file_unreadable', 'cannot write the attachment', { cause, detail: { path } });
  }
  return data.length;
}
