/**
 * Independent MLS cross-check (issue 4): Fulcrum's MLS stack — ts-mls 1.6.4 on Fulcrum's crypto
 * provider, with the facade's wire-format policy (tests/ts-mls-peer.ts) — against OpenMLS, through
 * @wireapp/core-crypto's wasm build running in Debian's Chromium (tests/core-crypto-page.ts).
 * Cipher suite 0x0001. Groups with members on both sides: each side creates a group and adds the
 * other side's members by KeyPackage; everyone sends and decrypts application messages; each side
 * removes a member of the other side, and the removed member can no longer decrypt.
 *
 * Credentials: core-crypto's are basic credentials holding Wire client ids, which Fulcrum's
 * credential check refuses by design, so the ts-mls side uses an explicit TEST-ONLY allowlist
 * (`UnsafeTestOnlyAllowlist`) and the ts-mls members carry client-id-shaped identities too.
 */
import { ciphersuiteImpl } from '../../e2ee/src/crypto-provider.js';
import { defaultMlsCryptoProvider, fulcrumMlsCryptoProvider, type MlsCryptoProvider } from '@fulcrum/e2ee';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreCryptoPage } from './core-crypto-page.js';
import { TsMlsPeer, UnsafeTestOnlyAllowlist } from './ts-mls-peer.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
/** Wire's client id shape `<uuid>:<device id hex>@<domain>`, which core-crypto parses in credentials. */
const clientId = (device: number) => utf8(`${crypto.randomUUID()}:${device.toString(16)}@fulcrum.test`);

let cc: CoreCryptoPage;

beforeAll(async () => {
  cc = await CoreCryptoPage.open();
}, 120_000);

afterAll(async () => {
  await cc?.close();
});

async function peer(provider: MlsCryptoProvider, policy: UnsafeTestOnlyAllowlist, device: number): Promise<TsMlsPeer> {
  const p = new TsMlsPeer(clientId(device), await ciphersuiteImpl(provider), policy);
  policy.allow(p.identity, await p.signaturePublicKey());
  return p;
}

/** A core-crypto client whose (client id, signature key) the allowlist learns from one KeyPackage. */
async function ccClient(policy: UnsafeTestOnlyAllowlist, name: string, device: number): Promise<Uint8Array> {
  const id = await cc.newClient(name, device);
  policy.allowKeyPackage(await cc.keyPackage(name));
  return id;
}

// The Fulcrum provider is the one that matters (the facade's default); ts-mls's default provider runs
// too, so a failure points at the provider or at ts-mls.
const PROVIDERS: [string, () => MlsCryptoProvider][] = [
  ['Fulcrum provider', () => fulcrumMlsCryptoProvider()],
  ['ts-mls default provider', () => defaultMlsCryptoProvider()],
];

