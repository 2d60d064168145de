/**
 * Two `fulcrum serve --postgres URL --nats URL` processes on one PostgreSQL schema and the
 * machine's NATS: a device connected by WebSocket to process A receives, live and in its queue
 * order, messages sent through process B (and the other way round).
 */
import { randomBytes } from 'node:crypto';
import { pgConnectionConfig } from '@fulcrum/server';
import { connectTestWs } from '@fulcrum/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeChild, spawnServe, TEST_NATS_URL, TEST_POSTGRES_URL } from './fixtures/serve-child.js';
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

describe('two server processes on PostgreSQL + NATS', () => {
  const schema = `fulcrum_t_${randomBytes(6).toString('hex')}`;
  // A unique subject prefix: parallel test files on the same NATS never see each other's events.
  const prefix = `fulcrum-t.${randomBytes(6).toString('hex')}`;
  const args = ['--postgres', TEST_POSTGRES_URL, '--postgres-schema', schema, '--nats', TEST_NATS_URL];
  let a: ServeChild;
  let b: ServeChild;
  let alice: Member; // talks to B
  let bob: Member; // talks to A
  let bobB: Member; // bob's second device, talks to B
  let groupId: string;

  beforeAll(async () => {
    // A first: it creates and migrates the schema; B then opens the migrated schema.
    a = await spawnServe([...args, '--nats-prefix', prefix, '--log-level', 'warn']);
    b = await spawnServe([...args, '--nats-prefix', prefix, '--log-level', 'warn']);
    alice = await registerMember(b.url, 'alice');
    bob = await registerMember(a.url, 'bob');
    bobB = await addMemberDevice(b.url, bob);
    await publishKeyPackages(bob, 1);
    await publishKeyPackages(bobB, 1);
    groupId = await createGroupWith(alice, [bob.device.accountId]);
  }, 90_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    const client = new pg.Client(pgConnectionConfig(TEST_POSTGRES_URL));
    await client.connect();
    try {
      await client.query(`drop schema if exists "${schema}" cascade`);
    } finally {
      await client.end();
    }
  });

  it('pushes, live, to a socket on A what was sent through B, in each device’s queue order', async () => {
    const onA = await connectTestWs(a.wsUrl, bob.device);
    const onB = await connectTestWs(b.wsUrl, bobB.device);
    // The Welcome was queued before the sockets opened: drained from SQL on connect.
    await onA.waitForItems(1);
    await onB.waitForItems(1);
    const n = 40;
    const messages: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const m = await encryptFranked(alice, new TextEncoder().encode(`cross ${i}`));
      alice.group = m.group;
      messages.push(m.message);
    }
    const started = performance.now();
    const answers = await Promise.all(messages.map((m) => postMessage(alice, groupId, m)));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    // Nothing but the bus tells A's socket about these items: it has drained and is idle.
    const live = await onA.waitForItems(1 + n, 15_000);
    const elapsed = performance.now() - started;
    expect(live.map((i) => i.seq)).toEqual(Array.from({ length: 1 + n }, (_, i) => i + 1));
    // Per-device order is the group order: the answers' group seqs sort the payloads the same way.
    const byGroupSeq = [...messages.keys()]
      .sort((x, y) => answers[x]!.body.seq - answers[y]!.body.seq)
      .map((i) => b64(messages[i]!));
    expect(live.slice(1).map((i) => i.payload)).toEqual(byGroupSeq);
    // The same items, once each, on the socket of the device connected to B (local delivery).
    expect((await onB.waitForItems(1 + n, 15_000)).slice(1).map((i) => i.payload)).toEqual(byGroupSeq);
    // What was pushed is exactly what the durable queue holds.
    expect(live).toEqual(await fetchItems(bob, 0));
    console.log(`two-process: ${n} concurrent sends via B reached a socket on A in ${elapsed.toFixed(0)} ms`);
    await onA.close();
    await onB.close();
  }, 60_000);

  it('pushes the other way too: a send through A reaches a socket on B', async () => {
    const onB = await connectTestWs(b.wsUrl, bobB.device);
    const before = (await fetchItems(bobB, 0)).length;
    await onB.waitForItems(before);
    const aliceOnA: Member = { ...alice, url: a.url };
    const m = await encryptFranked(alice, new TextEncoder().encode('via A'));
    alice.group = m.group;
    expect((await postMessage(aliceOnA, groupId, m.message)).status).toBe(200);
    const items = await onB.waitForItems(before + 1, 10_000);
    expect(items.at(-1)?.payload).toBe(b64(m.message));
    await onB.close();
  }, 30_000);
});
