/**
 * Fulcrum's credential check (authentication.ts) replaces ts-mls's accept-all default. A forged,
 * unsigned, tampered, unlisted or key-mismatched credential must be refused when adding (own
 * commit), when joining from a Welcome (every leaf of the tree and the GroupInfo signer) and when
 * processing another member's commit.
 */
import { describe, expect, it } from 'vitest';
import { isFulcrumError } from '@fulcrum/common';
import {
  createDeviceKeys,
  createDeviceState,
  type GroupState,
  type KeyDirectory,
  type MlsClient,
  parseAccountId,
  parseDeviceId,
  signDeviceCertificate,
} from '@fulcrum/e2ee';
import { client, codeOf, InMemoryDirectory, makeAccount, makeDevice, utf8 } from './fixtures.js';
import { ed25519KeyPair, rawAddCommit, rawCreateGroup, rawJoin, rawKeyPackage } from './raw-ts-mls.js';

/** A key directory that lists everything: what a compromised client would use. */
const listsEverything: KeyDirectory = { isDeviceListed: async () => true };

type Bad = 'unlisted' | 'forged' | 'unsigned' | 'bad-signature' | 'key-mismatch';
const BAD: Bad[] = ['unlisted', 'forged', 'unsigned', 'bad-signature', 'key-mismatch'];
const EXPECTED_REFUSAL: Record<Bad, string> = {
  unlisted: 'not-listed',
  forged: 'not-listed',
  unsigned: 'bad-certificate',
  'bad-signature': 'bad-certificate',
  'key-mismatch': 'key-mismatch',
};

async function setup() {
  const dir = new InMemoryDirectory();
  const mls = await client(dir);
  const lax = await client(listsEverything);
  const alice = makeAccount(dir, 'alice');
  const bob = makeAccount(dir, 'bob');
  const carol = makeAccount(dir, 'carol');
  const mallory = makeAccount(new InMemoryDirectory(), 'mallory'); // not in the victims' directory
  return { dir, mls, lax, alice, bob, carol, mallory };
}

type Ctx = Awaited<ReturnType<typeof setup>>;

/** A KeyPackage (MLSMessage bytes) carrying the given kind of bad credential. */
async function badKeyPackage(ctx: Ctx, bad: Bad): Promise<Uint8Array> {
  switch (bad) {
    case 'unlisted': {
      const d = makeDevice(undefined, ctx.carol, 'c-unlisted'); // valid certificate, not in the directory
      return (await ctx.mls.createKeyPackages(d.state, { count: 1 })).keyPackages[0]!.keyPackage;
    }
    case 'forged': {
      // Claims to be a device of alice, signed by mallory's key.
      const keys = createDeviceKeys(parseDeviceId('a-forged'));
      const cert = signDeviceCertificate({ ...ctx.mallory, accountId: ctx.alice.accountId }, keys);
      const state = createDeviceState(keys, cert);
      return (await ctx.mls.createKeyPackages(state, { count: 1 })).keyPackages[0]!.keyPackage;
    }
    case 'unsigned':
      return (await rawKeyPackage(utf8('alice/a-unsigned'))).message;
    case 'bad-signature': {
      const d = makeDevice(ctx.dir, ctx.alice, 'a-tampered');
      const bytes = d.certificate.encoded.slice();
      bytes[bytes.length - 1]! ^= 1;
      return (await rawKeyPackage(bytes)).message;
    }
    case 'key-mismatch': {
      const d = makeDevice(ctx.dir, ctx.alice, 'a-mismatch'); // listed, but the leaf uses another key
      return (await rawKeyPackage(d.certificate.encoded, ed25519KeyPair())).message;
    }
  }
}

/** A group created by a bad creator, with the victim's KeyPackage added; returns the Welcome. */
async function welcomeFromBadCreator(ctx: Ctx, bad: Bad, victimKeyPackage: Uint8Array): Promise<Uint8Array> {
  let group: GroupState;
  switch (bad) {
    case 'unlisted':
      group = await ctx.lax.createGroup(makeDevice(undefined, ctx.carol, 'c-unlisted').state);
      break;
    case 'forged': {
      const keys = createDeviceKeys(parseDeviceId('a-forged'));
      const cert = signDeviceCertificate({ ...ctx.mallory, accountId: ctx.alice.accountId }, keys);
      group = await ctx.lax.createGroup(createDeviceState(keys, cert));
      break;
    }
    case 'unsigned':
      group = await rawCreateGroup(utf8('alice/a-unsigned'));
      break;
    case 'bad-signature': {
      const bytes = makeDevice(ctx.dir, ctx.alice, 'a-tampered').certificate.encoded.slice();
      bytes[bytes.length - 1]! ^= 1;
      group = await rawCreateGroup(bytes);
      break;
    }
    case 'key-mismatch':
      group = await rawCreateGroup(makeDevice(ctx.dir, ctx.alice, 'a-mismatch').certificate.encoded);
      break;
  }
  const res = await rawAddCommit(group, [victimKeyPackage]);
  return res.welcome!;
}

async function refusalOf(p: Promise<unknown>): Promise<{ code?: string; refusals?: unknown }> {
  try {
    await p;
    return {};
  } catch (e) {
    if (!isFulcrumError(e)) throw e;
    return { code: e.code, refusals: (e.detail as { refusals?: unknown } | undefined)?.refusals };
  }
}

