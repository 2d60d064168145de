/**
 * Key transparency with a witness policy (issue 6): the server collects cosignatures from two
 * real witnesses (in-process `startWitness`, real HTTP); a client whose `witnessPolicy` names
 * them accepts keys; a client whose policy also requires a witness the log never used refuses
 * them (`tlog.policy_quorum_not_met`); a policy naming another log refuses the log
 * (`tlog.policy_unknown_log`); a client without a policy behaves as before.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FulcrumClient, KeyTransparencyOptions } from '@fulcrum/client';
import { createNodeClient } from '@fulcrum/client-node';
import { isFulcrumError } from '@fulcrum/common';
import { type RunningWitness, startWitness, type TransparencyLogOptions } from '@fulcrum/server';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { createCosignatureV1Signer, formatVerifierKey, generateEd25519NoteKey } from '@fulcrum/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from './helpers.js';

const ORIGIN = 'test.fulcrum/kt-witnessed';

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
  } catch (e) {
    return isFulcrumError(e) ? e.code : `not-fulcrum: ${String(e)}`;
  }
  return undefined;
};

describe('client key transparency with a witness policy (sqlite)', () => {
  const serverOptions: { transparencyLog: TransparencyLogOptions } = {
    transparencyLog: { origin: ORIGIN, witnessTiming: { retryMs: 50, maxRetryMs: 300, pollMs: 20 } },
  };
  let platform: TestPlatform;
  let dir: string;
  let w1: RunningWitness;
  let w2: RunningWitness;
  let logVkey: string;
  const clients: FulcrumClient[] = [];

  const device = async (kt: KeyTransparencyOptions) => {
    const c = await createNodeClient({
      server: platform.url,
      dataDir: mkdtempSync(join(dir, 'client-')),
      options: { keyPackageTarget: 4, keyTransparency: { integrationWaitMs: 5000, ...kt } },
    });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    platform = await startTestPlatform({ dialect: 'sqlite', server: serverOptions });
    dir = mkdtempSync(join(tmpdir(), 'fulcrum-kt-witness-'));
    logVkey = (await (await fetch(`${platform.url}/log/key`)).text()).trim();
    const logs = [{ origin: ORIGIN, vkey: logVkey }];
    w1 = await startWitness({ dataDir: join(dir, 'w1'), port: 0, name: 'test.fulcrum/w1', logs });
    w2 = await startWitness({ dataDir: join(dir, 'w2'), port: 0, name: 'test.fulcrum/w2', logs });
    serverOptions.transparencyLog = {
      ...serverOptions.transparencyLog,
      witnesses: [
        { name: 'w1', vkey: w1.vkey, url: w1.url },
        { name: 'w2', vkey: w2.vkey, url: w2.url },
      ],
    };
    await platform.restart();
    // Keep-alive sockets to the old process are dead: wait for the new one.
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
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await platform?.close();
    await w1?.close();
    await w2?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const both = () =>
    `log ${logVkey}\nwitness w1 ${w1.vkey}\nwitness w2 ${w2.vkey}\ngroup both all w1 w2\nquorum both\n`;

  it('a client requiring both witnesses accepts keys; one requiring a third witness refuses them', async () => {
    const a = await device({ logKey: logVkey, witnessPolicy: both() });
    const b = await device({ logKey: logVkey, witnessPolicy: both() });
    const alice = unique('alice');
    await a.register(alice);
    await b.register(unique('bob'));
    const conv = await b.createConversation({ members: [alice] });
    await a.sync();
    await b.sendText(conv.groupId, 'witnessed hello');
    await a.sync();
    expect((await a.history(conv.groupId, {})).map((m) => (m.content.type === 'text' ? m.content.text : ''))).toEqual([
      'witnessed hello',
    ]);

    // A witness this log never submitted to: no checkpoint can satisfy this policy.
    const w3 = formatVerifierKey(
      createCosignatureV1Signer('test.fulcrum/w3', new Uint8Array(32).fill(3), { now: () => 0 }),
    );
    const strict = await device({
      logKey: logVkey,
      witnessPolicy: `witness w1 ${w1.vkey}\nwitness w2 ${w2.vkey}\nwitness w3 ${w3}\ngroup all3 all w1 w2 w3\nquorum all3\n`,
    });
    await strict.register(unique('carol'));
    expect(await codeOf(strict.createConversation({ members: [alice] }))).toBe('tlog.policy_quorum_not_met');

    // A policy for another log.
    const other = await device({
      logKey: logVkey,
      witnessPolicy: `log ${formatVerifierKey(generateEd25519NoteKey(ORIGIN).signer)}\nwitness w1 ${w1.vkey}\nquorum w1\n`,
    });
    await other.register(unique('dave'));
    expect(await codeOf(other.createConversation({ members: [alice] }))).toBe('tlog.policy_unknown_log');

    // "any of w1, w3" is met by w1's cosignature; no policy at all: as before.
    const lenient = await device({
      logKey: logVkey,
      witnessPolicy: `witness w1 ${w1.vkey}\nwitness w3 ${w3}\ngroup g any w1 w3\nquorum g\n`,
    });
    await lenient.register(unique('erin'));
    await lenient.createConversation({ members: [alice] });
    const plain = await device({});
    await plain.register(unique('frank'));
    await plain.createConversation({ members: [alice] });
  });

  it('a malformed policy is refused when the client is created', async () => {
    expect(
      await codeOf(
        createNodeClient({
          server: platform.url,
          dataDir: mkdtempSync(join(dir, 'bad-')),
          options: { keyTransparency: { witnessPolicy: 'quorum nobody\n' } },
        }).then((c) => {
          clients.push(c);
        }),
      ),
    ).toBe('tlog.policy_malformed');
  });
});
