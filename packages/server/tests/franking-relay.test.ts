/**
 * Franking on the relay (docs/protocol.md §Franking), on both dialects, with real MLS: a
 * three-member group where both recipients (queue fetch and WebSocket push) get one and the same
 * stamp, equal to the one in the send answer, whose tag verifies under the server's keyring; an
 * idempotent retry answers the same stamp; an application message without a well-formed
 * commitment is refused with `franking.bad_commitment` and changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { utf8Encode } from '@fulcrum/common';
import {
  commitMessage,
  createFrankingKey,
  encodeFrankedEnvelope,
  encodeFrankingAad,
  verifyReportOpening,
} from '@fulcrum/franking';
import { connectTestWs, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import type { QueueItem } from '@fulcrum/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot } from './helpers.js';
import {
  b64,
  catchUp,
  createGroupWith,
  fetchItems,
  type Member,
  postMessage,
  publishKeyPackages,
  registerMember,
  unb64,
} from './mls-fixtures.js';

describe.each(['sqlite', 'postgres'] as const)('franking on the relay (%s)', (dialect) => {
  let p: TestPlatform;
  let alice: Member;
  let bob: Member;
  let carol: Member;
  let groupId: string;

  beforeAll(async () => {
    p = await startTestPlatform({ dialect });
    alice = await registerMember(p.url, 'alice');
    bob = await registerMember(p.url, 'bob');
    carol = await registerMember(p.url, 'carol');
    await publishKeyPackages(bob, 1);
    await publishKeyPackages(carol, 1);
    groupId = await createGroupWith(alice, [bob.device.accountId, carol.device.accountId]);
    await catchUp(bob);
    await catchUp(carol);
  });
  afterAll(() => p?.close());

  it('tags once: every recipient (fetch and push) gets the stamp the sender was answered, and it verifies', async () => {
    const ws = await connectTestWs(p.wsUrl, carol.device);
    const body = utf8Encode('{"v":1,"type":"text","text":"same for all"}');
    const frankingKey = createFrankingKey();
    const conversationId = alice.group!.groupId;
    const commitment = commitMessage({ frankingKey, conversationId, body });
    const enc = await alice.mls.encryptMessage(
      alice.group!,
      encodeFrankedEnvelope({ frankingKey, body }),
      encodeFrankingAad(commitment),
    );
    alice.group = enc.group;
    const clientMessageId = b64(randomBytes(16));
    const sent = await postMessage(alice, groupId, enc.message, clientMessageId);
    expect(sent.status).toBe(200);
    const stamp = sent.body.franking!;
    expect(stamp).toMatchObject({ seq: sent.body.seq, epoch: 1 });

    const bobItems = await fetchItems(bob);
    const carolFetched = await fetchItems(carol);
    const pushed = (await ws.waitForItems(1)).filter((i) => i.kind === 'application');
    await ws.close();
    const stamps = [bobItems, carolFetched, pushed].map((items) => {
      const app = items.filter((i: QueueItem) => i.kind === 'application');
      expect(app).toHaveLength(1);
      return app[0]!.franking;
    });
    for (const s of stamps) expect(s).toEqual(stamp);
    expect(await catchUp(bob)).toEqual(['{"v":1,"type":"text","text":"same for all"}']);
    expect(await catchUp(carol)).toEqual(['{"v":1,"type":"text","text":"same for all"}']);

    // The server verifies the stamp later from what a reporter reveals, with its keyring.
    const keyring = await p.server.franking.keyring();
    const context = {
      conversationId,
      epoch: stamp.epoch,
      senderDeviceId: alice.device.deviceId,
      serverSeq: stamp.seq,
      serverTime: stamp.serverTime,
      keyId: stamp.keyId,
    };
    const opening = { body, frankingKey, context, tag: unb64(stamp.tag) };
    const policy = { now: Date.now(), reportWindowMs: p.server.config.franking.reportWindowMs };
    expect(verifyReportOpening(keyring, opening, policy).commitment).toEqual(commitment);

    // An idempotent retry answers the same seq and stamp, and queues nothing new.
    const retry = await postMessage(alice, groupId, enc.message, clientMessageId);
    expect(retry.body).toEqual(sent.body);
    expect(await fetchItems(bob)).toEqual([]);
  });

  it('refuses an application message without a well-formed commitment, changing nothing', async () => {
    const before = await snapshot(p.db);
    const bad: [string, Uint8Array | undefined][] = [
      ['missing', undefined],
      ['commitment without the version byte', new Uint8Array(randomBytes(32))],
      ['unknown version', Uint8Array.of(2, ...randomBytes(32))],
      ['too long', Uint8Array.of(1, ...randomBytes(33))],
    ];
    for (const [what, aad] of bad) {
      const enc = await alice.mls.encryptMessage(alice.group!, utf8Encode(`unfranked: ${what}`), aad);
      const res = await postMessage(alice, groupId, enc.message);
      expect(res.status, what).toBe(400);
      expect((res.body as unknown as { error: { code: string } }).error.code, what).toBe('franking.bad_commitment');
    }
    expect(await snapshot(p.db)).toEqual(before);
    expect(await fetchItems(bob)).toEqual([]);
  });

  it('proposals carry no commitment and no stamp', async () => {
    const leave = await bob.mls.proposeLeave(bob.group!);
    const res = await postMessage(bob, groupId, leave.proposal);
    expect(res.status).toBe(200);
    expect(res.body.franking).toBeUndefined();
    const items = await fetchItems(alice);
    expect(items.filter((i) => i.kind === 'proposal').map((i) => i.franking)).toEqual([undefined]);
  });
});

describe.each(['sqlite', 'postgres'] as const)('franking key rotation through the relay (%s)', (dialect) => {
  // Short periods on the real clock (requests are signed with real timestamps): a key tags for
  // 1.5 s, and its tags verify for 4 s after it retires.
  const rotationPeriodMs = 1500;
  const reportWindowMs = 4000;
  let p: TestPlatform;
  let alice: Member;
  let bob: Member;
  let groupId: string;

  beforeAll(async () => {
    p = await startTestPlatform({ dialect, server: { franking: { rotationPeriodMs, reportWindowMs } } });
    alice = await registerMember(p.url, 'alice');
    bob = await registerMember(p.url, 'bob');
    await publishKeyPackages(bob, 1);
    groupId = await createGroupWith(alice, [bob.device.accountId]);
    await catchUp(bob);
  });
  afterAll(() => p?.close());

  async function send(text: string) {
    const body = utf8Encode(text);
    const frankingKey = createFrankingKey();
    const commitment = commitMessage({ frankingKey, conversationId: alice.group!.groupId, body });
    const enc = await alice.mls.encryptMessage(
      alice.group!,
      encodeFrankedEnvelope({ frankingKey, body }),
      encodeFrankingAad(commitment),
    );
    alice.group = enc.group;
    const sent = await postMessage(alice, groupId, enc.message);
    expect(sent.status).toBe(200);
    const stamp = sent.body.franking!;
    const context = {
      conversationId: alice.group.groupId,
      epoch: stamp.epoch,
      senderDeviceId: alice.device.deviceId,
      serverSeq: stamp.seq,
      serverTime: stamp.serverTime,
      keyId: stamp.keyId,
    };
    return { stamp, opening: { body, frankingKey, context, tag: unb64(stamp.tag) } };
  }

  const waitUntil = async (t: number) => {
    while (Date.now() <= t) await new Promise((r) => setTimeout(r, Math.min(200, t - Date.now() + 1)));
  };

  it('keeps old tags verifiable within the report window, refuses them after, then forgets the key', async () => {
    const first = await send('under the first key');
    const ring1 = await p.server.franking.keyring();
    const k1 = ring1.get(first.stamp.keyId)!;
    expect(k1.retiredAt! - k1.createdAt).toBe(rotationPeriodMs);

    await waitUntil(k1.retiredAt!);
    const second = await send('under the next key');
    expect(second.stamp.keyId).not.toBe(first.stamp.keyId);
    expect(await catchUp(bob)).toEqual(['under the first key', 'under the next key']);

    // Within the window both verify; once it has passed the first is refused as too late.
    const ring2 = await p.server.franking.keyring();
    expect(ring2.has(first.stamp.keyId)).toBe(true);
    const within = { now: Date.now(), reportWindowMs };
    expect(verifyReportOpening(ring2, first.opening, within).body).toEqual(first.opening.body);
    expect(verifyReportOpening(ring2, second.opening, within).body).toEqual(second.opening.body);
    expect(() =>
      verifyReportOpening(ring2, first.opening, { now: k1.retiredAt! + reportWindowMs + 1, reportWindowMs }),
    ).toThrow(expect.objectContaining({ code: 'franking.key_expired' }));

    // After the window, the next rotation deletes the first key: its tags no longer verify at all.
    await waitUntil(k1.retiredAt! + reportWindowMs + rotationPeriodMs);
    const third = await send('much later');
    expect(third.stamp.keyId).not.toBe(second.stamp.keyId);
    const ring3 = await p.server.franking.keyring();
    expect(ring3.has(first.stamp.keyId)).toBe(false);
    expect(() => verifyReportOpening(ring3, first.opening, { now: Date.now(), reportWindowMs })).toThrow(
      expect.objectContaining({ code: 'franking.unknown_key' }),
    );
    expect(verifyReportOpening(ring3, third.opening, { now: Date.now(), reportWindowMs }).body).toEqual(
      third.opening.body,
    );
  }, 60_000);
});
