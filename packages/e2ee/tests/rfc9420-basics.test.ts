/**
 * RFC 9420 interoperability vectors (mlswg/mls-implementations), cipher suite 1, against ts-mls 1.6.4
 * with this package's crypto providers: tree-math (§4.1), deserialization (§2.1.2 varints, also
 * against this package's own parser), crypto-basics (§5), key-schedule (§8), secret-tree (§9),
 * transcript-hashes (§8.2).
 */
import { describe, expect, it } from 'vitest';
import { decodeAuthenticatedContent } from 'ts-mls/authenticatedContent.js';
import { refhash } from 'ts-mls/crypto/hash.js';
import { decryptWithLabel, encryptWithLabel } from 'ts-mls/crypto/hpke.js';
import { deriveSecret, deriveTreeSecret, expandWithLabel } from 'ts-mls/crypto/kdf.js';
import { signWithLabel, verifyWithLabel } from 'ts-mls/crypto/signature.js';
import { determineLength } from 'ts-mls/codec/variableLength.js';
import { encodeGroupContext } from 'ts-mls/groupContext.js';
import { initializeEpoch, mlsExporter } from 'ts-mls/keySchedule.js';
import { defaultKeyRetentionConfig } from 'ts-mls';
import { createSecretTree, deriveKey, deriveNonce, ratchetUntil } from 'ts-mls/secretTree.js';
import { expandSenderDataKey, expandSenderDataNonce } from 'ts-mls/sender.js';
import { createConfirmedHash, createInterimHash } from 'ts-mls/transcriptHash.js';
import { left, nodeWidth, parent, right, root, sibling, toNodeIndex } from 'ts-mls/treemath.js';
import { Reader } from '../src/binary.js';
import { refHash } from '../src/message-meta.js';
import cryptoBasics from '../vectors/crypto-basics.json' with { type: 'json' };
import deserialization from '../vectors/deserialization.json' with { type: 'json' };
import keySchedule from '../vectors/key-schedule.json' with { type: 'json' };
import secretTree from '../vectors/secret-tree.json' with { type: 'json' };
import transcriptHashes from '../vectors/transcript-hashes.json' with { type: 'json' };
import treeMath from '../vectors/tree-math.json' with { type: 'json' };
import { hex, PROVIDERS, suite1 } from './vector-helpers.js';

describe('tree-math vectors (RFC 9420 §4.1, suite-independent)', () => {
  it.each(treeMath.map((v, i) => [i, v] as const))('vector %i', (_i, v) => {
    expect(nodeWidth(v.n_leaves)).toBe(v.n_nodes);
    expect(root(v.n_leaves)).toBe(v.root);
    const check = (expected: (number | null)[], f: (i: number) => number) => {
      for (const [i, e] of expected.entries()) {
        if (e === null) expect(() => f(i)).toThrow();
        else expect(f(i)).toBe(e);
      }
    };
    check(v.left, (i) => left(toNodeIndex(i)));
    check(v.right, (i) => right(toNodeIndex(i)));
    check(v.parent, (i) => parent(toNodeIndex(i), v.n_leaves));
    check(v.sibling, (i) => sibling(toNodeIndex(i), v.n_leaves));
  });
});

describe('deserialization vectors (RFC 9420 §2.1.2 variable-length headers)', () => {
  it.each(deserialization.map((v, i) => [i, v] as const))('vector %i', (_i, v) => {
    expect(determineLength(hex(v.vlbytes_header)).length).toBe(v.length); // ts-mls
    const r = new Reader(hex(v.vlbytes_header));
    expect(r.varint()).toBe(v.length); // this package's own parser (parseMlsMessageMeta)
    r.end();
  });
});

