/** Live push over WebSocket: challenge-response auth, queued then live items in order, acks, refusals. */
import { connectTestWs, rawRequest, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { createValidator, signDeviceRevocation, WsServerFrame } from '@fulcrum/wire';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMemberDevice,
  b64,
  createGroupWith,
  encryptFranked,
  fetchItems,
  type Member,
  postMessage,
  publishKeyPackages,
  registerMember,
} from './mls-fixtures.js';

const isServerFrame = createValidator(WsServerFrame);

describe.each(['sqlite', 'postgres'] as const)('WebSocket (%s)', (dialect) => {
  let p: TestPlatform;
  let alice: Member;
  let bob: Member;
  let bob2: Member;
  let groupId: string;

  async function send(text: string): Promise<void> {
    const m = await encryptFranked(alice, new TextEncoder().encode(text));
    alice.group = m.group;
    expect((await postMessage(alice, groupId, m.message)).status).toBe(200);
  }

  beforeAll(async () => {
    p = await startTestPlatform({ dialect, server: { wsAuthTimeoutMs: 300 } });
    alice = await registerMember(p.url, 'alice');
    bob = await registerMember(p.url, 'bob');
    bob2 = await addMemberDevice(p.url, bob);
    await publishKeyPackages(bob, 1);
    await publishKeyPackages(bob2, 1);
    groupId = await createGroupWith(alice, [bob.device.accountId]);
  });
  afterAll(() => p?.close());

  it('authenticates, pushes what is queued oldest first, then each new item as it commits', async () => {
    const ws = await connectTestWs(p.wsUrl, bob.device);
    expect(ws.frames[0]?.type).toBe('challenge');
    expect(ws.frames[1]).toEqual({ type: 'ready' });
    const [welcome] = await ws.waitForItems(1);
    expect(welcome).toMatchObject({ seq: 1, kind: 'welcome', groupId, senderDeviceId: alice.device.deviceId });
    for (const t of ['one', 'two', 'three']) await send(t);
    const items = await ws.waitForItems(4);
    expect(items.map((i) => i.seq)).toEqual([1, 2, 3, 4]);
    expect(items.slice(1).every((i) => i.kind === 'application')).toBe(true);
    for (const f of ws.frames) expect(isServerFrame(f).ok).toBe(true);
    // The pushed items are exactly what the queue holds.
    expect(items).toEqual(await fetchItems(bob, 0));
    // An ack over the socket removes items from the durable queue.
    ws.ack(2);
    await expect.poll(async () => (await fetchItems(bob, 0)).map((i) => i.seq)).toEqual([3, 4]);
    await ws.close();
    // Reconnecting re-sends what was not acknowledged, in order, without duplicates.
    const again = await connectTestWs(p.wsUrl, bob.device);
    expect((await again.waitForItems(2)).map((i) => i.seq)).toEqual([3, 4]);
    again.ack(4);
    await send('four');
    expect((await again.waitForItems(3)).map((i) => i.seq)).toEqual([3, 4, 5]);
    await again.close();
  });

  it('delivers a burst of concurrent sends to every connection of a device, in seq order, once each', async () => {
    const a = await connectTestWs(p.wsUrl, bob2.device);
    const b = await connectTestWs(p.wsUrl, bob2.device);
    const start = (await fetchItems(bob2, 0)).length;
    const messages: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      const m = await encryptFranked(alice, new TextEncoder().encode(`burst ${i}`));
      alice.group = m.group;
      messages.push(m.message);
    }
    const answers = await Promise.all(messages.map((m) => postMessage(alice, groupId, m)));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    for (const ws of [a, b]) {
      const items = await ws.waitForItems(start + 40, 10_000);
      const seqs = items.map((i) => i.seq);
      expect(seqs).toEqual(Array.from({ length: start + 40 }, (_, i) => i + 1));
    }
    // The group order (answers' seq) and each device queue agree.
    const groupSeqs = answers.map((r) => r.body.seq);
    const queued = (await fetchItems(bob2, start)).map((i) => Buffer.from(i.payload, 'base64url').toString('hex'));
    const bySeq = [...messages.keys()]
      .sort((x, y) => groupSeqs[x]! - groupSeqs[y]!)
      .map((i) => Buffer.from(messages[i]!).toString('hex'));
    expect(queued).toEqual(bySeq);
    await a.close();
    await b.close();
  });

  it('refuses a bad signature, an unknown device, silence and bad frames with their close codes', async () => {
    const forged = await connectTestWs(p.wsUrl, bob.device, {
      signature: () => Buffer.alloc(64, 7).toString('base64url'),
    });
    expect(await forged.closed).toMatchObject({ code: 4401 });
    expect(forged.frames.at(-1)).toMatchObject({ type: 'error', error: { code: 'auth.bad_signature' } });

    const stranger = await connectTestWs(p.wsUrl, {
      deviceId: b64(new Uint8Array(16)),
      requestSigningSecretKey: new Uint8Array(32),
    });
    expect(await stranger.closed).toMatchObject({ code: 4401 });
    expect(stranger.frames.at(-1)).toMatchObject({ type: 'error', error: { code: 'auth.unknown_device' } });

    const silent = await connectTestWs(p.wsUrl);
    expect(await silent.closed).toMatchObject({ code: 4401 });

    const garbled = await connectTestWs(p.wsUrl);
    garbled.send({ type: 'hello' });
    expect(await garbled.closed).toMatchObject({ code: 4400 });

    const early = await connectTestWs(p.wsUrl);
    early.send({ type: 'ack', upTo: 1 });
    expect(await early.closed).toMatchObject({ code: 4400 });

    const raw = new WebSocket(p.wsUrl);
    const closed = new Promise<number>((resolve) => raw.on('close', (code) => resolve(code)));
    raw.on('open', () => raw.send('not json'));
    expect(await closed).toBe(4400);
  });

  it('closes a device’s sockets with 4403 when it is revoked, and refuses it afterwards', async () => {
    const ws = await connectTestWs(p.wsUrl, bob2.device);
    const revocation = signDeviceRevocation(bob.device.identity.secretKey, {
      accountId: bob.device.accountId,
      deviceId: bob2.device.deviceId,
      revokedAt: Date.now(),
    });
    const res = await rawRequest(p.url, 'POST', `/v1/devices/${bob2.device.deviceId}/revoke`, {
      signer: bob.device,
      body: { revocation: b64(revocation) },
    });
    expect(res.status).toBe(200);
    expect(await ws.closed).toMatchObject({ code: 4403 });
    const again = await connectTestWs(p.wsUrl, bob2.device);
    expect(await again.closed).toMatchObject({ code: 4403 });
  });
});
