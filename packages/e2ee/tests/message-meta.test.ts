/**
 * `parseMlsMessageMeta` on real messages (what the server sees), plus hostile input: truncations,
 * trailing bytes, oversize, wrong versions, random bytes and random mutations — only typed errors,
 * and cost linear in the input size.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isFulcrumError } from '@fulcrum/common';
import { unsafeAssertLinearCost } from '@fulcrum/common/testing';
import { type MlsMessageMeta, parseLeafIndex, parseMlsMessageMeta } from '@fulcrum/e2ee';
import { client, InMemoryDirectory, makeAccount, makeDevice, utf8 } from './fixtures.js';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isFulcrumError(e) ? e.code : `not-fulcrum: ${String(e)}`;
  }
  return undefined;
};

let samples: {
  keyPackage: Uint8Array;
  keyPackageRef: Uint8Array;
  commit: Uint8Array;
  welcome: Uint8Array;
  welcomeRefs: readonly Uint8Array[];
  application: Uint8Array;
  proposal: Uint8Array;
  groupId: Uint8Array;
};

beforeAll(async () => {
  const dir = new InMemoryDirectory();
  const mls = await client(dir);
  const alice = makeAccount(dir, 'alice');
  const bob = makeAccount(dir, 'bob');
  const a1 = makeDevice(dir, alice, 'a1');
  const b1 = makeDevice(dir, bob, 'b1');
  const kp = await mls.createKeyPackages(b1.state, { count: 1 });
  const groupId = utf8('group-42');
  const g = await mls.createGroup(a1.state, { groupId });
  const add = await mls.addDevices(g, [kp.keyPackages[0]!.keyPackage]);
  const joined = await mls.joinFromWelcome(kp.device, add.welcome!);
  const app = await mls.encryptMessage(add.group, utf8('hi'), utf8('aad-bytes'));
  const leave = await mls.proposeLeave(joined.group);
  samples = {
    keyPackage: kp.keyPackages[0]!.keyPackage,
    keyPackageRef: kp.keyPackages[0]!.ref,
    commit: add.commit,
    welcome: add.welcome!,
    welcomeRefs: add.welcomeKeyPackageRefs,
    application: app.message,
    proposal: leave.proposal,
    groupId,
  };
});

describe('parseMlsMessageMeta on real messages', () => {
  it('commit: PublicMessage, group, epoch, content type, sender leaf', () => {
    expect(parseMlsMessageMeta(samples.commit)).toEqual({
      wireFormat: 'public',
      groupId: samples.groupId,
      epoch: 0n,
      contentType: 'commit',
      senderType: 'member',
      senderLeafIndex: parseLeafIndex(0),
      authenticatedData: new Uint8Array(),
    } satisfies MlsMessageMeta);
  });

  it('leave proposal: PublicMessage from leaf 1 at epoch 1', () => {
    const m = parseMlsMessageMeta(samples.proposal);
    expect(m).toMatchObject({ wireFormat: 'public', epoch: 1n, contentType: 'proposal', senderLeafIndex: 1 });
  });

  it('application: PrivateMessage with the clear-text authenticated data, no sender', () => {
    const m = parseMlsMessageMeta(samples.application);
    expect(m).toEqual({
      wireFormat: 'private',
      groupId: samples.groupId,
      epoch: 1n,
      contentType: 'application',
      authenticatedData: utf8('aad-bytes'),
    });
  });

  it('welcome and key package: KeyPackageRefs agree with the sender side', () => {
    const w = parseMlsMessageMeta(samples.welcome);
    expect(w).toEqual({ wireFormat: 'welcome', keyPackageRefs: [...samples.welcomeRefs] });
    expect(samples.welcomeRefs).toContainEqual(samples.keyPackageRef);
    expect(parseMlsMessageMeta(samples.keyPackage)).toEqual({
      wireFormat: 'key-package',
      keyPackageRef: samples.keyPackageRef,
    });
  });
});

describe('parseMlsMessageMeta on hostile input', () => {
  const all = () => Object.entries(samples).filter(([k]) => !/Ref|groupId/.test(k)) as [string, Uint8Array][];

  it('every truncation of every message raises e2ee.malformed', () => {
    for (const [name, bytes] of all()) {
      for (let n = 0; n < bytes.length; n++) {
        expect(
          code(() => parseMlsMessageMeta(bytes.subarray(0, n))) ?? `parsed: ${name} cut at ${n}/${bytes.length}`,
        ).toMatch(/^e2ee\.(malformed|unsupported)$/);
      }
    }
  });

  it('trailing bytes, size limit, version, wire format', () => {
    for (const [name, bytes] of all()) {
      expect(
        code(() => parseMlsMessageMeta(new Uint8Array([...bytes, 0]))),
        name,
      ).toBe('e2ee.malformed');
      expect(
        code(() => parseMlsMessageMeta(bytes, { maxBytes: bytes.length - 1 })),
        name,
      ).toBe('e2ee.too_large');
    }
    const v = samples.commit.slice();
    v[1] = 2; // protocol version 2
    expect(code(() => parseMlsMessageMeta(v))).toBe('e2ee.unsupported');
    const w = samples.commit.slice();
    w[3] = 9; // wire format 9
    expect(code(() => parseMlsMessageMeta(w))).toBe('e2ee.malformed');
    expect(code(() => parseMlsMessageMeta('x' as unknown as Uint8Array))).toBe('e2ee.malformed');
  });

  it('property: random bytes and random mutations only ever give typed errors or a parse', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const c = code(() => parseMlsMessageMeta(bytes));
        expect(c === undefined || c.startsWith('e2ee.')).toBe(true);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...all().map(([, b]) => b)), fc.nat(), fc.nat(255), (bytes, pos, val) => {
        const t = bytes.slice();
        t[pos % t.length] = val;
        const c = code(() => parseMlsMessageMeta(t));
        expect(c === undefined || c.startsWith('e2ee.')).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('cost grows linearly with size (private messages of 64 KiB vs 1 MiB)', () => {
    const privateMessage = (ciphertextLength: number): Uint8Array => {
      // mls10 | private | group_id<V> | epoch | content type | aad<V> | sender data<V> | ciphertext<V>
      const head = [0, 1, 0, 2, 4, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 4, 9, 9, 9, 9];
      const len = ciphertextLength;
      const out = new Uint8Array(head.length + 4 + len);
      out.set(head);
      out.set([0x80 | ((len >>> 24) & 0x3f), (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff], head.length);
      return out;
    };
    const small = privateMessage(64 * 1024);
    const big = privateMessage(1024 * 1024);
    expect(parseMlsMessageMeta(big, { maxBytes: 2 ** 21 }).wireFormat).toBe('private');
    unsafeAssertLinearCost('parseMlsMessageMeta', {
      small: () => parseMlsMessageMeta(small, { maxBytes: 2 ** 21 }),
      large: () => parseMlsMessageMeta(big, { maxBytes: 2 ** 21 }),
      inputRatio: 16,
    });
  });
});
