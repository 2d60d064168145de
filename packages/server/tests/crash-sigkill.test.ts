/**
 * Crash safety (issue 4): a `fulcrum serve` child under a stream of concurrent signed sends is
 * killed with SIGKILL mid-stream, restarted on the same storage, and every unacknowledged send
 * is retried with its `clientMessageId`. Then: every send is in the recipient's queue exactly once
 * (zero lost, zero duplicated), the queue's seqs are gap-free, a retried acknowledged send gets its
 * first answer back, and the group continues (a commit at the current epoch is accepted and the
 * recipient follows it).
 */
import { randomBytes } from 'node:crypto';
import { rawRequest } from '@fulcrum/testkit';
import type { QueueItem, QueueResponse } from '@fulcrum/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeChild, serveStorageArgs, spawnServe } from './fixtures/serve-child.js';
import {
  b64,
  claim,
  encryptFranked,
  type Member,
  openFranked,
  postCommit,
  publishKeyPackages,
  registerMember,
  unb64,
} from './mls-fixtures.js';

const TOTAL = 240;
const WORKERS = 24;
const KILL_AFTER_ACKS = 80;

describe.each(['sqlite', 'postgres'] as const)('SIGKILL mid-stream (%s)', (dialect) => {
  let args: string[];
  let drop: () => Promise<void>;
  let server: ServeChild;
  let alice: Member;
  let bob: Member;
  let groupId: string;

  beforeAll(async () => {
    ({ args, drop } = await serveStorageArgs(dialect, 'fulcrum-crash-'));
    args.push('--log-level', 'warn');
    server = await spawnServe(args);
    alice = await registerMember(server.url, 'alice');
    bob = await registerMember(server.url, 'bob');
    await publishKeyPackages(bob, 1);
    alice.group = await alice.mls.createGroup(alice.state);
    groupId = b64(alice.group.groupId);
    await rawRequest(server.url, 'POST', '/v1/groups', { signer: alice.device, body: { groupId } });
    const kps = (await claim(alice, bob.device.accountId)).body.keyPackages;
    const add = await alice.mls.addDevices(alice.group, [unb64(kps[0]!.data)]);
    const res = await postCommit(alice, groupId, {
      commit: add.commit,
      welcome: add.welcome!,
      addedDevices: [kps[0]!.deviceId],
      removedDevices: [],
    });
    expect(res.status).toBe(200);
    alice.group = add.group;
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    await drop?.();
  });

  it('loses no acknowledged send and duplicates none; the group continues', async () => {
    const sends: { id: string; message: Uint8Array }[] = [];
    for (let i = 0; i < TOTAL; i++) {
      const m = await encryptFranked(alice, new TextEncoder().encode(`crash ${i}`));
      alice.group = m.group;
      sends.push({ id: b64(randomBytes(16)), message: m.message });
    }
    const send = (base: string, i: number) =>
      rawRequest<{ seq: number }>(base, 'POST', `/v1/groups/${groupId}/messages`, {
        signer: alice.device,
        body: { clientMessageId: sends[i]!.id, message: b64(sends[i]!.message) },
      });

    // Phase 1: WORKERS concurrent senders stream the messages; SIGKILL after KILL_AFTER_ACKS answers.
    const acked = new Map<number, number>(); // index -> seq answered
    const refused: number[] = [];
    let next = 0;
    let killed: Promise<void> | undefined;
    const firstUrl = server.url;
    const worker = async () => {
      while (next < TOTAL && killed === undefined) {
        const i = next++;
        try {
          const res = await send(firstUrl, i);
          if (res.status === 200) acked.set(i, res.body.seq);
          else refused.push(res.status);
        } catch {
          // Connection reset by the kill: unacknowledged, retried below.
        }
        if (acked.size >= KILL_AFTER_ACKS && killed === undefined) killed = server.kill();
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    await killed;
    expect(refused).toEqual([]);
    const ackedAtKill = acked.size;
    const attempted = next;

    // Phase 2: restart on the same storage and port; retry every unacknowledged send with its id.
    const port = Number(new URL(firstUrl).port);
    const restartStart = performance.now();
    server = await spawnServe(args, port);
    const restartMs = performance.now() - restartStart;
    // What survived the kill: at least every acknowledged send (others may have committed unanswered).
    const survived = await rawRequest<QueueResponse>(server.url, 'GET', '/v1/queue?after=1&limit=500', {
      signer: bob.device,
    });
    const durableAtKill = survived.body.items.length;
    expect(durableAtKill).toBeGreaterThanOrEqual(ackedAtKill);
    const retried: number[] = [];
    for (let i = 0; i < TOTAL; i++) if (!acked.has(i)) retried.push(i);
    const answers = await Promise.all(retried.map((i) => send(server.url, i)));
    for (const [k, res] of answers.entries()) {
      expect(res.status).toBe(200);
      acked.set(retried[k]!, res.body.seq);
    }
    // A retry of a send that was acknowledged before the crash gets its first answer back.
    const sample = [...acked.keys()].filter((i) => !retried.includes(i)).slice(0, 20);
    for (const i of sample) {
      const res = await send(server.url, i);
      expect(res.status).toBe(200);
      expect(res.body.seq).toBe(acked.get(i));
    }

    // Count: the recipient's queue holds each send exactly once, seqs gap-free.
    const queue: QueueItem[] = [];
    for (;;) {
      const after = queue.at(-1)?.seq ?? 0;
      const res = await rawRequest<QueueResponse>(server.url, 'GET', `/v1/queue?after=${after}&limit=500`, {
        signer: bob.device,
      });
      expect(res.status).toBe(200);
      if (res.body.items.length === 0) break;
      queue.push(...res.body.items);
    }
    expect(queue.map((q) => q.seq)).toEqual(Array.from({ length: TOTAL + 1 }, (_, i) => i + 1));
    const counts = new Map<string, number>();
    for (const item of queue.slice(1)) counts.set(item.payload, (counts.get(item.payload) ?? 0) + 1);
    const lost = sends.filter((s) => !counts.has(b64(s.message))).length;
    const duplicated = [...counts.values()].filter((c) => c > 1).length;
    expect({ lost, duplicated, items: queue.length - 1 }).toEqual({ lost: 0, duplicated: 0, items: TOTAL });
    // The group order agrees with the answers (first answer or replayed).
    const byGroupSeq = [...acked.entries()].sort((x, y) => x[1] - y[1]).map(([i]) => b64(sends[i]!.message));
    expect(queue.slice(1).map((q) => q.payload)).toEqual(byGroupSeq);

    // The group continues: a commit at the current epoch is accepted, and the recipient follows it.
    const update = await alice.mls.update(alice.group!);
    const commit = await rawRequest<{ seq: number; epoch: number }>(
      server.url,
      'POST',
      `/v1/groups/${groupId}/commits`,
      {
        signer: alice.device,
        body: {
          clientMessageId: b64(randomBytes(16)),
          commit: b64(update.commit),
          addedDevices: [],
          removedDevices: [],
        },
      },
    );
    expect(commit.status).toBe(200);
    expect(commit.body.epoch).toBe(2);
    alice.group = update.group;
    const joined = await bob.mls.joinFromWelcome(bob.state, unb64(queue[0]!.payload));
    bob.state = joined.device;
    let bobGroup = joined.group;
    const tail = await rawRequest<QueueResponse>(server.url, 'GET', `/v1/queue?after=${TOTAL + 1}&limit=10`, {
      signer: bob.device,
    });
    expect(tail.body.items.map((q) => q.kind)).toEqual(['commit']);
    bobGroup = (await bob.mls.processMessage(bobGroup, unb64(tail.body.items[0]!.payload))).group;
    const after = await encryptFranked(alice, new TextEncoder().encode('after the crash'));
    const read = await bob.mls.processMessage(bobGroup, after.message);
    expect(read.kind === 'application' && new TextDecoder().decode(openFranked(read.plaintext))).toBe(
      'after the crash',
    );

    console.log(
      `crash (${dialect}): ${attempted} sends started, ${ackedAtKill} acknowledged before SIGKILL, ` +
        `${durableAtKill} durable at the kill, ${retried.length} retried after a ${restartMs.toFixed(0)} ms restart; ${TOTAL} in the queue, 0 lost, 0 duplicated`,
    );
  }, 120_000);
});
