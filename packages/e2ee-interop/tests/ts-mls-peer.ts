/**
 * The ts-mls side of the cross-check: raw ts-mls 1.6.4 with Fulcrum's crypto provider (the exact
 * CiphersuiteImpl the @fulcrum/e2ee facade runs on) and the facade's wire-format policy:
 * handshake messages (commits) go as PublicMessage with the ratchet tree in the Welcome;
 * application messages as PrivateMessage; incoming handshakes must be PublicMessage.
 *
 * Why raw ts-mls and not the facade: the facade's credential check requires every leaf to carry a
 * Fulcrum device certificate and refuses core-crypto's basic credentials (client ids), and the
 * facade reads certificates out of every leaf (members, senders). Bending that check is not
 * something the facade should offer, so this test drives ts-mls directly with an explicit,
 * TEST-ONLY credential policy (`unsafeTestOnlyAllowlist`), everything else as the facade does.
 */
import {
  type AuthenticationService,
  type CiphersuiteImpl,
  type ClientConfig,
  type ClientState,
  type CreateCommitOptions,
  type Credential,
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeMlsMessage,
  defaultKeyPackageEqualityConfig,
  defaultKeyRetentionConfig,
  defaultPaddingConfig,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  joinGroup,
  type KeyPackage,
  type PrivateKeyPackage,
  processPrivateMessage,
  processPublicMessage,
} from 'ts-mls';
import { decodeKeyPackage, encodeKeyPackage } from 'ts-mls/keyPackage.js';

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * TEST-ONLY credential policy (never use outside tests): a leaf is accepted iff its credential is a
 * basic credential whose (identity, signature key) pair the test registered — the core-crypto
 * clients' client ids with the keys read from their KeyPackages, and the ts-mls peers' own.
 */
export class UnsafeTestOnlyAllowlist {
  readonly #entries: { identity: Uint8Array; key: Uint8Array }[] = [];
  readonly refused: string[] = [];

  allow(identity: Uint8Array, signaturePublicKey: Uint8Array): void {
    this.#entries.push({ identity: identity.slice(), key: signaturePublicKey.slice() });
  }
  /** Registers the credential and signature key carried in a KeyPackage (TLS KeyPackage bytes). */
  allowKeyPackage(tlsKeyPackage: Uint8Array): void {
    const kp = decodeTlsKeyPackage(tlsKeyPackage);
    const cred = kp.leafNode.credential;
    if (cred.credentialType !== 'basic') throw new Error('not a basic credential');
    this.allow(cred.identity, kp.leafNode.signaturePublicKey);
  }
  authService(): AuthenticationService {
    return {
      validateCredential: async (credential: Credential, key: Uint8Array) => {
        const ok =
          credential.credentialType === 'basic' &&
          this.#entries.some((e) => same(e.identity, credential.identity) && same(e.key, key));
        if (!ok) this.refused.push(credential.credentialType);
        return ok;
      },
    };
  }
}

export function decodeTlsKeyPackage(bytes: Uint8Array): KeyPackage {
  const d = decodeKeyPackage(bytes, 0);
  if (d === undefined || d[1] !== bytes.length) throw new Error('not a TLS KeyPackage');
  return d[0];
}

export type Processed =
  | { kind: 'application'; plaintext: Uint8Array }
  | { kind: 'commit'; removedSelf: boolean; epoch: bigint };

export class TsMlsPeer {
  readonly identity: Uint8Array;
  readonly #cs: CiphersuiteImpl;
  readonly #config: ClientConfig;
  #keys: { signKey: Uint8Array; publicKey: Uint8Array } | undefined;
  #pending: { keyPackage: KeyPackage; privatePackage: PrivateKeyPackage } | undefined;
  /** The newest state (undefined before create/join). */
  state: ClientState | undefined;

