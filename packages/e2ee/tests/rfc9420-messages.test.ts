/**
 * RFC 9420 interoperability vectors (mlswg/mls-implementations), cipher suite 1, against ts-mls 1.6.4
 * with this package's crypto providers and configuration: message-protection (§6), welcome (§12.4.3),
 * tree-validation (§7.8-7.9), tree-operations (§12.1), passive-client-welcome and
 * passive-client-handling-commit (a client that joins by Welcome and follows epoch after epoch).
 *
 * The passive-client runs use this package's ClientConfig (key retention, padding, lifetimes) except
 * the authentication service: the vectors' credentials are not Fulcrum device certificates, so
 * Fulcrum's check (tested in credential-check.test.ts) would rightly refuse them.
 */
import { describe, expect, it } from 'vitest';
import {
  type ClientState,
  decodeMlsMessage,
  defaultAuthenticationService,
  joinGroup,
  makePskIndex,
  processPrivateMessage,
  processPublicMessage,
} from 'ts-mls';
import { bytesToBase64 } from 'ts-mls';
import { decodeCommit, encodeCommit } from 'ts-mls/commit.js';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { protectApplicationData, unprotectPrivateMessage } from 'ts-mls/messageProtection.js';
import { protectProposalPublic, unprotectPublicMessage } from 'ts-mls/messageProtectionPublic.js';
import { decodeProposal, encodeProposal } from 'ts-mls/proposal.js';
import {
  addLeafNode,
  decodeRatchetTree,
  encodeRatchetTree,
  removeLeafNode,
  updateLeafNode,
  type RatchetTree,
} from 'ts-mls/ratchetTree.js';
import { verifyLeafNodeSignature } from 'ts-mls/leafNode.js';
import { verifyParentHashes } from 'ts-mls/parentHash.js';
import { createSecretTree } from 'ts-mls/secretTree.js';
import { treeHash, treeHashRoot } from 'ts-mls/treeHash.js';
import { toLeafIndex, toNodeIndex } from 'ts-mls/treemath.js';
import { verifyGroupInfoConfirmationTag, verifyGroupInfoSignature } from 'ts-mls/groupInfo.js';
import { decryptGroupInfo, decryptGroupSecrets } from 'ts-mls/welcome.js';
import { AuthProbe, clientConfigFor } from '../src/authentication.js';
import { keyPackageRefOf, parseMlsMessageMeta } from '../src/message-meta.js';
import messageProtection from '../vectors/message-protection.json' with { type: 'json' };
import passiveCommit from '../vectors/passive-client-handling-commit.json' with { type: 'json' };
import passiveWelcome from '../vectors/passive-client-welcome.json' with { type: 'json' };
import treeOperations from '../vectors/tree-operations.json' with { type: 'json' };
import treeValidation from '../vectors/tree-validation.json' with { type: 'json' };
import welcomeVectors from '../vectors/welcome.json' with { type: 'json' };
import { hex, PROVIDERS, suite1 } from './vector-helpers.js';

const SUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;

/** The passive-client vector format (mls-implementations test-vectors.md). */
interface PassiveClientVector {
  cipher_suite: number;
  external_psks: { psk_id: string; psk: string }[];
  key_package: string;
  signature_priv: string;
  encryption_priv: string;
  init_priv: string;
  welcome: string;
  ratchet_tree: string | null;
  initial_epoch_authenticator: string;
  epochs: { proposals: string[]; commit: string; epoch_authenticator: string }[];
}

function mlsMessage(bytes: Uint8Array) {
  const d = decodeMlsMessage(bytes, 0);
  if (d === undefined || d[1] !== bytes.length) throw new Error('MLSMessage does not decode');
  return d[0];
}

