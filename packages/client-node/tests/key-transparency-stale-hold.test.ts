/**
 * A stale key-transparency checkpoint delays received items, never loses them (client README
 * §Key transparency, "Stale checkpoint: receiving pauses"). With a witness policy and the
 * client's clock moved past `maxCheckpointAgeMs`, a Welcome (from a device not proven yet) and the
 * messages after it are neither delivered nor dropped nor acknowledged: receiving pauses at the
 * Welcome, the `receive` event (and one `error` event) fires once, sends still go out; once the
 * checkpoint is fresh again (the clock moves back) everything is delivered in order, exactly
 * once — over the live socket with the backoff retry, and across a restart while paused. Real
 * server and real witnesses (kt-witnesses.ts); time moves only through the client's clock.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { FulcrumClient, ReceiveEvent } from '@fulcrum/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultyTransport } from './helpers.js';
import { type KtWitnessPlatform, MovableClock, startKtWitnessPlatform } from './kt-witnesses.js';

const waitFor = async (what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** What a client observed: received texts (in event order), receive events, error codes by context. */
function observe(c: FulcrumClient) {
  const seen = {
    texts: [] as string[],
    receive: [] as ReceiveEvent[],
    errors: [] as { context: string; code: string }[],
    joined: [] as string[],
  };
  c.on('message', (e) => {
    if (e.message.direction === 'in' && e.message.content.type === 'text') seen.texts.push(e.message.content.text);
  });
  c.on('receive', (e) => seen.receive.push(e));
  c.on('error', (e) =>
    seen.errors.push({ context: e.context, code: (e.error as { code?: string }).code ?? String(e.error) }),
  );
  c.on('membership', (e) => {
    if (e.change === 'joined') seen.joined.push(e.groupId);
  });
  return seen;
}

