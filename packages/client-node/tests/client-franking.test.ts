/**
 * Franking end to end through the real server and the client SDK (docs/protocol.md §Franking), on
 * SQLite and PostgreSQL: three accounts in a group get one and the same server tag; every stored
 * message (received, and the sender's own) keeps an opening that verifies under the server's
 * keyring, attachments included (the body commits to key, both SHA-256s, size, type); a real MLS
 * ciphertext whose commitment does not open is dropped and flagged; a lying server's context
 * (another sender) is dropped and flagged; forwards are new franked messages with a count.
 */
import { randomBytes } from 'node:crypto';
import {
  decodeMessageContent,
  FORWARD_HARD_CAP,
  FORWARDED_MANY_TIMES,
  MAX_FORWARD_TARGETS,
  encodeMessageContent,
  type FrankingOpening,
  type MessageRecord,
  TABLES,
} from '@fulcrum/client';
import { SqliteClientStore } from '@fulcrum/client-node';
import { isFulcrumError, utf8Decode, utf8Encode } from '@fulcrum/common';
import { createMlsClient, decodeGroupState, encodeGroupState } from '@fulcrum/e2ee';
import {
  commitMessage,
  createFrankingKey,
  encodeFrankedEnvelope,
  encodeFrankingAad,
  verifyReportOpening,
} from '@fulcrum/franking';
import { rawRequest, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import type { QueueResponse } from '@fulcrum/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupDirs, openDevice, type TestDevice, unique } from './helpers.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');

function textOf(m: MessageRecord): string {
  return m.content.type === 'text' ? m.content.text : m.content.type;
}

describe.each(['sqlite', 'postgres'] as const)('franking through the client SDK (%s)', (dialect) => {
  let platform: TestPlatform;
  const open: TestDevice[] = [];
  let a: TestDevice;
  let b: TestDevice;
  let c: TestDevice;
  let groupId: string;

  /** Verifies an opening the way report intake will: with the server's keyring. */
  async function verifies(body: Uint8Array, o: FrankingOpening) {
    const keyring = await platform.server.franking.keyring();
    return verifyReportOpening(
      keyring,
      { body, frankingKey: o.frankingKey, context: o.context, tag: o.tag },
      { now: Date.now(), reportWindowMs: platform.server.config.franking.reportWindowMs },
    );
  }

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

  it('every member stores the same stamp; each opening (received and own) verifies under the server key', async () => {
    const receipt = await a.client.sendText(groupId, 'franked hello');
    expect(receipt.status).toBe('sent');
    await b.client.sync();
    await c.client.sync();
    const own = (await a.client.history(groupId)).at(-1) as MessageRecord;
    const atB = (await b.client.history(groupId)).at(-1) as MessageRecord;
    const atC = (await c.client.history(groupId)).at(-1) as MessageRecord;
    for (const m of [own, atB, atC]) expect(textOf(m)).toBe('franked hello');
    const [fa, fb, fc] = [own.franking, atB.franking, atC.franking] as FrankingOpening[];
    expect(fa).toBeDefined();
    // One tag for all: recipients and the sender hold byte-identical stamps and commitments.
    for (const f of [fb, fc]) {
      expect(b64(f!.tag)).toBe(b64(fa!.tag));
      expect(b64(f!.commitment)).toBe(b64(fa!.commitment));
      expect(f!.context).toEqual(fa!.context);
    }
    expect(fa!.context.senderDeviceId).toBe(a.client.self?.deviceId);
    expect(fa!.context.conversationId).toEqual(new Uint8Array(Buffer.from(groupId, 'base64url')));
    // The recipients' openings verify with the server's keyring, as a report will.
    expect((await verifies(atB.contentBytes, fb!)).body).toEqual(atB.contentBytes);
    expect((await verifies(own.contentBytes, fa!)).body).toEqual(own.contentBytes);
    // getFrankingOpening gives the same, with the body.
    const got = await c.client.getFrankingOpening(groupId, atC.key);
    expect(got.body).toEqual(atC.contentBytes);
    expect(b64(got.tag)).toBe(b64(fc!.tag));
    // Altered body: refused.
    const altered = utf8Encode(utf8Decode(atB.contentBytes).replace('hello', 'HELLO'));
    await expect(verifies(altered, fb!)).rejects.toMatchObject({ code: 'franking.tag_mismatch' });
    // A fresh franking key per message.
    await a.client.sendText(groupId, 'second');
    await b.client.sync();
    await c.client.sync();
    const second = (await b.client.history(groupId)).at(-1) as MessageRecord;
    expect(b64(second.franking!.frankingKey)).not.toBe(b64(fb!.frankingKey));
    for (const d of [a, b, c]) expect(d.events.franking).toEqual([]);
  });

  it('attachments: the franked body commits to key, both SHA-256s, size and type, and forwards count', async () => {
    const data = new Uint8Array(randomBytes(5000));
    await a.client.sendAttachment(groupId, { data, name: 'photo.jpg', mediaType: 'image/jpeg' });
    await b.client.sync();
    const att = (await b.client.history(groupId)).at(-1) as MessageRecord;
    if (att.content.type !== 'attachment') throw new Error('expected an attachment');
    const verified = await verifies(att.contentBytes, att.franking!);
    const committed = decodeMessageContent(verified.body);
    if (committed.type !== 'attachment') throw new Error('expected an attachment');
    expect(committed).toMatchObject({ size: 5000, mediaType: 'image/jpeg', name: 'photo.jpg' });
    expect(committed.key).toEqual(att.content.key);
    expect(Buffer.from(await b.client.fetchAttachment(committed)).equals(Buffer.from(data))).toBe(true);

    // b forwards it to a conversation with c: a new message, franked by b, forwarded: 1.
    const other = (await b.client.createConversation({ members: [c.client.self!.name] })).groupId;
    await c.client.sync();
    const fwd = await b.client.forward(groupId, att.key, other);
    expect(fwd.status).toBe('sent');
    await c.client.sync();
    const atC = (await c.client.history(other)).at(-1) as MessageRecord;
    expect(atC.content).toMatchObject({ type: 'attachment', forwarded: 1, name: 'photo.jpg' });
    expect(atC.franking!.context.senderDeviceId).toBe(b.client.self?.deviceId);
    expect((await verifies(atC.contentBytes, atC.franking!)).body).toEqual(atC.contentBytes);
    // c forwards it back: forwarded: 2.
    await c.client.forward(other, atC.key, groupId);
    await a.client.sync();
    const atA = (await a.client.history(groupId)).at(-1) as MessageRecord;
    expect(atA.content).toMatchObject({ type: 'attachment', forwarded: 2 });
    expect(Buffer.from(await a.client.fetchAttachment(atA.content as never)).equals(Buffer.from(data))).toBe(true);
    // A control message cannot be forwarded; an unknown key is refused.
    const rename = (await c.client.history(other)).find(
      (m) => m.content.type !== 'text' && m.content.type !== 'attachment',
    );
    if (rename !== undefined) {
      await expect(c.client.forward(other, rename.key, groupId)).rejects.toMatchObject({ code: 'client.not_allowed' });
    }
    await expect(c.client.forward(other, `${other}/9999999999999999`, groupId)).rejects.toMatchObject({
      code: 'client.unknown_message',
    });
  });

  it('forward limits: many targets below 5 hops, one from 5, none at the hard cap (client.forward_limit)', async () => {
    const other = (await b.client.createConversation({ members: [c.client.self!.name] })).groupId;
    await b.client.sendText(groupId, 'chain letter');
    let from = groupId;
    let key = ((await b.client.history(groupId)).at(-1) as MessageRecord).key;
    const before = (await b.client.history(other)).length;
    // Over the target limit, or a conversation named twice: refused before anything is sent.
    const six = [other, groupId, 'g4', 'g5', 'g6', 'g7'];
    await expect(b.client.forwardTo(from, key, six)).rejects.toMatchObject({
      code: 'client.forward_limit',
      detail: { forwarded: 0, maxTargets: MAX_FORWARD_TARGETS },
    });
    await expect(b.client.forwardTo(from, key, [other, other])).rejects.toMatchObject({ code: 'client.not_allowed' });
    expect((await b.client.history(other)).length).toBe(before);
    // b forwards its own forwarded copy back and forth: each hop adds one.
    for (let hop = 1; hop <= FORWARD_HARD_CAP; hop++) {
      const to = from === groupId ? other : groupId;
      if (hop - 1 >= FORWARDED_MANY_TIMES) {
        await expect(b.client.forwardTo(from, key, [groupId, other])).rejects.toMatchObject({
          code: 'client.forward_limit',
          detail: { forwarded: hop - 1, maxTargets: 1 },
        });
      }
      expect((await b.client.forward(from, key, to)).status).toBe('sent');
      const copy = (await b.client.history(to)).at(-1) as MessageRecord;
      expect(copy.content).toMatchObject({ type: 'text', text: 'chain letter', forwarded: hop });
      from = to;
      key = copy.key;
    }
    await expect(b.client.forward(from, key, from === groupId ? other : groupId)).rejects.toMatchObject({
      code: 'client.forward_limit',
      detail: { forwarded: FORWARD_HARD_CAP, maxTargets: 0 },
    });
    // c received the copies b sent to it, franked by b, with the count.
    await c.client.sync();
    const atC = (await c.client.history(other)).filter((m) => m.content.type === 'text');
    expect(atC.map((m) => (m.content as { forwarded?: number }).forwarded)).toEqual(
      Array.from({ length: FORWARD_HARD_CAP / 2 }, (_, i) => 2 * i + 1),
    );
  });

  it('a real ciphertext whose commitment does not open is dropped and flagged; the queue goes on', async () => {
    // A modified sender: a's own device state and request key, driving e2ee directly, franks the
    // envelope with one key and commits with another. A real MLS PrivateMessage; the server
    // cannot tell (it never sees the plaintext) and stamps it.
    await b.client.sync();
    const before = (await b.client.history(groupId)).length;
    await a.client.close();
    const store = new SqliteClientStore(a.dataDir);
    const self = JSON.parse(utf8Decode((await store.get(TABLES.device, 'self'))!)) as {
      deviceId: string;
      requestSigningSecretKey: string;
    };
    const group = decodeGroupState((await store.get(TABLES.groupState, groupId))!);
    const mls = await createMlsClient({ directory: { isDeviceListed: async () => true } });
    const body = utf8Encode('{"text":"you cannot report me","type":"text","v":1}');
    const commitment = commitMessage({ frankingKey: createFrankingKey(), conversationId: group.groupId, body });
    const sealed = await mls.encryptMessage(
      group,
      encodeFrankedEnvelope({ frankingKey: createFrankingKey(), body }),
      encodeFrankingAad(commitment),
    );
    const signer = {
      deviceId: self.deviceId,
      requestSigningSecretKey: new Uint8Array(Buffer.from(self.requestSigningSecretKey, 'base64url')),
    };
    const sent = await rawRequest(platform.url, 'POST', `/v1/groups/${groupId}/messages`, {
      signer,
      body: { clientMessageId: b64(randomBytes(16)), message: b64(sealed.message) },
    });
    expect(sent.status).toBe(200);
    await store.write([{ op: 'put', table: TABLES.groupState, key: groupId, value: encodeGroupState(sealed.group) }]);
    await store.close();
    a = await openDevice(platform.url, a.dataDir);
    open.push(a);

    await b.client.sync();
    expect(b.events.franking).toHaveLength(1);
    const flagged = b.events.franking[0]!;
    expect(flagged.error.code).toBe('client.franking_failed');
    expect((flagged.error.detail as { reason: string }).reason).toBe('franking.commitment_mismatch');
    expect(flagged.sender.deviceId).toBe(self.deviceId);
    expect(b.client.frankingFailures).toBe(1);
    expect((await b.client.history(groupId)).length).toBe(before); // never stored or shown
    expect(b.texts()).not.toContain('you cannot report me');
    // The group goes on: the next honest message arrives.
    await a.client.sendText(groupId, 'honest again');
    await b.client.sync();
    expect(textOf((await b.client.history(groupId)).at(-1) as MessageRecord)).toBe('honest again');
    expect(b.client.frankingFailures).toBe(1);
  });

  it('a message queued by a client that did not frank yet is re-encrypted franked before it is sent', async () => {
    // An outbox entry as the previous client version stored it: content, an unfranked ciphertext
    // (here just bytes: it is never sent as is), no franking key.
    await b.client.close();
    const store = new SqliteClientStore(b.dataDir);
    const key = '9999999999999999';
    const messageKey = `${groupId}/${key}`;
    const content = b64(encodeMessageContent({ type: 'text', text: 'queued before franking' }));
    const self = JSON.parse(utf8Decode((await store.get(TABLES.device, 'self'))!)) as {
      accountId: string;
      deviceId: string;
    };
    const clientMessageId = b64(randomBytes(16));
    const json = (v: unknown) => utf8Encode(JSON.stringify(v));
    await store.write([
      {
        op: 'put',
        table: TABLES.messages,
        key: messageKey,
        value: json({
          v: 1,
          key: messageKey,
          groupId,
          direction: 'out',
          senderAccountId: self.accountId,
          senderDeviceId: self.deviceId,
          content,
          status: 'queued',
          clientMessageId,
          createdAt: Date.now(),
        }),
      },
      {
        op: 'put',
        table: TABLES.outbox,
        key,
        value: json({
          v: 1,
          kind: 'message',
          id: key,
          groupId,
          clientMessageId,
          messageKey,
          content,
          message: b64(randomBytes(200)),
          epoch: 0,
        }),
      },
    ]);
    await store.close();
    b = await openDevice(platform.url, b.dataDir);
    open.push(b);
    await b.client.sync();
    const sent = (await b.client.history(groupId)).find((m) => m.key === messageKey)!;
    expect(sent.status).toBe('sent');
    expect(sent.franking).toBeDefined();
    await a.client.sync();
    const atA = (await a.client.history(groupId)).at(-1) as MessageRecord;
    expect(textOf(atA)).toBe('queued before franking');
    expect(b64(atA.franking!.tag)).toBe(b64(sent.franking!.tag));
    expect((await verifies(atA.contentBytes, atA.franking!)).body).toEqual(atA.contentBytes);
  });

  it('a lying server that names another sender in the context: dropped and flagged', async () => {
    // The server's answer rewritten on the way to c: the queue item names b as the sender of a's message.
    c.transport.rewrite = (req, res) => {
      if (req.method !== 'GET' || !req.path.startsWith('/v1/queue') || res.status !== 200) return res;
      const body = JSON.parse(utf8Decode(res.body)) as QueueResponse;
      for (const item of body.items) {
        if (item.kind === 'application') item.senderDeviceId = b.client.self!.deviceId;
      }
      return { ...res, body: utf8Encode(JSON.stringify(body)) };
    };
    await c.client.sync(); // catch up on what came before (all rewritten: all flagged)
    const flaggedBefore = c.events.franking.length;
    await a.client.sendText(groupId, 'who sent this?');
    await c.client.sync();
    const last = c.events.franking.at(-1)!;
    expect(c.events.franking.length).toBe(flaggedBefore + 1);
    expect((last.error.detail as { reason: string }).reason).toBe('franking.sender_mismatch');
    expect(c.texts()).not.toContain('who sent this?');
    c.transport.rewrite = (_req, res) => res;
    expect(isFulcrumError(last.error)).toBe(true);
  });
});