for (const [name, impl] of PROVIDERS) {
  describe(`suite 1 vectors, ${name}`, () => {
    it('crypto-basics (§5.1-5.2: RefHash, ExpandWithLabel, DeriveSecret, DeriveTreeSecret, SignWithLabel, EncryptWithLabel)', async () => {
      const cs = await impl();
      for (const v of suite1(cryptoBasics)) {
        expect(await refhash(v.ref_hash.label, hex(v.ref_hash.value), cs.hash)).toEqual(hex(v.ref_hash.out));
        expect(refHash(v.ref_hash.label, hex(v.ref_hash.value))).toEqual(hex(v.ref_hash.out)); // ours (noble)
        const e = v.expand_with_label;
        expect(await expandWithLabel(hex(e.secret), e.label, hex(e.context), e.length, cs.kdf)).toEqual(hex(e.out));
        const d = v.derive_secret;
        expect(await deriveSecret(hex(d.secret), d.label, cs.kdf)).toEqual(hex(d.out));
        const t = v.derive_tree_secret;
        expect(await deriveTreeSecret(hex(t.secret), t.label, t.generation, t.length, cs.kdf)).toEqual(hex(t.out));
        const s = v.sign_with_label;
        expect(await verifyWithLabel(hex(s.pub), s.label, hex(s.content), hex(s.signature), cs.signature)).toBe(true);
        const ours = await signWithLabel(hex(s.priv), s.label, hex(s.content), cs.signature);
        expect(ours).toEqual(hex(s.signature)); // Ed25519 is deterministic (RFC 8032)
        const bad = hex(s.signature);
        bad[0]! ^= 1;
        expect(await verifyWithLabel(hex(s.pub), s.label, hex(s.content), bad, cs.signature)).toBe(false);
        const x = v.encrypt_with_label;
        const priv = await cs.hpke.importPrivateKey(hex(x.priv));
        const pub = await cs.hpke.importPublicKey(hex(x.pub));
        const pt = await decryptWithLabel(priv, x.label, hex(x.context), hex(x.kem_output), hex(x.ciphertext), cs.hpke);
        expect(new Uint8Array(pt)).toEqual(hex(x.plaintext));
        const again = await encryptWithLabel(pub, x.label, hex(x.context), hex(x.plaintext), cs.hpke);
        const pt2 = await decryptWithLabel(priv, x.label, hex(x.context), again.enc, again.ct, cs.hpke);
        expect(new Uint8Array(pt2)).toEqual(hex(x.plaintext));
      }
    });

    it('key-schedule (§8: epoch secrets, exporter, external key)', async () => {
      const cs = await impl();
      for (const v of suite1(keySchedule)) {
        let initSecret = hex(v.initial_init_secret);
        for (const [epoch, e] of v.epochs.entries()) {
          const gc = {
            version: 'mls10' as const,
            cipherSuite: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const,
            groupId: hex(v.group_id),
            epoch: BigInt(epoch),
            treeHash: hex(e.tree_hash),
            confirmedTranscriptHash: hex(e.confirmed_transcript_hash),
            extensions: [],
          };
          expect(encodeGroupContext(gc)).toEqual(hex(e.group_context));
          const s = await initializeEpoch(initSecret, hex(e.commit_secret), gc, hex(e.psk_secret), cs.kdf);
          expect(s.joinerSecret).toEqual(hex(e.joiner_secret));
          expect(s.welcomeSecret).toEqual(hex(e.welcome_secret));
          expect(s.encryptionSecret).toEqual(hex(e.encryption_secret));
          const k = s.keySchedule;
          expect(k.initSecret).toEqual(hex(e.init_secret));
          expect(k.senderDataSecret).toEqual(hex(e.sender_data_secret));
          expect(k.exporterSecret).toEqual(hex(e.exporter_secret));
          expect(k.externalSecret).toEqual(hex(e.external_secret));
          expect(k.confirmationKey).toEqual(hex(e.confirmation_key));
          expect(k.membershipKey).toEqual(hex(e.membership_key));
          expect(k.resumptionPsk).toEqual(hex(e.resumption_psk));
          expect(k.epochAuthenticator).toEqual(hex(e.epoch_authenticator));
          const { publicKey } = await cs.hpke.deriveKeyPair(hex(e.external_secret));
          expect(await cs.hpke.exportPublicKey(publicKey)).toEqual(hex(e.external_pub));
          const x = e.exporter;
          expect(await mlsExporter(k.exporterSecret, x.label, hex(x.context), x.length, cs)).toEqual(hex(x.secret));
          initSecret = k.initSecret;
        }
      }
    });

    it('secret-tree (§9: sender data keys, handshake and application ratchets)', async () => {
      const cs = await impl();
      for (const v of suite1(secretTree)) {
        const sd = v.sender_data;
        expect(await expandSenderDataKey(cs, hex(sd.sender_data_secret), hex(sd.ciphertext))).toEqual(hex(sd.key));
        expect(await expandSenderDataNonce(cs, hex(sd.sender_data_secret), hex(sd.ciphertext))).toEqual(hex(sd.nonce));
        const tree = await createSecretTree(v.leaves.length, hex(v.encryption_secret), cs.kdf);
        for (const [leaf, gens] of v.leaves.entries()) {
          const node = tree[leaf * 2]!;
          for (const g of gens) {
            const [hs] = await ratchetUntil(node.handshake, g.generation, defaultKeyRetentionConfig, cs.kdf);
            expect(await deriveKey(hs.secret, hs.generation, cs)).toEqual(hex(g.handshake_key));
            expect(await deriveNonce(hs.secret, hs.generation, cs)).toEqual(hex(g.handshake_nonce));
            const [app] = await ratchetUntil(node.application, g.generation, defaultKeyRetentionConfig, cs.kdf);
            expect(await deriveKey(app.secret, app.generation, cs)).toEqual(hex(g.application_key));
            expect(await deriveNonce(app.secret, app.generation, cs)).toEqual(hex(g.application_nonce));
          }
        }
      }
    });

    it('transcript-hashes (§8.2: confirmed and interim transcript hashes, confirmation tag)', async () => {
      const cs = await impl();
      for (const v of suite1(transcriptHashes)) {
        const decoded = decodeAuthenticatedContent(hex(v.authenticated_content), 0);
        if (decoded === undefined) throw new Error('authenticated content does not decode');
        const ac = decoded[0];
        if (ac.content.contentType !== 'commit' || ac.auth.contentType !== 'commit') throw new Error('not a commit');
        const tag = ac.auth.confirmationTag;
        expect(await cs.hash.verifyMac(hex(v.confirmation_key), tag, hex(v.confirmed_transcript_hash_after))).toBe(
          true,
        );
        const confirmed = await createConfirmedHash(
          hex(v.interim_transcript_hash_before),
          { wireformat: ac.wireformat, content: ac.content, signature: ac.auth.signature },
          cs.hash,
        );
        expect(confirmed).toEqual(hex(v.confirmed_transcript_hash_after));
        expect(await createInterimHash(confirmed, tag, cs.hash)).toEqual(hex(v.interim_transcript_hash_after));
      }
    });
  });
}