  constructor(identity: Uint8Array, cs: CiphersuiteImpl, policy: UnsafeTestOnlyAllowlist) {
    this.identity = identity;
    this.#cs = cs;
    this.#config = {
      keyRetentionConfig: defaultKeyRetentionConfig,
      lifetimeConfig: { maximumTotalLifetime: 366n * 24n * 3600n, validateLifetimeOnReceive: false },
      keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
      paddingConfig: defaultPaddingConfig,
      authService: policy.authService(),
    };
  }

  /** This peer's Ed25519 key pair (one per peer, like a device's MLS signature key). */
  async #ensureKeys(): Promise<{ signKey: Uint8Array; publicKey: Uint8Array }> {
    this.#keys ??= await this.#cs.signature.keygen();
    return this.#keys;
  }

  /** A fresh KeyPackage (TLS KeyPackage bytes, what core-crypto's `KeyPackage` constructor takes). */
  async keyPackage(): Promise<Uint8Array> {
    const now = BigInt(Math.floor(Date.now() / 1000));
    const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
      { credentialType: 'basic', identity: this.identity },
      {
        versions: ['mls10'],
        ciphersuites: ['MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'],
        extensions: [],
        proposals: [],
        credentials: ['basic', 'x509'],
      },
      { notBefore: now - 3600n, notAfter: now + 30n * 24n * 3600n },
      [],
      await this.#ensureKeys(),
      this.#cs,
    );
    this.#pending = { keyPackage: publicPackage, privatePackage };
    return encodeKeyPackage(publicPackage);
  }

  async signaturePublicKey(): Promise<Uint8Array> {
    return (await this.#ensureKeys()).publicKey;
  }

  async createGroup(groupId: Uint8Array): Promise<void> {
    await this.keyPackage();
    const p = this.#pending!;
    this.state = await createGroup(groupId, p.keyPackage, p.privatePackage, [], this.#cs, this.#config);
    this.#pending = undefined;
  }

  async #commit(proposals: Pick<CreateCommitOptions, 'extraProposals'>) {
    const res = await createCommit(
      { state: this.#current(), cipherSuite: this.#cs },
      { wireAsPublicMessage: true, ratchetTreeExtension: true, ...proposals },
    );
    if (res.commit.wireformat !== 'mls_public_message') throw new Error('commit not public');
    this.state = res.newState;
    return {
      commit: encodeMlsMessage(res.commit),
      welcome:
        res.welcome === undefined
          ? undefined
          : encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: res.welcome }),
    };
  }

  /**
   * An empty commit sent as a PrivateMessage, which Fulcrum never sends; the state is NOT advanced.
   * Used to show that core-crypto refuses private handshakes (why Fulcrum sends them public).
   */
  async unsafePrivateCommitProbe(): Promise<Uint8Array> {
    const res = await createCommit({ state: this.#current(), cipherSuite: this.#cs }, { wireAsPublicMessage: false });
    if (res.commit.wireformat !== 'mls_private_message') throw new Error('expected a private commit');
    return encodeMlsMessage(res.commit);
  }

  /** Commits adding these TLS KeyPackages; returns the commit and the Welcome (MLSMessage encodings). */
  add(keyPackages: Uint8Array[]) {
    return this.#commit({
      extraProposals: keyPackages.map((k) => ({
        proposalType: 'add' as const,
        add: { keyPackage: decodeTlsKeyPackage(k) },
      })),
    });
  }

  /** Commits removing the leaves whose basic credential identity is one of `identities`. */
  remove(identities: Uint8Array[]) {
    const s = this.#current();
    const leaves: number[] = [];
    for (let node = 0; node < s.ratchetTree.length; node += 2) {
      const n = s.ratchetTree[node];
      if (n?.nodeType !== 'leaf' || n.leaf.credential.credentialType !== 'basic') continue;
      const id = n.leaf.credential.identity;
      if (identities.some((x) => same(x, id))) leaves.push(node / 2);
    }
    if (leaves.length !== identities.length) throw new Error('not all members found');
    return this.#commit({
      extraProposals: leaves.map((removed) => ({ proposalType: 'remove' as const, remove: { removed } })),
    });
  }

  /** Joins from a Welcome (MLSMessage, or a bare TLS Welcome) addressed to the last KeyPackage made. */
  async join(welcome: Uint8Array): Promise<void> {
    const m = decodeMlsMessage(welcome, 0);
    if (m === undefined || m[0].wireformat !== 'mls_welcome') throw new Error('not a Welcome MLSMessage');
    const p = this.#pending;
    if (p === undefined) throw new Error('no KeyPackage outstanding');
    this.state = await joinGroup(
      m[0].welcome,
      p.keyPackage,
      p.privatePackage,
      emptyPskIndex,
      this.#cs,
      undefined,
      undefined,
      this.#config,
    );
    this.#pending = undefined;
  }

  async encrypt(plaintext: Uint8Array): Promise<Uint8Array> {
    const res = await createApplicationMessage(this.#current(), plaintext, this.#cs);
    this.state = res.newState;
    return encodeMlsMessage({
      version: 'mls10',
      wireformat: 'mls_private_message',
      privateMessage: res.privateMessage,
    });
  }

  /** Processes one MLSMessage from the group (throws on anything it cannot authenticate/decrypt). */
  async process(message: Uint8Array, from: ClientState = this.#current()): Promise<Processed> {
    const m = decodeMlsMessage(message, 0);
    if (m === undefined) throw new Error('does not decode');
    const msg = m[0];
    const state = { ...from, clientConfig: this.#config };
    if (msg.wireformat === 'mls_private_message') {
      const res = await processPrivateMessage(state, msg.privateMessage, emptyPskIndex, this.#cs);
      if (res.kind !== 'applicationMessage') throw new Error('handshake in a PrivateMessage: refused by policy');
      this.state = res.newState;
      return { kind: 'application', plaintext: res.message };
    }
    if (msg.wireformat !== 'mls_public_message') throw new Error(`unexpected ${msg.wireformat}`);
    const res = await processPublicMessage(state, msg.publicMessage, emptyPskIndex, this.#cs);
    this.state = res.newState;
    return {
      kind: 'commit',
      removedSelf: res.newState.groupActiveState.kind === 'removedFromGroup',
      epoch: res.newState.groupContext.epoch,
    };
  }

  #current(): ClientState {
    if (this.state === undefined) throw new Error('not in a group');
    return { ...this.state, clientConfig: this.#config };
  }
}
