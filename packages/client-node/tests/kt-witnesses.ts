/**
 * Shared setup of the key-transparency freshness tests: a real server (testkit, SQLite) whose log
 * is cosigned by three real witnesses over HTTP (in-process `startWitness`) with clocks now, two
 * days behind and one hour ahead; a policy builder naming them; clients with a movable clock.
 * Time moves only through the clocks passed in: nothing sleeps for an age to pass.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FulcrumClient as Client,
  type FulcrumClient,
  type FulcrumClientOptions,
  type KeyTransparencyOptions,
  type Transport,
} from '@fulcrum/client';
import { NodeTransport, SqliteClientStore } from '@fulcrum/client-node';
import { type Clock, isFulcrumError } from '@fulcrum/common';
import { type RunningWitness, startWitness, type TransparencyLogOptions } from '@fulcrum/server';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { unique } from './helpers.js';

export const HOUR = 3_600_000;

/** A clock the test moves: the system time plus `offset` ms. */
export class MovableClock implements Clock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
}

/** The code (and detail) a promise rejects with, or undefined if it resolves. */
export const errorOf = async (
  p: Promise<unknown>,
): Promise<{ code: string; detail?: Record<string, unknown> } | undefined> => {
  try {
    await p;
  } catch (e) {
    return isFulcrumError(e)
      ? { code: e.code, ...(e.detail === undefined ? {} : { detail: e.detail as Record<string, unknown> }) }
      : { code: `not-fulcrum: ${String(e)}` };
  }
  return undefined;
};
export const codeOf = async (p: Promise<unknown>) => (await errorOf(p))?.code;

export interface KtWitnessPlatform {
  readonly platform: TestPlatform;
  /** Temp dir of this setup (witness state, client data dirs); removed by `close`. */
  readonly dir: string;
  readonly logVkey: string;
  readonly witnesses: { readonly now: RunningWitness; readonly old: RunningWitness; readonly future: RunningWitness };
  /** An account without a policy (it never depends on freshness), registered; others add it. */
  readonly alice: string;
  readonly aliceClient: FulcrumClient;
  /** A C2SP tlog-policy naming the log and the three witnesses (`now`, `old`, `future`), then `quorum`. */
  policy(quorum: string): string;
  /**
   * A registered client on a fresh data dir (or `dataDir`) with key transparency pinned to the log
   * key and `kt` on top; closed by `close`.
   */
  device(
    kt: KeyTransparencyOptions,
    o?: {
      clock?: Clock;
      dataDir?: string;
      register?: boolean;
      options?: Partial<FulcrumClientOptions>;
      /** Default: a plain NodeTransport to the platform (pass a FaultyTransport to watch requests). */
      transport?: Transport;
    },
  ): Promise<FulcrumClient>;
  /** Size of the checkpoint the server serves now. */
  servedSize(): Promise<number>;
  /** Waits until the served checkpoint holds this device's `key.device` entry. */
  waitLogged(deviceId: string): Promise<void>;
  close(): Promise<void>;
}

/** Boots the platform with the three witnesses (the server collects all three on every checkpoint). */
export async function startKtWitnessPlatform(origin: string): Promise<KtWitnessPlatform> {
  const serverOptions: { transparencyLog: TransparencyLogOptions } = {
    transparencyLog: { origin, witnessTiming: { retryMs: 50, maxRetryMs: 300, pollMs: 20 } },
  };
  const platform = await startTestPlatform({ dialect: 'sqlite', server: serverOptions });
  const dir = mkdtempSync(join(tmpdir(), 'fulcrum-kt-fresh-'));
  const logVkey = (await (await fetch(`${platform.url}/log/key`)).text()).trim();
  const logs = [{ origin, vkey: logVkey }];
  const shifted = (ms: number): Clock => ({ now: () => Date.now() + ms });
  const now = await startWitness({ dataDir: join(dir, 'now'), port: 0, name: 'test.fulcrum/now', logs });
  const old = await startWitness({
    dataDir: join(dir, 'old'),
    port: 0,
    name: 'test.fulcrum/old',
    logs,
    clock: shifted(-48 * HOUR),
  });
  const future = await startWitness({
    dataDir: join(dir, 'future'),
    port: 0,
    name: 'test.fulcrum/future',
    logs,
    clock: shifted(HOUR),
  });
  serverOptions.transparencyLog = {
    ...serverOptions.transparencyLog,
    witnesses: [
      { name: 'now', vkey: now.vkey, url: now.url },
      { name: 'old', vkey: old.vkey, url: old.url },
      { name: 'future', vkey: future.vkey, url: future.url },
    ],
  };
  await platform.restart();
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`${platform.url}/log/key`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const clients: FulcrumClient[] = [];
  const device: KtWitnessPlatform['device'] = async (kt, o = {}) => {
    const c = await Client.open({
      keyPackageTarget: 4,
      ...o.options,
      keyTransparency: { logKey: logVkey, integrationWaitMs: 5000, ...kt },
      ...(o.clock === undefined ? {} : { clock: o.clock }),
      store: new SqliteClientStore(o.dataDir ?? mkdtempSync(join(dir, 'client-'))),
      transport: o.transport ?? new NodeTransport(platform.url),
    });
    clients.push(c);
    if (o.register !== false) await c.register(unique('member'));
    return c;
  };
  const alice = unique('alice');
  const aliceClient = await device({}, { options: { keyPackageTarget: 8 }, register: false });
  await aliceClient.register(alice);
  return {
    platform,
    dir,
    logVkey,
    witnesses: { now, old, future },
    alice,
    aliceClient,
    policy: (quorum) =>
      `log ${logVkey}\nwitness now ${now.vkey}\nwitness old ${old.vkey}\nwitness future ${future.vkey}\n${quorum}`,
    device,
    servedSize: async () => Number((await (await fetch(`${platform.url}/log/checkpoint`)).text()).split('\n')[1]),
    waitLogged: async (deviceId) => {
      for (let i = 0; i < 400; i++) {
        if ((await fetch(`${platform.url}/log/kt/device/${deviceId}`)).ok) return;
        await new Promise((res) => setTimeout(res, 25));
      }
      throw new Error(`device ${deviceId} not under the served checkpoint`);
    },
    close: async () => {
      for (const c of clients) await c.close().catch(() => {});
      await platform.close();
      await now.close();
      await old.close();
      await future.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
