/**
 * The SDK sends over its live socket when it is ready (docs/protocol.md §Live push, `send`
 * frames), on SQLite and PostgreSQL: texts, attachments and forwards go out as `send` frames, not
 * signed HTTP POSTs; without a live socket, or when the socket breaks before the answer, the
 * same send (same clientMessageId) goes over HTTP and is delivered exactly once. Real server,
 * real clients; faults are injected on the real socket (FaultyTransport.socketRule).
 */
import type { MessageRecord } from '@fulcrum/client';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupDirs, openDevice, type TestDevice, unique, waitFor } from './helpers.js';

const messagePosts = (d: TestDevice) => d.transport.log.filter((r) => r.path.endsWith('/messages'));
const socketSends = (d: TestDevice) => d.transport.socketLog.filter((t) => t === 'send').length;

describe.each(['sqlite', 'postgres'] as const)('SDK sends over the live socket (%s)', (dialect) => {
  let platform: TestPlatform;
  let a: TestDevice;
  let b: TestDevice;
  let groupId: string;

  beforeAll(async () => {
    platform = await startTestPlatform({ dialect });
    a = await openDevice(platform.url);
    b = await openDevice(platform.url);
    await a.client.register(unique('alice'));
    await b.client.register(unique('bob'));
    groupId = (await a.client.createConversation({ members: [b.client.self!.name] })).groupId;
    await b.client.sync();
    await a.client.connect();
    await b.client.connect();
  });
  afterAll(async () => {
    for (const d of [a, b]) await d?.client.close().catch(() => {});
    await platform?.close();
    cleanupDirs();
  });

  it('texts, attachments and forwards go over the socket, each delivered and franked as over HTTP', async () => {
    const posts = messagePosts(a).length;
    const frames = socketSends(a);
    const text = await a.client.sendText(groupId, 'over the socket');
    expect(text.status).toBe('sent');
    expect(text.message.serverSeq).toBeGreaterThan(0);
    // Our own record holds the franking opening built from the server's stamp.
    expect(text.message.franking?.context.senderDeviceId).toBe(a.client.self?.deviceId);
    const data = new Uint8Array(50_000).map((_, i) => (i * 7) & 255);
    const file = await a.client.sendAttachment(groupId, { data, name: 'notes.bin' });
    expect(file.status).toBe('sent');
    await waitFor(() => b.texts().includes('over the socket'), 30_000, 'the text at bob');
    await waitFor(
      () => b.events.message.some((e) => e.message.direction === 'in' && e.message.content.type === 'attachment'),
      30_000,
      'the attachment at bob',
    );
    // Bob forwards Alice's text back to the same conversation: over his socket too.
    const key = ((await b.client.history(groupId)).find((m) => m.content.type === 'text') as MessageRecord).key;
    const bobPosts = messagePosts(b).length;
    const forwarded = await b.client.forward(groupId, key, groupId);
    expect(forwarded.status).toBe('sent');
    await waitFor(
      () => a.events.message.some((e) => e.message.direction === 'in' && e.message.content.type === 'text'),
      30_000,
      'the forward at alice',
    );
    const atA = a.events.message.map((e) => e.message).find((m) => m.direction === 'in') as MessageRecord;
    expect(atA.content).toMatchObject({ type: 'text', text: 'over the socket', forwarded: 1 });
    expect(atA.franking?.context.senderDeviceId).toBe(b.client.self?.deviceId);
    // No signed HTTP message POST from either: three `send` frames.
    expect(messagePosts(a).length).toBe(posts);
    expect(messagePosts(b).length).toBe(bobPosts);
    expect(socketSends(a) - frames).toBe(2);
    expect(socketSends(b)).toBeGreaterThanOrEqual(1);
    for (const d of [a, b]) expect(d.events.error).toEqual([]);
  });

  it('without a live socket the send is a signed HTTP POST', async () => {
    a.client.disconnect();
    const frames = socketSends(a);
    const posts = messagePosts(a).length;
    expect((await a.client.sendText(groupId, 'over HTTP')).status).toBe('sent');
    expect(
      messagePosts(a)
        .slice(posts)
        .map((r) => r.status),
    ).toEqual([200]);
    expect(socketSends(a)).toBe(frames);
    await waitFor(() => b.texts().includes('over HTTP'), 30_000, 'the HTTP send at bob');
    await a.client.connect();
  });

  it('a socket that breaks before or after the frame: the same send goes over HTTP and arrives once', async () => {
    // 1. The frame is lost with its socket: the HTTP POST delivers it.
    let fault: 'close-instead' | 'close-after' | undefined = 'close-instead';
    a.transport.socketRule = (frame) => {
      if (frame.type !== 'send' || fault === undefined) return undefined;
      const f = fault;
      fault = undefined;
      return f;
    };
    let posts = messagePosts(a).length;
    expect((await a.client.sendText(groupId, 'frame lost')).status).toBe('sent');
    expect(
      messagePosts(a)
        .slice(posts)
        .map((r) => r.status),
    ).toEqual([200]);

    // 2. The frame leaves and its socket closes right after: whether the server got it or not,
    //    the HTTP retry with the same clientMessageId yields one message.
    await waitFor(() => a.events.connection.at(-1)?.state === 'ready', 30_000, 'alice reconnected');
    fault = 'close-after';
    posts = messagePosts(a).length;
    const receipt = await a.client.sendText(groupId, 'answer lost');
    expect(receipt.status).toBe('sent');
    expect(messagePosts(a).length - posts).toBeLessThanOrEqual(1);

    // A marker sent after both: once Bob has it, he has everything before it (group order).
    await waitFor(() => a.events.connection.at(-1)?.state === 'ready', 30_000, 'alice reconnected again');
    expect((await a.client.sendText(groupId, 'marker')).status).toBe('sent');
    await waitFor(() => b.texts().includes('marker'), 30_000, 'the marker at bob');
    const texts = b.texts();
    expect(texts.filter((t) => t === 'frame lost')).toHaveLength(1);
    expect(texts.filter((t) => t === 'answer lost')).toHaveLength(1);
    // Alice's record of it carries the franking stamp (group seq, tag) Bob's copy has: one send.
    const mine = (await a.client.history(groupId)).find(
      (m) => m.content.type === 'text' && m.content.text === 'answer lost',
    );
    const theirs = (await b.client.history(groupId)).find(
      (m) => m.content.type === 'text' && m.content.text === 'answer lost',
    );
    expect(mine?.franking).toBeDefined();
    expect(mine?.franking?.context).toEqual(theirs?.franking?.context);
  });
});