/** A leaf-1 tree so that sender-data validation finds a non-blank sender (the vectors use leaf 1). */
function treeWithLeaf1(): RatchetTree {
  return [
    undefined,
    undefined,
    {
      nodeType: 'leaf',
      leaf: {
        leafNodeSource: 'commit',
        hpkePublicKey: new Uint8Array(),
        signaturePublicKey: new Uint8Array(),
        capabilities: {
          versions: ['mls10'],
          ciphersuites: [SUITE],
          extensions: [],
          proposals: [],
          credentials: ['basic'],
        },
        parentHash: new Uint8Array(),
        extensions: [],
        signature: new Uint8Array(),
        credential: { credentialType: 'basic', identity: new Uint8Array() },
      },
    },
  ];
}

for (const [name, impl] of PROVIDERS) {
  describe(`suite 1 message vectors, ${name}`, () => {
    it('message-protection (§6.2 PublicMessage, §6.3 PrivateMessage: unprotect and round-trip)', async () => {
      const cs = await impl();
      for (const v of suite1(messageProtection)) {
        const gc = {
          version: 'mls10' as const,
          cipherSuite: SUITE,
          groupId: hex(v.group_id),
          epoch: BigInt(v.epoch),
          treeHash: hex(v.tree_hash),
          confirmedTranscriptHash: hex(v.confirmed_transcript_hash),
          extensions: [],
        };
        const membershipKey = hex(v.membership_key);
        const sigPub = hex(v.signature_pub);
        // Public proposal and commit decode and verify (signature + membership tag).
        for (const [bytes, expected, kind] of [
          [v.proposal_pub, v.proposal, 'proposal'],
          [v.commit_pub, v.commit, 'commit'],
        ] as const) {
          const m = mlsMessage(hex(bytes));
          if (m.wireformat !== 'mls_public_message') throw new Error('expected public message');
          const meta = parseMlsMessageMeta(hex(bytes));
          expect(meta.wireFormat === 'public' && meta.contentType).toBe(kind);
          const c = await unprotectPublicMessage(membershipKey, gc, [], m.publicMessage, cs, sigPub);
          if (c.content.contentType === 'proposal') expect(encodeProposal(c.content.proposal)).toEqual(hex(expected));
          else if (c.content.contentType === 'commit') expect(encodeCommit(c.content.commit)).toEqual(hex(expected));
          else throw new Error('unexpected content');
          // A flipped membership tag must be refused.
          if (m.publicMessage.senderType === 'member') {
            const tag = m.publicMessage.membershipTag.slice();
            tag[0]! ^= 1;
            await expect(
              unprotectPublicMessage(membershipKey, gc, [], { ...m.publicMessage, membershipTag: tag }, cs, sigPub),
            ).rejects.toThrow();
          }
        }
        // Private proposal, commit and application decrypt.
        for (const [bytes, kind] of [
          [v.proposal_priv, 'proposal'],
          [v.commit_priv, 'commit'],
          [v.application_priv, 'application'],
        ] as const) {
          const m = mlsMessage(hex(bytes));
          if (m.wireformat !== 'mls_private_message') throw new Error('expected private message');
          const meta = parseMlsMessageMeta(hex(bytes));
          expect(meta.wireFormat === 'private' && meta.contentType).toBe(kind);
          const tree = await createSecretTree(2, hex(v.encryption_secret), cs.kdf);
          const u = await unprotectPrivateMessage(
            hex(v.sender_data_secret),
            m.privateMessage,
            tree,
            treeWithLeaf1(),
            gc,
            clientConfigFor({ isDeviceListed: async () => false }, 'process', new AuthProbe()).keyRetentionConfig,
            cs,
            sigPub,
          );
          const content = u.content.content;
          if (content.contentType === 'application') expect(content.applicationData).toEqual(hex(v.application));
          else if (content.contentType === 'proposal')
            expect(encodeProposal(content.proposal)).toEqual(hex(v.proposal));
          else expect(encodeCommit(content.commit)).toEqual(hex(v.commit));
        }
        // Round trips with this configuration's padding.
        const p = decodeProposal(hex(v.proposal), 0)![0];
        const pub = await protectProposalPublic(hex(v.signature_priv), membershipKey, gc, new Uint8Array(), p, 1, cs);
        const back = await unprotectPublicMessage(membershipKey, gc, [], pub.publicMessage, cs, sigPub);
        expect(back.content.contentType === 'proposal' && encodeProposal(back.content.proposal)).toEqual(
          hex(v.proposal),
        );
        const st = await createSecretTree(2, hex(v.encryption_secret), cs.kdf);
        const cfg = clientConfigFor({ isDeviceListed: async () => false }, 'process', new AuthProbe());
        const app = await protectApplicationData(
          hex(v.signature_priv),
          hex(v.sender_data_secret),
          hex(v.application),
          new Uint8Array(),
          gc,
          st,
          1,
          cfg.paddingConfig,
          cs,
        );
        const st2 = await createSecretTree(2, hex(v.encryption_secret), cs.kdf);
        const u = await unprotectPrivateMessage(
          hex(v.sender_data_secret),
          app.privateMessage,
          st2,
          treeWithLeaf1(),
          gc,
          cfg.keyRetentionConfig,
          cs,
          sigPub,
        );
        expect(u.content.content.contentType === 'application' && u.content.content.applicationData).toEqual(
          hex(v.application),
        );
        expect(decodeCommit(hex(v.commit), 0)?.[1]).toBe(hex(v.commit).length);
      }
    });

    it('welcome (§12.4.3: group secrets, GroupInfo confirmation tag and signature)', async () => {
      const cs = await impl();
      for (const v of suite1(welcomeVectors)) {
        const w = mlsMessage(hex(v.welcome));
        const kp = mlsMessage(hex(v.key_package));
        if (w.wireformat !== 'mls_welcome' || kp.wireformat !== 'mls_key_package') throw new Error('bad vector');
        const ref = await makeKeyPackageRef(kp.keyPackage, cs.hash);
        // This package's own KeyPackageRef and Welcome parser agree with ts-mls.
        expect(keyPackageRefOf(hex(v.key_package).subarray(4))).toEqual(ref);
        const kpMeta = parseMlsMessageMeta(hex(v.key_package));
        expect(kpMeta.wireFormat === 'key-package' && kpMeta.keyPackageRef).toEqual(ref);
        const wMeta = parseMlsMessageMeta(hex(v.welcome));
        expect(wMeta.wireFormat === 'welcome' && wMeta.keyPackageRefs).toContainEqual(ref);
        const priv = await cs.hpke.importPrivateKey(hex(v.init_priv));
        const secrets = await decryptGroupSecrets(priv, ref, w.welcome, cs.hpke);
        if (secrets === undefined) throw new Error('group secrets do not decrypt');
        const psk = new Uint8Array(cs.kdf.size);
        const gi = await decryptGroupInfo(w.welcome, secrets.joinerSecret, psk, cs);
        if (gi === undefined) throw new Error('GroupInfo does not decrypt');
        expect(await verifyGroupInfoConfirmationTag(gi, secrets.joinerSecret, psk, cs)).toBe(true);
        expect(await verifyGroupInfoSignature(gi, hex(v.signer_pub), cs.signature)).toBe(true);
      }
    });

    it('tree-validation (§7.8 tree hashes, §7.9 parent hashes, leaf signatures)', async () => {
      const cs = await impl();
      for (const v of suite1(treeValidation)) {
        const tree = decodeRatchetTree(hex(v.tree), 0)![0];
        for (const [i, h] of v.tree_hashes.entries()) {
          expect(await treeHash(tree, toNodeIndex(i), cs.hash)).toEqual(hex(h));
        }
        expect(await verifyParentHashes(tree, cs.hash)).toBe(true);
        for (const [i, n] of tree.entries()) {
          if (n?.nodeType === 'leaf') {
            expect(await verifyLeafNodeSignature(n.leaf, hex(v.group_id), i / 2, cs.signature)).toBe(true);
          }
        }
      }
    });

    it('tree-operations (§12.1: add, update, remove applied to a tree; tree hashes)', async () => {
      const cs = await impl();
      for (const v of suite1(treeOperations)) {
        const before = decodeRatchetTree(hex(v.tree_before), 0)![0];
        expect(await treeHashRoot(before, cs.hash)).toEqual(hex(v.tree_hash_before));
        const p = decodeProposal(hex(v.proposal), 0)![0];
        let after: RatchetTree;
        if (p.proposalType === 'add') after = addLeafNode(before, p.add.keyPackage.leafNode)[0];
        else if (p.proposalType === 'update')
          after = updateLeafNode(before, p.update.leafNode, toLeafIndex(v.proposal_sender));
        else if (p.proposalType === 'remove') after = removeLeafNode(before, toLeafIndex(p.remove.removed));
        else throw new Error(`unexpected proposal ${String(p.proposalType)}`);
        expect(encodeRatchetTree(after)).toEqual(hex(v.tree_after));
        expect(await treeHashRoot(after, cs.hash)).toEqual(hex(v.tree_hash_after));
      }
    });

    for (const [file, vectors] of [
      ['passive-client-welcome', passiveWelcome as unknown as PassiveClientVector[]],
      ['passive-client-handling-commit', passiveCommit as unknown as PassiveClientVector[]],
    ] as const) {
      it(`${file} (join by Welcome, then process every epoch; epoch authenticators match)`, async () => {
        const cs = await impl();
        let checked = 0; // joins and epochs whose authenticator matched
        for (const v of suite1(vectors)) {
          const kp = mlsMessage(hex(v.key_package));
          const w = mlsMessage(hex(v.welcome));
          if (kp.wireformat !== 'mls_key_package' || w.wireformat !== 'mls_welcome') throw new Error('bad vector');
          const config = {
            ...clientConfigFor({ isDeviceListed: async () => false }, 'join', new AuthProbe()),
            authService: defaultAuthenticationService,
          };
          const psks: Record<string, Uint8Array> = {};
          for (const p of v.external_psks) psks[bytesToBase64(hex(p.psk_id))] = hex(p.psk);
          const tree = v.ratchet_tree === null ? undefined : decodeRatchetTree(hex(v.ratchet_tree), 0)?.[0];
          let state: ClientState = await joinGroup(
            w.welcome,
            kp.keyPackage,
            {
              initPrivateKey: hex(v.init_priv),
              hpkePrivateKey: hex(v.encryption_priv),
              signaturePrivateKey: hex(v.signature_priv),
            },
            makePskIndex(undefined, psks),
            cs,
            tree,
            undefined,
            config,
          );
          expect(state.keySchedule.epochAuthenticator).toEqual(hex(v.initial_epoch_authenticator));
          checked++;
          for (const epoch of v.epochs) {
            for (const bytes of [...epoch.proposals, epoch.commit]) {
              const m = mlsMessage(hex(bytes));
              const meta = parseMlsMessageMeta(hex(bytes), { maxBytes: 8 * 1024 * 1024 });
              expect(meta.wireFormat === 'public' || meta.wireFormat === 'private').toBe(true);
              if (m.wireformat === 'mls_public_message') {
                state = (await processPublicMessage(state, m.publicMessage, makePskIndex(state, psks), cs)).newState;
              } else if (m.wireformat === 'mls_private_message') {
                state = (await processPrivateMessage(state, m.privateMessage, makePskIndex(state, psks), cs)).newState;
              } else throw new Error('unexpected wire format');
            }
            expect(state.keySchedule.epochAuthenticator).toEqual(hex(epoch.epoch_authenticator));
            checked++;
          }
        }
        expect(checked).toBe(vectors.filter((x) => x.cipher_suite === 1).reduce((n, x) => n + 1 + x.epochs.length, 0));
      });
    }
  });
}