async function twoMemberGroup(ctx: Ctx, mls: MlsClient) {
  const a1 = makeDevice(ctx.dir, ctx.alice, 'a1');
  const b1 = makeDevice(ctx.dir, ctx.bob, 'b1');
  const kp = await mls.createKeyPackages(b1.state, { count: 1 });
  const add = await mls.addDevices(await mls.createGroup(a1.state), [kp.keyPackages[0]!.keyPackage]);
  const join = await mls.joinFromWelcome(kp.device, add.welcome!);
  return { gA1: add.group, gB1: join.group };
}

describe('Fulcrum credential check', () => {
  for (const bad of BAD) {
    it(`refuses a ${bad} credential when adding`, async () => {
      const ctx = await setup();
      const g = await ctx.mls.createGroup(makeDevice(ctx.dir, ctx.alice, 'a1').state);
      const r = await refusalOf(ctx.mls.addDevices(g, [await badKeyPackage(ctx, bad)]));
      expect(r.code).toBe('e2ee.credential_rejected');
      expect(r.refusals).toContain(EXPECTED_REFUSAL[bad]);
    });

    it(`refuses a Welcome into a group whose creator has a ${bad} credential`, async () => {
      const ctx = await setup();
      const victim = makeDevice(ctx.dir, ctx.bob, 'b1');
      const kp = await ctx.mls.createKeyPackages(victim.state, { count: 1 });
      const welcome = await welcomeFromBadCreator(ctx, bad, kp.keyPackages[0]!.keyPackage);
      const r = await refusalOf(ctx.mls.joinFromWelcome(kp.device, welcome));
      expect(r.code).toBe('e2ee.credential_rejected');
      expect(r.refusals).toContain(EXPECTED_REFUSAL[bad]);
    });

    it(`refuses another member's commit adding a ${bad} credential`, async () => {
      const ctx = await setup();
      const { gA1, gB1 } = await twoMemberGroup(ctx, ctx.mls);
      const evil = await rawAddCommit(gA1, [await badKeyPackage(ctx, bad)]);
      const r = await refusalOf(ctx.mls.processMessage(gB1, evil.commit));
      expect(r.code).toBe('e2ee.credential_rejected');
      expect(r.refusals).toContain(EXPECTED_REFUSAL[bad]);
      // b1's state is a value: it is unchanged and still works.
      expect(gB1.epoch).toBe(1n);
      const sent = await ctx.mls.encryptMessage(gA1, utf8('still here'));
      const got = await ctx.mls.processMessage(gB1, sent.message);
      expect(got.kind).toBe('application');
    });
  }

  it("control: without Fulcrum's check, ts-mls itself accepts the same bad Welcome", async () => {
    const ctx = await setup();
    const victim = makeDevice(ctx.dir, ctx.bob, 'b1');
    const kp = await ctx.mls.createKeyPackages(victim.state, { count: 1 });
    const welcome = await welcomeFromBadCreator(ctx, 'unsigned', kp.keyPackages[0]!.keyPackage);
    // Even a directory that lists everything would refuse it (the certificate does not verify), so
    // the control is raw ts-mls with its default accept-all authentication service: it joins.
    const group = await rawJoin(kp.device, welcome);
    expect(group.epoch).toBe(1n);
    expect(await codeOf(ctx.mls.joinFromWelcome(kp.device, welcome))).toBe('e2ee.credential_rejected');
  });

  it('checks every leaf of the tree on join, not only the signer', async () => {
    const ctx = await setup();
    const a1 = makeDevice(ctx.dir, ctx.alice, 'a1');
    const unlisted = makeDevice(undefined, ctx.carol, 'c9');
    const victim = makeDevice(ctx.dir, ctx.bob, 'b1');
    const kpU = await ctx.lax.createKeyPackages(unlisted.state, { count: 1 });
    const kpV = await ctx.mls.createKeyPackages(victim.state, { count: 1 });
    // a1's client is compromised: it adds an unlisted device, then the victim.
    const g1 = await ctx.lax.addDevices(await ctx.lax.createGroup(a1.state), [kpU.keyPackages[0]!.keyPackage]);
    const g2 = await ctx.lax.addDevices(g1.group, [kpV.keyPackages[0]!.keyPackage]);
    expect(await codeOf(ctx.mls.joinFromWelcome(kpV.device, g2.welcome!))).toBe('e2ee.credential_rejected');
  });

  it('asks the directory with the purpose of each check, and a failing directory means "no"', async () => {
    const ctx = await setup();
    const { gA1, gB1 } = await twoMemberGroup(ctx, ctx.mls);
    const purposes = new Set(ctx.dir.calls.map((c) => c.purpose));
    expect(purposes).toEqual(new Set(['add', 'join']));
    const c1 = makeDevice(ctx.dir, ctx.carol, 'c1');
    const kp = await ctx.mls.createKeyPackages(c1.state, { count: 1 });
    const add = await ctx.mls.addDevices(gA1, [kp.keyPackages[0]!.keyPackage]);
    await ctx.mls.processMessage(gB1, add.commit);
    expect(ctx.dir.calls.some((c) => c.purpose === 'process' && c.deviceId === 'c1')).toBe(true);

    const throwing = await client({
      isDeviceListed: async () => {
        throw new Error('directory down');
      },
    });
    expect(await codeOf(throwing.processMessage(gB1, add.commit))).toBe('e2ee.credential_rejected');
  });

  it('refuses an account id mismatch at the directory even with a valid signature', async () => {
    const ctx = await setup();
    // A real device of mallory's, claimed under alice's account id: signature valid, key wrong.
    const keys = createDeviceKeys(parseDeviceId('x'));
    const cert = signDeviceCertificate({ ...ctx.mallory, accountId: parseAccountId('alice') }, keys);
    expect(await ctx.dir.isDeviceListed(cert, 'add')).toBe(false);
  });
});
