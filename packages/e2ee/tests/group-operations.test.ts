/**
 * Group operations beyond the basic lifecycle: leave (proposal + another member's commit), rename
 * (GroupContextExtensions), wire-format policy, wrong group / future epoch, late messages from a
 * retained epoch, exporter agreement, key package handling, and persisted states.
 */
import { describe, expect, it } from 'vitest';
import { isFulcrumError } from '@fulcrum/common';
import {
  decodeDeviceState,
  decodeGroupState,
  encodeDeviceState,
  encodeGroupState,
  forgetKeyPackages,
  type GroupState,
  type MlsClient,
  parseMlsMessageMeta,
} from '@fulcrum/e2ee';
import { encodeMlsMessage, createCommit } from 'ts-mls';
import { unwrapGroupState, wrapGroupState } from '../src/group-state.js';
import { client, codeOf, InMemoryDirectory, makeAccount, makeDevice, text, utf8 } from './fixtures.js';
import { acceptAnyCredential, cs } from './raw-ts-mls.js';

async function threeDevices() {
  const dir = new InMemoryDirectory();
  const mls = await client(dir);
  const alice = makeAccount(dir, 'alice');
  const bob = makeAccount(dir, 'bob');
  const a1 = makeDevice(dir, alice, 'a1');
  const a2 = makeDevice(dir, alice, 'a2');
  const b1 = makeDevice(dir, bob, 'b1');
  const kpA2 = await mls.createKeyPackages(a2.state, { count: 1 });
  const kpB1 = await mls.createKeyPackages(b1.state, { count: 1 });
  const add = await mls.addDevices(await mls.createGroup(a1.state, { name: 'first' }), [
    kpA2.keyPackages[0]!.keyPackage,
    kpB1.keyPackages[0]!.keyPackage,
  ]);
  const g = {
    a1: add.group,
    a2: (await mls.joinFromWelcome(kpA2.device, add.welcome!)).group,
    b1: (await mls.joinFromWelcome(kpB1.device, add.welcome!)).group,
  };
  return { dir, mls, alice, bob, a1, a2, b1, g };
}

/** Delivers a handshake message to the listed states, returning their new states. */
async function deliver(mls: MlsClient, message: Uint8Array, states: GroupState[]): Promise<GroupState[]> {
  const out: GroupState[] = [];
  for (const s of states) {
    const r = await mls.processMessage(s, message);
    r.wipeConsumed();
    out.push(r.group);
  }
  return out;
}

