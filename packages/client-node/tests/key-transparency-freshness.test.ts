/**
 * Key-transparency freshness (issue 6, freeze attacks): with a witness policy, the client counts
 * a witness toward the quorum only if its cosignature timestamp is at most `maxCheckpointAgeMs`
 * old by the client's Clock (and not beyond `maxClockSkewMs` ahead). Real server (testkit), three
 * real witnesses over HTTP (in-process `startWitness`) whose clocks are now, two days behind and
 * one hour ahead; the server collects all three cosignatures on every checkpoint. Time moves only
 * through the clocks passed in: nothing sleeps for the age to pass.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { FulcrumClient as Client, DEFAULT_MAX_CHECKPOINT_AGE_MS, type FulcrumClient } from '@fulcrum/client';
import { createNodeClient, SqliteClientStore } from '@fulcrum/client-node';
import { isFulcrumError } from '@fulcrum/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultyTransport, unique } from './helpers.js';
import { codeOf, errorOf, HOUR, type KtWitnessPlatform, MovableClock, startKtWitnessPlatform } from './kt-witnesses.js';

describe('client key transparency: checkpoint freshness (sqlite)', () => {
  let kt: KtWitnessPlatform;
  let alice: string;
  const clients: FulcrumClient[] = [];
  const policy = (quorum: string) => kt.policy(quorum);
  const device = (o: Parameters<KtWitnessPlatform['device']>[0], clock?: MovableClock) =>
    kt.device(o, clock === undefined ? {} : { clock });
  const servedSize = () => kt.servedSize();

  beforeAll(async () => {
    kt = await startKtWitnessPlatform('test.fulcrum/kt-fresh');
    alice = kt.alice;
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await kt?.close();
  });

  it('a freshly cosigned checkpoint is accepted under the default 24 h; old and future cosignatures do not count', async () => {
    expect(DEFAULT_MAX_CHECKPOINT_AGE_MS).toBe(24 * HOUR);
    // The served note really carries all three cosignatures (two of them outside the window).
    const served = await (await fetch(`${kt.platform.url}/log/witnesses`)).json();
    expect((served as { checkpoint: { cosignedBy: string[] } }).checkpoint.cosignedBy.sort()).toEqual([
      'future',
      'now',
      'old',
    ]);

    const fresh = await device({ witnessPolicy: policy('quorum now\n') });
    await fresh.createConversation({ members: [alice] });
    // "any of old, now": the fresh one suffices, the old one is ignored.
    const anyOf = await device({ witnessPolicy: policy('group g any old now\nquorum g\n') });
    await anyOf.createConversation({ members: [alice] });

    // "all of now, old": old's cosignature is two days old — it does not count.
    const withOld = await device({ witnessPolicy: policy('group g all now old\nquorum g\n') });
    const stale = await errorOf(withOld.createConversation({ members: [alice] }));
    expect(stale?.code).toBe('tlog.stale_checkpoint');
    // Every policy witness's cosignature is classified: old is stale, future is ahead.
    expect(stale?.detail).toMatchObject({
      cosignedBy: ['now'],
      stale: [{ name: 'old' }],
      future: [{ name: 'future' }],
    });
    // The same policy with a 72 h window, or with the check turned off: accepted.
    const lax = await device({
      witnessPolicy: policy('group g all now old\nquorum g\n'),
      maxCheckpointAgeMs: 72 * HOUR,
    });
    await lax.createConversation({ members: [alice] });
    const off = await device({ witnessPolicy: policy('group g all now old\nquorum g\n'), maxCheckpointAgeMs: false });
    await off.createConversation({ members: [alice] });

    // "all of now, future": future's timestamp is an hour ahead, beyond the default 5 min skew.
    const withFuture = await device({ witnessPolicy: policy('group g all now future\nquorum g\n') });
    const ahead = await errorOf(withFuture.createConversation({ members: [alice] }));
    expect(ahead?.code).toBe('tlog.stale_checkpoint');
    expect(ahead?.detail).toMatchObject({ future: [{ name: 'future' }] });
    const skewed = await device({
      witnessPolicy: policy('group g all now future\nquorum g\n'),
      maxClockSkewMs: 2 * HOUR,
    });
    await skewed.createConversation({ members: [alice] });

    // A client without a policy has no signed time to check: unchanged.
    const plain = await device({});
    await plain.createConversation({ members: [alice] });
  });

  it('the same checkpoint is refused once the age has passed on the client clock, and the refusal reaches the error event (the Welcome is held, then joined)', async () => {
    const clock = new MovableClock();
    const c = await device({ witnessPolicy: policy('quorum now\n'), maxCheckpointAgeMs: 60_000 }, clock);
    const errors: unknown[] = [];
    c.on('error', (e) => errors.push(e.error));
    // Wait until c's own registration is under the served checkpoint: from then on nothing is
    // logged until bob registers below, so the served checkpoint stays the same one.
    await kt.waitLogged(c.self?.deviceId as string);
    await c.createConversation({ members: [alice] });
    const size = await servedSize();

    // Two minutes later by the client's clock (still inside the server's ±300 s request window):
    // the served checkpoint's cosignature is older than 60 s.
    clock.offset = 120_000;
    expect(await servedSize()).toBe(size); // nothing new was logged: the same checkpoint
    const refused = await errorOf(c.createConversation({ members: [alice] }));
    expect(refused?.code).toBe('tlog.stale_checkpoint');
    expect(refused?.detail).toMatchObject({ cosignedBy: [], maxAgeMs: 60_000 });

    // Processing: a Welcome from a device this client has not verified yet is not joined, and the
    // error event carries the code — but the Welcome is held, not dropped
    // (key-transparency-stale-hold.test.ts has the whole story).
    const bob = await device({});
    const fromBob = await bob.createConversation({ members: [c.self?.name as string] });
    await c.sync();
    expect((await c.listConversations()).map((x) => x.groupId)).not.toContain(fromBob.groupId);
    expect(errors.map((e) => (isFulcrumError(e) ? e.code : String(e)))).toContain('tlog.stale_checkpoint');
    expect(c.receivePaused?.code).toBe('tlog.stale_checkpoint');

    // Not a permanent refusal: with the clock back, a fresh checkpoint is accepted again, and the
    // held Welcome is joined.
    clock.offset = 0;
    await c.createConversation({ members: [alice] });
    await c.sync();
    expect((await c.listConversations()).map((x) => x.groupId)).toContain(fromBob.groupId);
    expect(c.receivePaused).toBeUndefined();
  });

  it('a smaller checkpoint is a rollback even when freshly cosigned', async () => {
    const storeDir = mkdtempSync(join(kt.dir, 'rollback-'));
    const open = async (transport: FaultyTransport) => {
      const c = await Client.open({
        store: new SqliteClientStore(storeDir),
        transport,
        keyPackageTarget: 4,
        keyTransparency: { logKey: kt.logVkey, integrationWaitMs: 5000, witnessPolicy: policy('quorum now\n') },
      });
      clients.push(c);
      return c;
    };
    const transport = new FaultyTransport(kt.platform.url);
    const client = await open(transport);
    await client.register(unique('carol'));
    const old = await (await fetch(`${kt.platform.url}/log/checkpoint`)).text();
    const oldSize = Number(old.split('\n')[1]);
    // The log grows (a new account), and the client moves to the newer checkpoint.
    await device({});
    for (let i = 0; i < 400 && (await servedSize()) <= oldSize; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await servedSize()).toBeGreaterThan(oldSize);
    await client.createConversation({ members: [alice] });
    // The old note's cosignatures are seconds old — fresh — but it is smaller than what was accepted.
    transport.rewrite = (req, res) =>
      req.path === '/log/checkpoint' ? { ...res, body: new TextEncoder().encode(old) } : res;
    expect(await codeOf(client.createConversation({ members: [alice] }))).toBe('tlog.rollback');
    // The accepted checkpoint is in the store: after a restart the old one is still a rollback.
    await client.close();
    const again = new FaultyTransport(kt.platform.url);
    again.rewrite = transport.rewrite;
    const reopened = await open(again);
    expect(await codeOf(reopened.createConversation({ members: [alice] }))).toBe('tlog.rollback');
  });

  it('a bad window is refused when the client is created', async () => {
    for (const bad of [{ maxCheckpointAgeMs: 0 }, { maxCheckpointAgeMs: Number.NaN }, { maxClockSkewMs: -1 }]) {
      await expect(
        createNodeClient({
          server: kt.platform.url,
          dataDir: mkdtempSync(join(kt.dir, 'bad-')),
          options: { keyTransparency: bad },
        }).then((c) => clients.push(c)),
      ).rejects.toThrow(RangeError);
    }
  });
});
