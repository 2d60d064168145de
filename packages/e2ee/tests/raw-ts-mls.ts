/**
 * Test-only helpers that drive ts-mls directly, WITHOUT Fulcrum's credential check — to build what a
 * malicious or buggy client could send (forged, unsigned or unlisted credentials).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  createCommit,
  createGroup,
  decodeMlsMessage,
  emptyPskIndex,
  joinGroup,
  defaultAuthenticationService,
  defaultKeyPackageEqualityConfig,
  defaultKeyRetentionConfig,
  defaultLifetimeConfig,
  defaultPaddingConfig,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  type ClientConfig,
} from 'ts-mls';
import { decodeKeyPackage } from 'ts-mls/keyPackage.js';
import { ciphersuiteImpl, defaultMlsCryptoProvider } from '../src/crypto-provider.js';
import { type DeviceState, unwrapDeviceState } from '../src/device-state.js';
import { type GroupState, unwrapGroupState, wrapGroupState } from '../src/group-state.js';
import { fulcrumCapabilities } from '../src/key-package.js';

export const acceptAnyCredential: ClientConfig = {
  keyRetentionConfig: defaultKeyRetentionConfig,
  lifetimeConfig: defaultLifetimeConfig,
  keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
  paddingConfig: defaultPaddingConfig,
  authService: defaultAuthenticationService,
};

export function cs() {
  return ciphersuiteImpl(defaultMlsCryptoProvider());
}

export function ed25519KeyPair(): { signKey: Uint8Array; publicKey: Uint8Array } {
  const signKey = ed25519.utils.randomSecretKey();
  return { signKey, publicKey: ed25519.getPublicKey(signKey) };
}

const lifetime = () => {
  const now = BigInt(Math.floor(Date.now() / 1000));
  return { notBefore: now - 60n, notAfter: now + 86400n };
};

/** A KeyPackage whose basic credential carries `identity`, signed by `keys` (no checks at all). */
export async function rawKeyPackage(identity: Uint8Array, keys = ed25519KeyPair()) {
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    { credentialType: 'basic', identity },
    fulcrumCapabilities(),
    lifetime(),
    [],
    keys,
    await cs(),
  );
  const message = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: publicPackage });
  return { message, publicPackage, privatePackage };
}

/** A one-member group whose creator's credential is `identity`, made without any credential check. */
export async function rawCreateGroup(identity: Uint8Array, keys = ed25519KeyPair()): Promise<GroupState> {
  const kp = await rawKeyPackage(identity, keys);
  const state = await createGroup(
    new Uint8Array(32).fill(7),
    kp.publicPackage,
    kp.privatePackage,
    [],
    await cs(),
    acceptAnyCredential,
  );
  return wrapGroupState(state);
}

/** Joins from a Welcome with ts-mls's default (accept-all) authentication service. */
export async function rawJoin(device: DeviceState, welcome: Uint8Array): Promise<GroupState> {
  const dev = unwrapDeviceState(device);
  const m = decodeMlsMessage(welcome, 0);
  if (m === undefined || m[0].wireformat !== 'mls_welcome') throw new Error('not a Welcome');
  for (const k of dev.keyPackages) {
    const kp = decodeKeyPackage(k.keyPackage, 0)![0];
    try {
      const state = await joinGroup(
        m[0].welcome,
        kp,
        {
          initPrivateKey: k.initPrivateKey.slice(),
          hpkePrivateKey: k.hpkePrivateKey.slice(),
          signaturePrivateKey: dev.keys.mlsSignatureSecretKey.slice(),
        },
        emptyPskIndex,
        await cs(),
        undefined,
        undefined,
        acceptAnyCredential,
      );
      return wrapGroupState(state);
    } catch {
      // not this key package
    }
  }
  throw new Error('no key package joins');
}

/** Commits adding KeyPackages with no credential check (what a malicious member could send). */
export async function rawAddCommit(group: GroupState, keyPackages: Uint8Array[]) {
  const proposals = keyPackages.map((bytes) => {
    const m = decodeMlsMessage(bytes, 0);
    if (m === undefined || m[0].wireformat !== 'mls_key_package') throw new Error('not a key package');
    return { proposalType: 'add' as const, add: { keyPackage: m[0].keyPackage } };
  });
  const res = await createCommit(
    { state: { ...unwrapGroupState(group), clientConfig: acceptAnyCredential }, cipherSuite: await cs() },
    { wireAsPublicMessage: true, extraProposals: proposals, ratchetTreeExtension: true },
  );
  return {
    group: wrapGroupState(res.newState),
    commit: encodeMlsMessage(res.commit),
    welcome:
      res.welcome === undefined
        ? undefined
        : encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: res.welcome }),
  };
}