for (const [label, makeProvider] of PROVIDERS)
  describe(`OpenMLS (core-crypto, Chromium) <-> ts-mls with the ${label}, suite 0x0001`, () => {
    const provider = makeProvider();
    // core-crypto client names are global to the page: one set per provider run.
    const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((n) => `${n} (${label})`) as [
      string,
      string,
      string,
      string,
    ];

    it('core-crypto creates the group and adds a ts-mls member; messages both ways; mixed adds; each side removes one of the other side', async () => {
      expect(cc.version).toMatch(/^\d+\./);
      const policy = new UnsafeTestOnlyAllowlist();
      const group = utf8(`cc-group-${crypto.randomUUID()}`);
      const aliceId = await ccClient(policy, alice, 1); // core-crypto
      const bobId = await ccClient(policy, bob, 2); // core-crypto
      const t1 = await peer(provider, policy, 11); // ts-mls
      const t2 = await peer(provider, policy, 12); // ts-mls

      // core-crypto creates the group and adds t1 by its KeyPackage.
      await cc.createConversation(alice, group);
      const add1 = await cc.addMembers(alice, group, [await t1.keyPackage()]);
      expect(add1.welcome).toBeDefined();
      expect(add1.commit.subarray(0, 4)).toEqual(Uint8Array.of(0, 1, 0, 1)); // mls10, PublicMessage
      await t1.join(add1.welcome!);
      expect(t1.state!.groupContext.epoch).toBe(BigInt(await cc.epoch(alice, group)));

      // Application messages both ways.
      const m1 = await cc.encrypt(alice, group, utf8('hello from OpenMLS'));
      expect(await t1.process(m1)).toEqual({ kind: 'application', plaintext: utf8('hello from OpenMLS') });
      const r1 = await cc.decrypt(alice, group, await t1.encrypt(utf8('hello from ts-mls')));
      expect(r1).toMatchObject({ kind: 'text', sender: t1.identity });
      expect(text((r1 as { plaintext: Uint8Array }).plaintext)).toBe('hello from ts-mls');

      // core-crypto adds one core-crypto and one ts-mls member in one commit; t1 processes it.
      const add2 = await cc.addMembers(alice, group, [await cc.keyPackage(bob), await t2.keyPackage()]);
      expect(await t1.process(add2.commit)).toMatchObject({ kind: 'commit', removedSelf: false });
      await cc.joinWelcome(bob, add2.welcome!);
      await t2.join(add2.welcome!);
      const seenByBob = await cc.members(bob, group);
      expect(seenByBob.length).toBe(4);
      for (const id of [aliceId, bobId, t1.identity, t2.identity]) expect(seenByBob).toContainEqual(id);

      // Everyone reads everyone.
      const fromT2 = await t2.encrypt(utf8('t2 here'));
      expect(await t1.process(fromT2)).toEqual({ kind: 'application', plaintext: utf8('t2 here') });
      expect(await cc.decrypt(alice, group, fromT2)).toMatchObject({ kind: 'text', plaintext: utf8('t2 here') });
      expect(await cc.decrypt(bob, group, fromT2)).toMatchObject({ kind: 'text', plaintext: utf8('t2 here') });
      const fromBob = await cc.encrypt(bob, group, utf8('bob here'));
      expect(await t1.process(fromBob)).toEqual({ kind: 'application', plaintext: utf8('bob here') });
      expect(await t2.process(fromBob)).toEqual({ kind: 'application', plaintext: utf8('bob here') });
      expect(await cc.decrypt(alice, group, fromBob)).toMatchObject({ kind: 'text', sender: bobId });

      // ts-mls (t1) removes a core-crypto member (bob).
      const rmBob = await t1.remove([bobId]);
      expect(await cc.decrypt(alice, group, rmBob.commit)).toMatchObject({ kind: 'commit', isActive: true });
      expect(await cc.decrypt(bob, group, rmBob.commit)).toMatchObject({ kind: 'commit', isActive: false });
      expect(await t2.process(rmBob.commit)).toMatchObject({ kind: 'commit', removedSelf: false });
      const afterBob = await t1.encrypt(utf8('bob is gone'));
      expect(await cc.decrypt(alice, group, afterBob)).toMatchObject({ kind: 'text', plaintext: utf8('bob is gone') });
      expect(await t2.process(afterBob)).toEqual({ kind: 'application', plaintext: utf8('bob is gone') });
      expect(await cc.decrypt(bob, group, afterBob)).toMatchObject({ kind: 'error' }); // removed: cannot read

      // core-crypto (alice) removes a ts-mls member (t2).
      const t2Before = t2.state!;
      const rmT2 = await cc.removeMembers(alice, group, [t2.identity]);
      expect(await t1.process(rmT2.commit)).toMatchObject({ kind: 'commit', removedSelf: false });
      expect(await t2.process(rmT2.commit)).toMatchObject({ kind: 'commit', removedSelf: true });
      const t2Removed = t2.state!;
      const afterT2 = await cc.encrypt(alice, group, utf8('t2 is gone'));
      expect(await t1.process(afterT2)).toEqual({ kind: 'application', plaintext: utf8('t2 is gone') });
      // The removed ts-mls member cannot read it, neither from its post-removal state nor from the old one.
      await expect(t2.process(afterT2, t2Removed)).rejects.toThrow();
      await expect(t2.process(afterT2, t2Before)).rejects.toThrow();
      expect(policy.refused).toEqual([]);
    }, 120_000);

    it('ts-mls creates the group and adds core-crypto members; messages both ways; each side removes one of the other side', async () => {
      const policy = new UnsafeTestOnlyAllowlist();
      const group = utf8(`ts-group-${crypto.randomUUID()}`);
      const t1 = await peer(provider, policy, 21);
      const t2 = await peer(provider, policy, 22);
      const carolId = await ccClient(policy, carol, 3);
      const daveId = await ccClient(policy, dave, 4);

      // ts-mls creates the group and adds core-crypto carol and ts-mls t2 in one commit.
      await t1.createGroup(group);
      const add1 = await t1.add([await cc.keyPackage(carol), await t2.keyPackage()]);
      expect(await cc.joinWelcome(carol, add1.welcome!)).toEqual(group);
      await t2.join(add1.welcome!);
      expect(await cc.epoch(carol, group)).toBe(Number(t1.state!.groupContext.epoch));

      const m1 = await t1.encrypt(utf8('hello from ts-mls'));
      expect(await cc.decrypt(carol, group, m1)).toMatchObject({
        kind: 'text',
        plaintext: utf8('hello from ts-mls'),
        sender: t1.identity,
      });
      expect(await t2.process(m1)).toEqual({ kind: 'application', plaintext: utf8('hello from ts-mls') });
      const m2 = await cc.encrypt(carol, group, utf8('hello from OpenMLS'));
      expect(await t1.process(m2)).toEqual({ kind: 'application', plaintext: utf8('hello from OpenMLS') });
      expect(await t2.process(m2)).toEqual({ kind: 'application', plaintext: utf8('hello from OpenMLS') });

      // core-crypto refuses a commit sent as a PrivateMessage (the reason Fulcrum's are PublicMessage).
      const privateCommit = await t1.unsafePrivateCommitProbe();
      expect(privateCommit.subarray(0, 4)).toEqual(Uint8Array.of(0, 1, 0, 2)); // mls10, PrivateMessage
      // (OpenMLS's own reason, not a Fulcrum error code: "...incompatible with the group's wire format policy")
      expect(await cc.decrypt(carol, group, privateCommit)).toMatchObject({
        kind: 'error',
        error: expect.stringMatching(/wire format policy/),
      });
      expect(await cc.epoch(carol, group)).toBe(Number(t1.state!.groupContext.epoch));

      // core-crypto (carol) adds core-crypto dave; the ts-mls members process the commit.
      const add2 = await cc.addMembers(carol, group, [await cc.keyPackage(dave)]);
      expect(await t1.process(add2.commit)).toMatchObject({ kind: 'commit', removedSelf: false });
      expect(await t2.process(add2.commit)).toMatchObject({ kind: 'commit', removedSelf: false });
      await cc.joinWelcome(dave, add2.welcome!);
      const m3 = await cc.encrypt(dave, group, utf8('dave here'));
      expect(await t1.process(m3)).toEqual({ kind: 'application', plaintext: utf8('dave here') });
      expect(await cc.decrypt(carol, group, m3)).toMatchObject({ kind: 'text', sender: daveId });

      // core-crypto (dave) removes ts-mls t2.
      const t2Before = t2.state!;
      const rmT2 = await cc.removeMembers(dave, group, [t2.identity]);
      expect(await t1.process(rmT2.commit)).toMatchObject({ kind: 'commit', removedSelf: false });
      expect(await cc.decrypt(carol, group, rmT2.commit)).toMatchObject({ kind: 'commit', isActive: true });
      expect(await t2.process(rmT2.commit)).toMatchObject({ kind: 'commit', removedSelf: true });
      const m4 = await cc.encrypt(carol, group, utf8('t2 is gone'));
      expect(await t1.process(m4)).toEqual({ kind: 'application', plaintext: utf8('t2 is gone') });
      await expect(t2.process(m4, t2Before)).rejects.toThrow();
      await expect(t2.process(m4)).rejects.toThrow();

      // ts-mls (t1) removes core-crypto carol.
      const rmCarol = await t1.remove([carolId]);
      expect(await cc.decrypt(carol, group, rmCarol.commit)).toMatchObject({ kind: 'commit', isActive: false });
      expect(await cc.decrypt(dave, group, rmCarol.commit)).toMatchObject({ kind: 'commit', isActive: true });
      const m5 = await t1.encrypt(utf8('carol is gone'));
      expect(await cc.decrypt(dave, group, m5)).toMatchObject({ kind: 'text', plaintext: utf8('carol is gone') });
      expect(await cc.decrypt(carol, group, m5)).toMatchObject({ kind: 'error' });
      expect(policy.refused).toEqual([]);
    }, 120_000);
  });
