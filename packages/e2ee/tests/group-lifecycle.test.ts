import { describe, expect, it } from 'vitest';
import { decodeGroupState, encodeGroupState, type GroupState } from '@fulcrum/e2ee';
import { client, codeOf, InMemoryDirectory, makeAccount, makeDevice, text, utf8 } from './fixtures.js';

describe('group lifecycle: 3 devices across 2 accounts', () => {
  it('creates, adds, exchanges messages, removes one; the removed device cannot read on', async () => {
    const dir = new InMemoryDirectory();
    const mls = await client(dir);
    const alice = makeAccount(dir, 'alice');
    const bob = makeAccount(dir, 'bob');
    const a1 = makeDevice(dir, alice, 'a1');
    const a2 = makeDevice(dir, alice, 'a2');
    const b1 = makeDevice(dir, bob, 'b1');

    const kpA2 = await mls.createKeyPackages(a2.state, { count: 2 });
    const kpB1 = await mls.createKeyPackages(b1.state, { count: 1, lastResort: true });
    expect(kpB1.keyPackages[0]?.lastResort).toBe(true);

    let gA1: GroupState = await mls.createGroup(a1.state, { name: 'trip' });
    expect(gA1.epoch).toBe(0n);
    expect(gA1.name).toBe('trip');

    const add = await mls.addDevices(gA1, [kpA2.keyPackages[0]!.keyPackage, kpB1.keyPackages[0]!.keyPackage]);
    expect(add.epoch).toBe(1n);
    expect(add.added.map((m) => m.certificate.deviceId)).toEqual(['a2', 'b1']);
    expect(add.welcome).toBeDefined();
    gA1 = add.group;
    add.wipeConsumed();

    const jA2 = await mls.joinFromWelcome(kpA2.device, add.welcome!);
    const jB1 = await mls.joinFromWelcome(kpB1.device, add.welcome!);
    jA2.wipeConsumed();
    jB1.wipeConsumed();
    expect(jA2.device.keyPackageRefs()).toHaveLength(1); // one normal package used
    expect(jB1.device.keyPackageRefs()).toHaveLength(1); // last resort kept
    let gA2 = jA2.group;
    let gB1 = decodeGroupState(encodeGroupState(jB1.group)); // persisted and reloaded
    expect(gB1.name).toBe('trip');
    expect(gB1.members().map((m) => m.certificate.deviceId)).toEqual(['a1', 'a2', 'b1']);

    const sent = await mls.encryptMessage(gA1, utf8('hello'), utf8('franking-aad'));
    gA1 = sent.group;
    sent.wipeConsumed();
    for (const [name, g] of [
      ['a2', gA2],
      ['b1', gB1],
    ] as const) {
      const r = await mls.processMessage(g, sent.message);
      if (r.kind !== 'application') throw new Error('expected application');
      expect(text(r.plaintext)).toBe('hello');
      expect(text(r.authenticatedData)).toBe('franking-aad');
      expect(r.sender.certificate.deviceId).toBe('a1');
      r.wipeConsumed();
      if (name === 'a2') gA2 = r.group;
      else gB1 = r.group;
    }

    // b1 removes a2 (another account's device).
    const rm = await mls.removeDevices(gB1, [{ accountId: alice.accountId, deviceId: a2.certificate.deviceId }]);
    expect(rm.removed.map((m) => m.certificate.deviceId)).toEqual(['a2']);
    gB1 = rm.group;
    rm.wipeConsumed();
    const seenByA1 = await mls.processMessage(gA1, rm.commit);
    if (seenByA1.kind !== 'commit') throw new Error('expected commit');
    expect(seenByA1.removed.map((m) => m.certificate.deviceId)).toEqual(['a2']);
    gA1 = seenByA1.group;
    seenByA1.wipeConsumed();
    const seenByA2 = await mls.processMessage(gA2, rm.commit);
    if (seenByA2.kind !== 'commit') throw new Error('expected commit');
    expect(seenByA2.removedSelf).toBe(true);
    expect(seenByA2.group.isActive).toBe(false);

    const later = await mls.encryptMessage(gA1, utf8('after removal'));
    gA1 = later.group;
    const r = await mls.processMessage(gB1, later.message);
    expect(r.kind === 'application' && text(r.plaintext)).toBe('after removal');
    // The removed device, with its state from before or after the removal, cannot read it.
    expect(await codeOf(mls.processMessage(seenByA2.group, later.message))).toBe('e2ee.not_allowed');
    expect(await codeOf(mls.processMessage(gA2, later.message))).toBe('e2ee.future_epoch');

    // Stale epoch: a commit made at epoch 2 processed after the group moved to epoch 3.
    const upd = await mls.update(gA1);
    const staleCommit = (await mls.update(gB1)).commit; // b1 races at epoch 2
    const atB1 = await mls.processMessage(gB1, upd.commit);
    gB1 = atB1.group;
    expect(await codeOf(mls.processMessage(gB1, staleCommit))).toBe('e2ee.stale_epoch');
  });
});
