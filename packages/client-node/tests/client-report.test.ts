/**
 * Reporting end to end through the client SDK and the real server (docs/protocol.md §Reports), on
 * SQLite and PostgreSQL: real MLS messages franked by real clients, the stamps the server put on
 * them, the openings the recipient stored, `client.report()` revealing them — with context, an
 * image attachment the server decrypts and hashes, and a block that stops the sender's messages.
 */
import { createHash } from 'node:crypto';
import type { MessageRecord } from '@fulcrum/client';
import { isFulcrumError } from '@fulcrum/common';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupDirs, openDevice, type TestDevice, unique } from './helpers.js';

function textOf(m: MessageRecord): string {
  return m.content.type === 'text' ? m.content.text : m.content.type;
}

describe.each(['sqlite', 'postgres'] as const)('client.report (%s)', (dialect) => {
  let platform: TestPlatform;
  const open: TestDevice[] = [];
  let a: TestDevice;
  let b: TestDevice;
  let c: TestDevice;
  let groupId: string;

  beforeAll(async () => {
    platform = await startTestPlatform({ dialect });
    a = await openDevice(platform.url);
    b = await openDevice(platform.url);
    c = await openDevice(platform.url);
    open.push(a, b, c);
    const names = [unique('alice'), unique('bob'), unique('carol')];
    await a.client.register(names[0] as string);
    await b.client.register(names[1] as string);
    await c.client.register(names[2] as string);
    groupId = (await a.client.createConversation({ members: names.slice(1) })).groupId;
    await b.client.sync();
    await c.client.sync();
  }, 60_000);
  afterAll(async () => {
    for (const d of open) await d.client.close().catch(() => {});
    await platform?.close();
    cleanupDirs();
  });

  it('reports a received message with earlier context; the server stores the verified content', async () => {
    await c.client.sendText(groupId, 'context one');
    await a.client.sync();
    await a.client.sendText(groupId, 'context two');
    await a.client.sendText(groupId, 'the reported message');
    await b.client.sync();
    const history = await b.client.history(groupId);
    const reported = history.find((m) => textOf(m) === 'the reported message') as MessageRecord;
    const receipt = await b.client.report({
      groupId,
      messageIds: [reported.key],
      category: 'harassment',
      note: 'keeps writing this',
      contextCount: 2,
    });
    expect(receipt).toMatchObject({ messages: 3, files: 0, blocked: false });
    const kysely = platform.db.kysely;
    const row = await kysely
      .selectFrom('reports')
      .selectAll()
      .where('id', '=', receipt.reportId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      reporter_account_id: b.client.self?.accountId,
      reported_account_id: a.client.self?.accountId,
      conversation_id: groupId,
      category: 'harassment',
      note: 'keeps writing this',
      status: 'open',
    });
    const msgs = await kysely
      .selectFrom('report_messages')
      .selectAll()
      .where('report_id', '=', receipt.reportId)
      .orderBy('position')
      .execute();
    expect(msgs.map((m) => [m.role, new TextDecoder().decode(m.body ?? new Uint8Array())])).toEqual([
      ['context', expect.stringContaining('context one')],
      ['context', expect.stringContaining('context two')],
      ['reported', expect.stringContaining('the reported message')],
    ]);
    expect(msgs.map((m) => m.sender_account_id)).toEqual([
      c.client.self?.accountId,
      a.client.self?.accountId,
      a.client.self?.accountId,
    ]);
    // The same message again from this account: a replay.
    const again = await b.client.report({ groupId, messageIds: [reported.key], category: 'spam' }).catch((e) => e);
    expect(isFulcrumError(again, 'report.replayed')).toBe(true);
  });

  it('reports an image: the server decrypts the real blob, checks it against the commitment, hashes it', async () => {
    const png = new Uint8Array(
      await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 90 } } })
        .composite([{ input: Buffer.from([0, 0, 0]), raw: { width: 1, height: 1, channels: 3 }, left: 5, top: 5 }])
        .png()
        .toBuffer(),
    );
    await a.client.sendAttachment(groupId, { data: png, name: 'p.png', mediaType: 'image/png' });
    await b.client.sync();
    const photo = (await b.client.history(groupId)).at(-1) as MessageRecord;
    expect(photo.content.type).toBe('attachment');
    const receipt = await b.client.report({ groupId, messageIds: [photo.key], category: 'child_sexual_exploitation' });
    expect(receipt.files).toBe(1);
    const file = await platform.db.kysely
      .selectFrom('report_files')
      .selectAll()
      .where('report_id', '=', receipt.reportId)
      .executeTakeFirstOrThrow();
    expect(new Uint8Array(file.content ?? new Uint8Array())).toEqual(png);
    expect(Buffer.from(file.md5).toString('hex')).toBe(createHash('md5').update(png).digest('hex'));
    expect(file.pdq).toMatch(/^[0-9a-f]{64}$/);
  });

  it('blockSender: the reported sender’s later messages no longer reach the reporter', async () => {
    await a.client.sendText(groupId, 'one more');
    await b.client.sync();
    const last = (await b.client.history(groupId)).at(-1) as MessageRecord;
    const receipt = await b.client.report({ groupId, messageIds: [last.key], category: 'spam', blockSender: true });
    expect(receipt.blocked).toBe(true);
    await a.client.sendText(groupId, 'after the block');
    await c.client.sendText(groupId, 'carol after the block');
    await b.client.sync();
    await c.client.sync();
    const atB = (await b.client.history(groupId)).map(textOf);
    expect(atB).not.toContain('after the block');
    expect(atB).toContain('carol after the block');
    expect((await c.client.history(groupId)).map(textOf)).toContain('after the block');
    // The MLS state stays shared: a commit by the blocked sender still reaches the reporter.
    const d = await openDevice(platform.url);
    open.push(d);
    const dName = unique('dave');
    await d.client.register(dName);
    await a.client.addMembers(groupId, [dName]);
    await b.client.sync();
    await b.client.sendText(groupId, 'bob still in step');
    await c.client.sync();
    expect((await c.client.history(groupId)).map(textOf)).toContain('bob still in step');
  });

  it('refuses out-of-range input before asking the server', async () => {
    const last = (await b.client.history(groupId)).at(-1) as MessageRecord;
    for (const bad of [
      { messageIds: [] },
      { messageIds: [last.key], contextCount: 51 },
      { messageIds: [last.key], note: 'x'.repeat(2001) },
    ]) {
      const err = await b.client.report({ groupId, category: 'other', ...bad }).catch((e) => e);
      expect(isFulcrumError(err, 'client.not_allowed')).toBe(true);
    }
    const unknown = await b.client
      .report({ groupId, category: 'other', messageIds: [`${groupId}/nope`] })
      .catch((e) => e);
    expect(isFulcrumError(unknown, 'client.unknown_message')).toBe(true);
  });
});
