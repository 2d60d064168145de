/** Attachments: streamed upload and download, the size limit (declared and streamed), digests, refusals. */
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  rawRequest,
  signRequestHeaders,
  startTestPlatform,
  type TestDevice,
  type TestPlatform,
  registerTestAccount,
} from '@fulcrum/testkit';
import { type ErrorBody, UploadAttachmentResponse, createValidator } from '@fulcrum/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, snapshot } from './helpers.js';

const LIMIT = 3 * 1024 * 1024;

/** Uploads `chunks` as a streamed (chunked, no content-length) body. */
async function streamUpload(url: string, device: TestDevice, chunks: Uint8Array[], digestOf?: Uint8Array) {
  const whole = Buffer.concat(chunks);
  const headers = signRequestHeaders(device, {
    method: 'POST',
    pathAndQuery: '/v1/attachments',
    body: digestOf ?? whole,
    contentSha256Header: true,
  });
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else controller.close();
    },
  });
  const res = await fetch(`${url}/v1/attachments`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    body,
    duplex: 'half',
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as unknown };
}

describe.each(['sqlite', 'postgres'] as const)('attachments (%s)', (dialect) => {
  let p: TestPlatform;
  let alice: TestDevice;
  let bob: TestDevice;

  beforeAll(async () => {
    p = await startTestPlatform({ dialect, server: { attachmentMaxBytes: LIMIT } });
    alice = await registerTestAccount(p.url, 'alice');
    bob = await registerTestAccount(p.url, 'bob');
  });
  afterAll(() => p?.close());

  async function blobFiles(): Promise<string[]> {
    if (p.storage.dialect !== 'sqlite') return [];
    const root = join(p.storage.dataDir, 'blobs');
    const out: string[] = [];
    for (const dir of await readdir(root).catch(() => [])) {
      for (const f of await readdir(join(root, dir)).catch(() => [])) out.push(`${dir}/${f}`);
    }
    return out.sort();
  }

  it('round-trips a multi-chunk blob byte for byte, streamed both ways', async () => {
    const blob = randomBytes(LIMIT - 1000);
    const up = await streamUpload(p.url, alice, [
      blob.subarray(0, 700_000),
      blob.subarray(700_000, 2_000_000),
      blob.subarray(2_000_000),
    ]);
    expect(up.status).toBe(201);
    expect(createValidator(UploadAttachmentResponse)(up.body).ok).toBe(true);
    const { attachmentId, size, sha256 } = up.body as UploadAttachmentResponse;
    expect(size).toBe(blob.length);
    expect(sha256).toBe(createHash('sha256').update(blob).digest('base64url'));
    // Any authenticated device may fetch it by id (the id is a 128-bit capability shared inside MLS).
    const down = await rawRequest(p.url, 'GET', `/v1/attachments/${attachmentId}`, { signer: bob });
    expect(down.status).toBe(200);
    expect(down.headers.get('content-type')).toBe('application/octet-stream');
    expect(down.headers.get('content-length')).toBe(String(blob.length));
    expect(Buffer.from(down.bytes).equals(blob)).toBe(true);
    // What is stored is exactly the opaque upload.
    const row = await p.db.kysely
      .selectFrom('attachments')
      .selectAll()
      .where('attachment_id', '=', attachmentId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ size: blob.length, uploader_device_id: alice.deviceId });
    if (dialect === 'postgres') {
      const chunks = await p.db.kysely
        .selectFrom('attachment_chunks')
        .select(['idx', 'data'])
        .where('attachment_id', '=', attachmentId)
        .orderBy('idx')
        .execute();
      expect(chunks.length).toBe(Math.ceil(blob.length / (256 * 1024)));
      expect(Buffer.concat(chunks.map((c) => c.data)).equals(blob)).toBe(true);
    }
  });

  it('uploads an empty and a small blob with content-length', async () => {
    for (const blob of [new Uint8Array(0), new Uint8Array(randomBytes(1234))]) {
      const up = await rawRequest<UploadAttachmentResponse>(p.url, 'POST', '/v1/attachments', {
        signer: alice,
        body: blob,
      });
      expect(up.status).toBe(201);
      const down = await rawRequest(p.url, 'GET', `/v1/attachments/${up.body.attachmentId}`, { signer: alice });
      expect(Buffer.from(down.bytes).equals(Buffer.from(blob))).toBe(true);
    }
  });

  it('refuses an upload over the limit — declared or streamed — and keeps nothing of it', async () => {
    const before = await snapshot(p.db);
    const files = await blobFiles();
    const declared = await rawRequest(p.url, 'POST', '/v1/attachments', {
      signer: alice,
      body: new Uint8Array(LIMIT + 1),
    });
    expect(declared.status).toBe(413);
    expect((declared.body as ErrorBody).error).toMatchObject({
      code: 'attachment.too_large',
      detail: { limit: LIMIT },
    });
    const chunk = new Uint8Array(512 * 1024);
    const streamed = await streamUpload(
      p.url,
      alice,
      Array.from({ length: 7 }, () => chunk),
    );
    expect(streamed.status).toBe(413);
    expect((streamed.body as ErrorBody).error.code).toBe('attachment.too_large');
    expect(await snapshot(p.db)).toEqual(before);
    expect(await blobFiles()).toEqual(files);
  });

  it('refuses bytes that do not match the signed digest, uploads without one, wrong types and unknown ids', async () => {
    const before = await snapshot(p.db);
    const mismatch = await streamUpload(p.url, alice, [randomBytes(1000)], randomBytes(1000));
    expect(mismatch.status).toBe(400);
    expect((mismatch.body as ErrorBody).error.code).toBe('attachment.digest_mismatch');
    const noDigest = await rawRequest(p.url, 'POST', '/v1/attachments', {
      signer: alice,
      body: randomBytes(10),
      sign: { contentSha256Header: false },
    });
    expect((noDigest.body as ErrorBody).error.code).toBe('auth.missing');
    const json = await rawRequest(p.url, 'POST', '/v1/attachments', { signer: alice, body: { a: 1 } });
    expect(json.status).toBe(415);
    const unsigned = await rawRequest(p.url, 'POST', '/v1/attachments', { body: randomBytes(10) });
    expect(unsigned.status).toBe(401);
    const missing = await rawRequest(p.url, 'GET', `/v1/attachments/${randomId()}`, { signer: alice });
    expect(missing.status).toBe(404);
    expect((missing.body as ErrorBody).error.code).toBe('attachment.not_found');
    expect(await snapshot(p.db)).toEqual(before);
  });
});