describe('group operations', () => {
  it('leave: a member proposes its own removal; another member commits it', async () => {
    const { mls, g } = await threeDevices();
    const leave = await mls.proposeLeave(g.b1);
    expect(parseMlsMessageMeta(leave.proposal)).toMatchObject({ wireFormat: 'public', contentType: 'proposal' });
    const atA1 = await mls.processMessage(g.a1, leave.proposal);
    if (atA1.kind !== 'proposal') throw new Error('expected proposal');
    expect(atA1.proposal.type).toBe('remove');
    expect(atA1.proposal.type === 'remove' && atA1.proposal.removed.certificate.deviceId).toBe('b1');
    expect(atA1.group.pendingProposalCount).toBe(1);
    const [a2] = await deliver(mls, leave.proposal, [g.a2]);
    // MLS forbids committing one's own removal: the leaver cannot commit it itself.
    expect(await codeOf(mls.commitPendingProposals(leave.group))).toBe('e2ee.mls_rejected');
    const commit = await mls.commitPendingProposals(atA1.group);
    expect(commit.removed.map((m) => m.certificate.deviceId)).toEqual(['b1']);
    const atB1 = await mls.processMessage(leave.group, commit.commit);
    expect(atB1.kind === 'commit' && atB1.removedSelf).toBe(true);
    const [a2b] = await deliver(mls, commit.commit, [a2!]);
    expect(a2b!.members().map((m) => m.certificate.deviceId)).toEqual(['a1', 'a2']);
  });

  it('rename: a GroupContextExtensions commit every member sees', async () => {
    const { mls, g } = await threeDevices();
    expect(g.b1.name).toBe('first');
    const r = await mls.rename(g.b1, 'second ✈');
    expect(r.group.name).toBe('second ✈');
    const atA1 = await mls.processMessage(g.a1, r.commit);
    expect(atA1.kind === 'commit' && atA1.renamedTo).toBe('second ✈');
    expect(atA1.group.name).toBe('second ✈');
    expect(await codeOf(mls.rename(g.b1, 'x'.repeat(300)))).toBe('e2ee.too_large');
  });

  it('handshake messages are PublicMessage; a commit sent as PrivateMessage is refused', async () => {
    const { mls, g } = await threeDevices();
    const upd = await mls.update(g.a1);
    expect(parseMlsMessageMeta(upd.commit)).toMatchObject({ wireFormat: 'public', contentType: 'commit' });
    const privateCommit = await createCommit(
      { state: { ...unwrapGroupState(g.a1), clientConfig: acceptAnyCredential }, cipherSuite: await cs() },
      { wireAsPublicMessage: false },
    );
    const bytes = encodeMlsMessage(privateCommit.commit);
    expect(parseMlsMessageMeta(bytes)).toMatchObject({ wireFormat: 'private', contentType: 'commit' });
    expect(await codeOf(mls.processMessage(g.b1, bytes))).toBe('e2ee.wrong_wire_format');
  });

  it('wrong group, future epoch, garbage', async () => {
    const { mls, g, a1 } = await threeDevices();
    const other = await mls.createGroup(a1.state);
    const msg = await mls.encryptMessage(other, utf8('x'));
    expect(await codeOf(mls.processMessage(g.b1, msg.message))).toBe('e2ee.wrong_group');
    const u1 = await mls.update(g.a1);
    const u2 = await mls.update(u1.group);
    expect(await codeOf(mls.processMessage(g.b1, u2.commit))).toBe('e2ee.future_epoch');
    const [b1] = await deliver(mls, u1.commit, [g.b1]);
    expect((await mls.processMessage(b1!, u2.commit)).kind).toBe('commit');
    expect(await codeOf(mls.processMessage(g.b1, new Uint8Array([0, 1, 0, 1])))).toBe('e2ee.malformed');
  });

  it('a late application message from the previous epoch still decrypts (retained keys)', async () => {
    const { mls, g } = await threeDevices();
    const early = await mls.encryptMessage(g.a2, utf8('sent at epoch 1'));
    const upd = await mls.update(g.a1);
    const [b1] = await deliver(mls, upd.commit, [g.b1]);
    const r = await mls.processMessage(b1!, early.message);
    expect(r.kind === 'application' && text(r.plaintext)).toBe('sent at epoch 1');
    expect(r.kind === 'application' && r.epoch).toBe(1n);
    expect(r.kind === 'application' && r.sender.certificate.deviceId).toBe('a2');
  });

  it('members agree on MLS-Exporter outputs (RFC 9420 §8.5)', async () => {
    const { mls, g } = await threeDevices();
    const ctx = utf8('ctx');
    const x = await mls.exportSecret(g.a1, 'fulcrum test', ctx, 32);
    expect(await mls.exportSecret(g.b1, 'fulcrum test', ctx, 32)).toEqual(x);
    expect(await mls.exportSecret(g.b1, 'other label', ctx, 32)).not.toEqual(x);
  });

  it('key packages: inspect, count limits, one-use vs last resort, unknown Welcome, forget', async () => {
    const { mls, dir, alice, bob } = await threeDevices();
    const c1 = makeDevice(dir, bob, 'b9');
    const kps = await mls.createKeyPackages(c1.state, { count: 2 });
    const info = await mls.inspectKeyPackage(kps.keyPackages[0]!.keyPackage);
    expect(info.certificate.deviceId).toBe('b9');
    expect(info.ref).toEqual(kps.keyPackages[0]!.ref);
    expect(info.lastResort).toBe(false);
    expect(info.notAfter - info.notBefore).toBe(90n * 24n * 3600n + 3600n);
    expect(await codeOf(mls.createKeyPackages(c1.state, { count: 0 }))).toBe('e2ee.malformed');
    expect(await codeOf(mls.createKeyPackages(c1.state, { count: 1001 }))).toBe('e2ee.malformed');
    const tampered = kps.keyPackages[0]!.keyPackage.slice();
    tampered[tampered.length - 1]! ^= 1;
    expect(await codeOf(mls.inspectKeyPackage(tampered))).toBe('e2ee.bad_signature');

    // A last-resort package can be claimed by two groups; the device keeps it.
    const lr = await mls.createKeyPackages(kps.device, { count: 1, lastResort: true });
    expect((await mls.inspectKeyPackage(lr.keyPackages[0]!.keyPackage)).lastResort).toBe(true);
    const creator = makeDevice(dir, alice, 'a7');
    const add1 = await mls.addDevices(await mls.createGroup(creator.state), [lr.keyPackages[0]!.keyPackage]);
    const add2 = await mls.addDevices(await mls.createGroup(creator.state), [lr.keyPackages[0]!.keyPackage]);
    const j1 = await mls.joinFromWelcome(lr.device, add1.welcome!);
    const j2 = await mls.joinFromWelcome(j1.device, add2.welcome!);
    expect(j2.device.keyPackageRefs()).toHaveLength(3);
    // A Welcome for someone else's package.
    const stranger = makeDevice(dir, alice, 'a8');
    expect(await codeOf(mls.joinFromWelcome(stranger.state, add1.welcome!))).toBe('e2ee.no_matching_key_package');
    // A normal package is single-use.
    const add3 = await mls.addDevices(await mls.createGroup(creator.state), [kps.keyPackages[1]!.keyPackage]);
    const j3 = await mls.joinFromWelcome(j2.device, add3.welcome!);
    expect(j3.device.keyPackageRefs()).toHaveLength(2);
    expect(await codeOf(mls.joinFromWelcome(j3.device, add3.welcome!))).toBe('e2ee.no_matching_key_package');
    const f = forgetKeyPackages(j3.device, [kps.keyPackages[0]!.ref]);
    expect(f.device.keyPackageRefs().map((k) => k.lastResort)).toEqual([true]);
    f.wipeConsumed();
  });

  it('device and group states round-trip through their encodings and keep working', async () => {
    const { mls, g, dir, bob } = await threeDevices();
    const d = makeDevice(dir, bob, 'b5');
    const kp = await mls.createKeyPackages(d.state, { count: 3 });
    const dBack = decodeDeviceState(encodeDeviceState(kp.device));
    expect(dBack.keyPackageRefs()).toEqual(kp.device.keyPackageRefs());
    expect(dBack.certificate.encoded).toEqual(kp.device.certificate.encoded);
    const add = await mls.addDevices(decodeGroupState(encodeGroupState(g.a1)), [kp.keyPackages[2]!.keyPackage]);
    const joined = await mls.joinFromWelcome(dBack, add.welcome!);
    const back = decodeGroupState(encodeGroupState(joined.group));
    expect(encodeGroupState(back)).toEqual(encodeGroupState(joined.group));
    const m = await mls.encryptMessage(add.group, utf8('persisted'));
    const r = await mls.processMessage(back, m.message);
    expect(r.kind === 'application' && text(r.plaintext)).toBe('persisted');
  });

  it('stored state decoding is strict and typed', () => {
    const bad = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isFulcrumError(e) ? e.code : 'other';
      }
      return undefined;
    };
    expect(bad(() => decodeGroupState(new Uint8Array([0x47, 2, 0, 0, 0, 0])))).toBe('e2ee.bad_state');
    expect(bad(() => decodeGroupState(new Uint8Array([0x47, 1, 0, 0, 0, 5, 1])))).toBe('e2ee.bad_state');
    expect(bad(() => decodeDeviceState(new Uint8Array([0x44, 1, 3])))).toBe('e2ee.bad_state');
    expect(bad(() => decodeDeviceState(new Uint8Array(0)))).toBe('e2ee.bad_state');
  });

  it('GroupState is opaque: no ts-mls fields are reachable', async () => {
    const { g } = await threeDevices();
    expect(Object.keys(g.a1)).toEqual([]);
    expect(JSON.stringify(g.a1)).toBe('{}');
    expect(Object.isFrozen(g.a1)).toBe(true);
    // The same value wrapped twice is equal by encoding.
    expect(encodeGroupState(wrapGroupState(unwrapGroupState(g.a1)))).toEqual(encodeGroupState(g.a1));
  });
});
