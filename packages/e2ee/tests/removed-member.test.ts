/**
 * Regression for the ts-mls removed-member flaw (LukaJCB/ts-mls#436, fixed in 1.6.4): the same
 * detector must report "safe" on the pinned ts-mls and report the leak on ts-mls 1.6.2, which proves
 * the test would fail if the pin slipped back.
 */
import { describe, expect, it } from 'vitest';
import * as tsMls from 'ts-mls';
import * as tsMls162 from 'ts-mls-1.6.2';
import e2eePackage from '../package.json' with { type: 'json' };
import { client, codeOf, InMemoryDirectory, makeAccount, makeDevice, utf8 } from './fixtures.js';
import { detectRemovedMemberLeak, type TsMlsModule } from './removed-member-detector.js';
import { processMessage as rawProcess, emptyPskIndex, acceptAll, decodeMlsMessage } from 'ts-mls';
import { unwrapGroupState } from '../src/group-state.js';
import { cs, acceptAnyCredential } from './raw-ts-mls.js';

describe('removed member cannot read on (ts-mls#436)', () => {
  it('ts-mls is pinned to exactly 1.6.4', () => {
    expect(e2eePackage.dependencies['ts-mls']).toBe('1.6.4');
  });

  it('detector: ts-mls 1.6.4 is safe', async () => {
    const report = await detectRemovedMemberLeak(tsMls);
    expect(report).toEqual({ commitHasPath: true, removedMemberDecrypted: false, leaked: false });
  });

  it('detector: ts-mls 1.6.2 leaks (so this test fails on 1.6.2)', async () => {
    const report = await detectRemovedMemberLeak(tsMls162 as unknown as TsMlsModule);
    expect(report.commitHasPath).toBe(false);
    expect(report.removedMemberDecrypted).toBe(true);
    expect(report.leaked).toBe(true);
  });

  it('through the facade: a removed device cannot decrypt later application messages', async () => {
    const dir = new InMemoryDirectory();
    const mls = await client(dir);
    const alice = makeAccount(dir, 'alice');
    const bob = makeAccount(dir, 'bob');
    const a1 = makeDevice(dir, alice, 'a1');
    const b1 = makeDevice(dir, bob, 'b1');
    const b2 = makeDevice(dir, bob, 'b2');
    const kp1 = await mls.createKeyPackages(b1.state, { count: 1 });
    const kp2 = await mls.createKeyPackages(b2.state, { count: 1 });
    const add = await mls.addDevices(await mls.createGroup(a1.state), [
      kp1.keyPackages[0]!.keyPackage,
      kp2.keyPackages[0]!.keyPackage,
    ]);
    const gB1 = (await mls.joinFromWelcome(kp1.device, add.welcome!)).group;
    const gB2 = (await mls.joinFromWelcome(kp2.device, add.welcome!)).group;

    const rm = await mls.removeDevices(add.group, [{ accountId: bob.accountId, deviceId: b2.certificate.deviceId }]);
    expect(parseCommitHasPath(rm.commit)).toBe(true);
    const atB1 = await mls.processMessage(gB1, rm.commit);
    const atB2 = await mls.processMessage(gB2, rm.commit);
    expect(atB2.kind === 'commit' && atB2.removedSelf).toBe(true);
    const later = await mls.encryptMessage(rm.group, utf8('secret'));
    const readByB1 = await mls.processMessage(atB1.group, later.message);
    expect(readByB1.kind === 'application' && new TextDecoder().decode(readByB1.plaintext)).toBe('secret');

    // The facade refuses; and the raw library, driven by the removed device's own state, fails too.
    expect(await codeOf(mls.processMessage(atB2.group, later.message))).toBe('e2ee.not_allowed');
    const msg = decodeMlsMessage(later.message, 0)![0];
    if (msg.wireformat !== 'mls_private_message') throw new Error('expected private message');
    for (const state of [atB2.group, gB2]) {
      await expect(
        rawProcess(
          msg,
          { ...unwrapGroupState(state), clientConfig: acceptAnyCredential },
          emptyPskIndex,
          acceptAll,
          await cs(),
        ),
      ).rejects.toThrow();
    }
  });
});

function parseCommitHasPath(bytes: Uint8Array): boolean {
  const m = decodeMlsMessage(bytes, 0)![0];
  return (
    m.wireformat === 'mls_public_message' &&
    m.publicMessage.content.contentType === 'commit' &&
    m.publicMessage.content.commit.path !== undefined
  );
}
