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
import { connectTestWs, rawRequest, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import type { QueueItem } from '@fulcrum/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot } from './helpers.js';
import {
  b64,
  catchUp,
  claim,
  fetchItems,
  type Member,
  postCommit,
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
    alice.group = await alice.mls.createGroup(alice.state);
    groupId = b64(alice.group.groupId);
    await rawRequest(p.url, 'POST', '/v1/groups', { signer: alice.device, body: { groupId } });
    const kps = [
      ...(await claim(alice, bob.device.accountId)).body.keyPackages,
      ...(await claim(alice, carol.device.accountId)).body.keyPackages,
    ];
    const add = await alice.mls.addDevices(
      alice.group,
      kps.map((k) => unb64(k.data)),
    );
    const res = await postCommit(alice, groupId, {
      commit: add.commit,
      welcome: add.welcome!,
      addedDevices: kps.map((k) => k.deviceId),
      removedDevices: [],
    });
    expect(res.status).toBe(200);
    alice.group = add.group;
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
