/** Group commit through the real HTTP API: concurrent sends share transactions, each answered after its commit. */
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  b64,
  claim,
  fetchItems,
  type Member,
  postCommit,
  postMessage,
  publishKeyPackages,
  registerMember,
  encryptFranked,
} from './mls-fixtures.js';
import { rawRequest } from '@fulcrum/testkit';

describe.each(['sqlite', 'postgres'] as const)('group commit over HTTP (%s)', (dialect) => {
  let p: TestPlatform;
  let alice: Member;
  let bob: Member;
  let groupId: string;

  beforeAll(async () => {
    // A 5 ms flush window (default 1 ms): the client shares this process, and on a loaded 2-core
    // machine its requests trickle in slower than SQLite commits, which would leave nothing to
    // batch. The storage suite checks batching at the default window.
    p = await startTestPlatform({ dialect, server: { groupCommit: { maxDelayMs: 5 } } });
    alice = await registerMember(p.url, 'alice');
    bob = await registerMember(p.url, 'bob');
    await publishKeyPackages(bob, 1);
    alice.group = await alice.mls.createGroup(alice.state);
    groupId = b64(alice.group.groupId);
    await rawRequest(p.url, 'POST', '/v1/groups', { signer: alice.device, body: { groupId } });
    const kp = (await claim(alice, bob.device.accountId)).body.keyPackages[0]!;
    const add = await alice.mls.addDevices(alice.group, [new Uint8Array(Buffer.from(kp.data, 'base64url'))]);
    await postCommit(alice, groupId, {
      commit: add.commit,
      welcome: add.welcome!,
      addedDevices: [kp.deviceId],
      removedDevices: [],
    });
    alice.group = add.group;
  });
  afterAll(() => p?.close());

  it('batches 200 concurrent sends into far fewer transactions, losing and duplicating none', async () => {
    const messages: Uint8Array[] = [];
    for (let i = 0; i < 200; i++) {
      const m = await encryptFranked(alice, new TextEncoder().encode(`m${i}`));
      alice.group = m.group;
      messages.push(m.message);
    }
    const before = p.server.writerStats();
    const commitsBefore = p.db.stats.commits;
    const started = performance.now();
    const answers = await Promise.all(messages.map((m) => postMessage(alice, groupId, m)));
    const ms = performance.now() - started;
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const after = p.server.writerStats();
    const batches = after.batches - before.batches;
    // Each send is one writer operation (its nonce and its message, in one transaction).
    expect(after.operations - before.operations).toBe(200);
    expect(batches).toBeLessThan(150);
    expect(after.largestBatch).toBeGreaterThanOrEqual(3);
    expect(p.db.stats.commits - commitsBefore).toBe(batches);
    const seqs = answers.map((a) => a.body.seq);
    expect(new Set(seqs).size).toBe(200);
    const items = (await fetchItems(bob, 1)).filter((i) => i.kind === 'application');
    expect(items).toHaveLength(200);
    expect(new Set(items.map((i) => i.payload)).size).toBe(200);
    console.log(
      `${dialect}: 200 concurrent sends in ${ms.toFixed(0)} ms, ${batches} transactions (largest batch ${after.largestBatch})`,
    );
  });
});