describe('client key transparency: a stale checkpoint holds received items (sqlite)', () => {
  let kt: KtWitnessPlatform;
  // Two minutes ahead on the client's clock (inside the server's ±300 s request window) makes
  // every cosignature older than this age, whatever the witnesses sign meanwhile.
  const MAX_AGE = 60_000;
  const AHEAD = 120_000;

  beforeAll(async () => {
    kt = await startKtWitnessPlatform('test.fulcrum/kt-hold');
  });
  afterAll(async () => {
    await kt?.close();
  });

  it('live: a Welcome and the messages after it wait, sends go out, then all arrive in order exactly once', async () => {
    const clock = new MovableClock();
    const transport = new FaultyTransport(kt.platform.url);
    // Each retry re-reads the checkpoint: count those reads.
    const checkpointFetches = () => transport.log.filter((r) => r.path === '/log/checkpoint').length;
    const c = await kt.device(
      { witnessPolicy: kt.policy('quorum now\n'), maxCheckpointAgeMs: MAX_AGE },
      { clock, transport, options: { receiveRetryDelayMs: { first: 50, max: 200 } } },
    );
    const seen = observe(c);
    // A conversation with alice from before: sending must not depend on a fresh checkpoint.
    const withAlice = await c.createConversation({ members: [kt.alice] });
    await kt.aliceClient.sync();
    await c.connect();

    clock.offset = AHEAD;
    const bob = await kt.device({});
    const conv = await bob.createConversation({ members: [c.self?.name as string] });
    for (const t of ['one', 'two', 'three']) await bob.sendText(conv.groupId, t);
    await waitFor('the pause', () => seen.receive.length > 0);
    expect(seen.receive).toEqual([expect.objectContaining({ state: 'paused', groupId: conv.groupId })]);
    expect(c.receivePaused?.code).toBe('tlog.stale_checkpoint');

    // Sends are not blocked: the message to alice is sent and she gets it.
    const receipt = await c.sendText(withAlice.groupId, 'still sending');
    expect(receipt.status).toBe('sent');
    await kt.aliceClient.sync();
    const aliceHistory = await kt.aliceClient.history(withAlice.groupId, {});
    expect(aliceHistory.map((m) => (m.content.type === 'text' ? m.content.text : ''))).toContain('still sending');

    // Several retries (backoff timer) and explicit syncs later: still held, still one event.
    const before = checkpointFetches();
    await c.sync();
    await c.sync();
    await waitFor('three more retries', () => checkpointFetches() >= before + 3);
    expect(seen.joined).toEqual([]);
    expect(seen.texts).toEqual([]);
    expect(await c.listConversations()).toEqual([expect.objectContaining({ groupId: withAlice.groupId })]);
    expect(seen.receive).toHaveLength(1);
    expect(seen.errors).toEqual([{ context: 'receive-paused', code: 'tlog.stale_checkpoint' }]);

    // A fresh checkpoint (the client's clock back): the next retry delivers everything, once.
    clock.offset = 0;
    await waitFor('the resume', () => seen.receive.length === 2);
    await waitFor('three messages', () => seen.texts.length >= 3);
    expect(seen.receive[1]).toEqual({ state: 'resumed' });
    expect(seen.joined).toEqual([conv.groupId]);
    expect(seen.texts).toEqual(['one', 'two', 'three']);
    // Nothing is left on the server and nothing comes twice.
    expect(await c.sync()).toMatchObject({ processed: 0 });
    const history = await c.history(conv.groupId, {});
    expect(history.map((m) => (m.content.type === 'text' ? m.content.text : ''))).toEqual(['one', 'two', 'three']);
    // Live pushes work again after the pause.
    await bob.sendText(conv.groupId, 'four');
    await waitFor('the fourth message', () => seen.texts.length === 4);
    expect(seen.texts).toEqual(['one', 'two', 'three', 'four']);
    expect(seen.errors).toHaveLength(1);
    c.disconnect();
  });

  it('a send whose epoch is behind the held items waits in the outbox and goes out after the pause', async () => {
    const clock = new MovableClock();
    const c = await kt.device({ witnessPolicy: kt.policy('quorum now\n'), maxCheckpointAgeMs: MAX_AGE }, { clock });
    const seen = observe(c);
    const bob = await kt.device({});
    const group = await c.createConversation({ members: [bob.self?.name as string] });
    await bob.sync();
    const dave = await kt.device({});

    clock.offset = AHEAD;
    // First a Welcome from dave (not proven by c yet: it holds the queue), then bob's commit in
    // the conversation c wants to send in.
    const fromDave = await dave.createConversation({ members: [c.self?.name as string] });
    await bob.addMembers(group.groupId, [kt.alice]);
    await c.sync();
    expect(c.receivePaused?.code).toBe('tlog.stale_checkpoint');
    // c's epoch is behind bob's commit: the server refuses the send as stale; it stays queued.
    const receipt = await c.sendText(group.groupId, 'behind the pause');
    expect(receipt.status).toBe('queued');
    await bob.sync();
    expect((await bob.history(group.groupId, {})).map((m) => m.content.type === 'text' && m.content.text)).toEqual([]);

    clock.offset = 0;
    expect(await c.sync()).toMatchObject({ sent: 1 });
    expect(c.receivePaused).toBeUndefined();
    expect(seen.joined).toEqual([fromDave.groupId]);
    await bob.sync();
    expect((await bob.history(group.groupId, {})).map((m) => m.content.type === 'text' && m.content.text)).toEqual([
      'behind the pause',
    ]);
    const mine = await c.history(group.groupId, {});
    expect(mine.map((m) => [m.content.type === 'text' && m.content.text, m.status])).toEqual([
      ['behind the pause', 'sent'],
    ]);
  });

  it('a checkpoint served without its witness quorum (fail-open) also holds; a witnessed one releases', async () => {
    const transport = new FaultyTransport(kt.platform.url);
    const c = await kt.device({ witnessPolicy: kt.policy('quorum now\n') }, { transport });
    const seen = observe(c);
    // The server serves /log/checkpoint with the log's signature only (what witnessFailOpenMs
    // does during a witness outage): the witnesses' cosignature lines are cut.
    transport.rewrite = (req, res) =>
      req.path === '/log/checkpoint'
        ? {
            ...res,
            body: new TextEncoder().encode(
              new TextDecoder()
                .decode(res.body)
                .split('\n')
                .filter((l) => !/^— test\.fulcrum\/(now|old|future) /.test(l))
                .join('\n'),
            ),
          }
        : res;
    const bob = await kt.device({});
    const conv = await bob.createConversation({ members: [c.self?.name as string] });
    await bob.sendText(conv.groupId, 'unwitnessed');
    await c.sync();
    await c.sync();
    expect(c.receivePaused?.code).toBe('tlog.policy_quorum_not_met');
    expect(seen.receive).toHaveLength(1);
    expect(seen.joined).toEqual([]);
    transport.rewrite = (_req, res) => res;
    await c.sync();
    expect(seen.receive.map((e) => e.state)).toEqual(['paused', 'resumed']);
    expect(seen.joined).toEqual([conv.groupId]);
    expect(seen.texts).toEqual(['unwitnessed']);
  });

  it('a log that serves no checkpoint (404, as before the first is witnessed) holds too; serving one releases', async () => {
    const transport = new FaultyTransport(kt.platform.url);
    const c = await kt.device({ witnessPolicy: kt.policy('quorum now\n') }, { transport });
    const seen = observe(c);
    transport.rewrite = (req, res) =>
      req.path === '/log/checkpoint' ? { status: 404, headers: {}, body: new Uint8Array(0) } : res;
    const bob = await kt.device({});
    const conv = await bob.createConversation({ members: [c.self?.name as string] });
    await bob.sendText(conv.groupId, 'not yet witnessed');
    await c.sync();
    expect(c.receivePaused?.code).toBe('tlog.tile_missing');
    expect(seen.joined).toEqual([]);
    transport.rewrite = (_req, res) => res;
    await c.sync();
    expect(seen.receive.map((e) => e.state)).toEqual(['paused', 'resumed']);
    expect(seen.joined).toEqual([conv.groupId]);
    expect(seen.texts).toEqual(['not yet witnessed']);
  });

  it('a restart while paused loses nothing: after it the items are held again, then delivered once', async () => {
    const clock = new MovableClock();
    const dataDir = mkdtempSync(join(kt.dir, 'restart-'));
    const options = { witnessPolicy: kt.policy('quorum now\n'), maxCheckpointAgeMs: MAX_AGE };
    const first = await kt.device(options, { clock, dataDir });
    const name = first.self?.name as string;
    const seen1 = observe(first);
    clock.offset = AHEAD;
    const bob = await kt.device({});
    const conv = await bob.createConversation({ members: [name] });
    for (const t of ['a', 'b']) await bob.sendText(conv.groupId, t);
    expect(await first.sync()).toMatchObject({ processed: 0 });
    expect(seen1.receive).toHaveLength(1);
    expect(first.receivePaused?.code).toBe('tlog.stale_checkpoint');
    await first.close();

    // Reopened, still stale: the same items come back from the server (never acknowledged).
    const second = await kt.device(options, { clock, dataDir, register: false });
    const seen2 = observe(second);
    await second.sync();
    expect(seen2.receive).toEqual([expect.objectContaining({ state: 'paused', groupId: conv.groupId })]);
    expect(await second.listConversations()).toEqual([]);
    await second.close();

    // Reopened with a fresh checkpoint: joined, both messages, in order, once.
    clock.offset = 0;
    const third = await kt.device(options, { clock, dataDir, register: false });
    const seen3 = observe(third);
    await third.sync();
    expect(third.receivePaused).toBeUndefined();
    expect(seen3.joined).toEqual([conv.groupId]);
    expect(seen3.texts).toEqual(['a', 'b']);
    expect(seen3.receive).toEqual([]);
    expect(await third.sync()).toMatchObject({ processed: 0 });
    const history = await third.history(conv.groupId, {});
    expect(history.map((m) => (m.content.type === 'text' ? m.content.text : ''))).toEqual(['a', 'b']);
  });
});
