import { decodeHex, utf8Encode } from '@fulcrum/common';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../tests/helpers.js';
import cv from '../vectors/checkpoints.json' with { type: 'json' };
import {
  ACCOUNT_KEY_ENTRY,
  DEVICE_KEY_ENTRY,
  DEVICE_REVOKED_ENTRY,
  type DecodedLogEntry,
  LABEL_KEY_ENTRY,
  type LabelKeyEntry,
  MemoryTileStore,
  accountHistory,
  blindAccountName,
  computeAccountLabel,
  createCosignatureV1Signer,
  createEd25519NoteSigner,
  createTileHashReader,
  createTlogProof,
  deriveLabelKeyPair,
  evaluateBlindedAccountName,
  finalizeAccountLabel,
  formatSignatureLine,
  formatVerifierKey,
  integrateEntries,
  keyTransparencyRegistry,
  parseTlogPolicy,
  signCheckpoint,
  treeSize,
  unknownDevices,
  verifyCheckpointWithPolicy,
  verifyEntryReceipt,
  verifyServedAccountKey,
  verifyServedDeviceKey,
  verifyTiledLog,
} from './index.js';

const T0 = 1_767_225_600_000;
const clock = { now: () => T0 };
const registry = keyTransparencyRegistry();
const logSigner = createEd25519NoteSigner(cv.keys.log.name, decodeHex(cv.keys.log.seed_hex));
const witness = createCosignatureV1Signer(
  cv.keys.witness_ed25519.name,
  decodeHex(cv.keys.witness_ed25519.seed_hex),
  clock,
);
const policy = parseTlogPolicy(
  `log ${formatVerifierKey(logSigner)}\nwitness w ${formatVerifierKey(witness)}\nquorum w\n`,
);
const verifyCp = (note: string | Uint8Array) => verifyCheckpointWithPolicy(note, policy);
const labelKey = deriveLabelKeyPair(new Uint8Array(32).fill(7));
const pk = (i: number) => new Uint8Array(32).fill(i);

/** A small key-transparency log: label key, alice's identity key and devices, bob's device. */
async function buildKtLog() {
  const alice = computeAccountLabel(labelKey.secretKey, 'alice@example.org');
  const bob = computeAccountLabel(labelKey.secretKey, 'bob@example.org');
  const entries = [
    registry.encode(LABEL_KEY_ENTRY, T0, { suite: 'ristretto255-SHA512', publicKey: labelKey.publicKey }),
    registry.encode(ACCOUNT_KEY_ENTRY, T0 + 1, { label: alice, scheme: 0x0807, publicKey: pk(1) }),
    registry.encode(DEVICE_KEY_ENTRY, T0 + 2, {
      label: alice,
      deviceId: 'phone',
      scheme: 0x0807,
      publicKey: pk(2),
      certificate: pk(3),
    }),
    registry.encode(DEVICE_KEY_ENTRY, T0 + 3, {
      label: bob,
      deviceId: 'laptop',
      scheme: 0x0807,
      publicKey: pk(4),
      certificate: pk(5),
    }),
    registry.encode(DEVICE_KEY_ENTRY, T0 + 4, {
      label: alice,
      deviceId: 'tablet',
      scheme: 0x0807,
      publicKey: pk(6),
      certificate: pk(7),
    }),
    registry.encode(DEVICE_REVOKED_ENTRY, T0 + 5, { label: alice, deviceId: 'tablet', reason: 1 }),
    registry.encode(DEVICE_KEY_ENTRY, T0 + 6, {
      label: alice,
      deviceId: 'mystery',
      scheme: 0x0807,
      publicKey: pk(8),
      certificate: pk(9),
    }),
  ];
  const store = new MemoryTileStore();
  const r = await integrateEntries({ oldSize: 0, entries, source: store });
  store.apply(r);
  const note = await signCheckpoint(
    { origin: logSigner.name, size: treeSize(r.size), rootHash: r.rootHash, extensions: [] },
    [logSigner],
  );
  const text = note.slice(0, note.indexOf('\n\n') + 1);
  const cosigned = `${note}${formatSignatureLine({ name: witness.name, keyId: witness.keyId, signature: await witness.sign(utf8Encode(text)) })}`;
  store.putCheckpoint(cosigned);
  const reader = createTileHashReader({ treeSize: r.size, source: store, rootHash: r.rootHash });
  const receipt = (index: number) => createTlogProof({ index, checkpointNote: cosigned, reader });
  return { entries, store, receipt, alice, bob };
}

describe('key transparency: pseudonymous labels (RFC 9497 VOPRF) and logged keys', () => {
  it('a client obtains its label obliviously, checks the DLEQ proof against the LOGGED label key, and gets the server label', async () => {
    const log = await buildKtLog();
    // The client first proves the label key is in the log (entry 0) under a witnessed checkpoint.
    const logged = verifyEntryReceipt({
      entry: log.entries[0]!,
      receipt: await log.receipt(0),
      registry,
      verifyCheckpoint: verifyCp,
    });
    const { publicKey } = logged.entry.value as LabelKeyEntry;
    const { blind, blindedElement } = blindAccountName('alice@example.org');
    const { evaluatedElement, proof } = evaluateBlindedAccountName(labelKey, blindedElement);
    const label = finalizeAccountLabel({
      accountName: 'alice@example.org',
      blind,
      blindedElement,
      evaluatedElement,
      proof,
      publicKey,
    });
    expect(label).toEqual(log.alice);
    expect(label.length).toBe(64);
    // Deterministic per key, different per name and per key.
    expect(computeAccountLabel(labelKey.secretKey, 'alice@example.org')).toEqual(label);
    expect(log.bob).not.toEqual(label);
    expect(
      computeAccountLabel(deriveLabelKeyPair(new Uint8Array(32).fill(8)).secretKey, 'alice@example.org'),
    ).not.toEqual(label);
    // Names that UTF-8 cannot carry faithfully, or with control characters, are refused.
    for (const bad of ['', 'a\ud800', 'a\nb', 'a\u0000b'])
      expect(codeOf(() => computeAccountLabel(labelKey.secretKey, bad))).toBe('tlog.voprf_bad_input');
  });

  it('a server that evaluates with another key (to give a client a different label) is caught', () => {
    const rogue = deriveLabelKeyPair(new Uint8Array(32).fill(9));
    const { blind, blindedElement } = blindAccountName('alice@example.org');
    const { evaluatedElement, proof } = evaluateBlindedAccountName(rogue, blindedElement);
    expect(
      codeOf(() =>
        finalizeAccountLabel({
          accountName: 'alice@example.org',
          blind,
          blindedElement,
          evaluatedElement,
          proof,
          publicKey: labelKey.publicKey,
        }),
      ),
    ).toBe('tlog.voprf_bad_proof');
  });

  it('served keys are accepted only with a receipt for exactly that logged key', async () => {
    const log = await buildKtLog();
    const base = { registry, verifyCheckpoint: verifyCp };
    const [r1, r2, r3] = [await log.receipt(1), await log.receipt(2), await log.receipt(3)];
    const ok = verifyServedDeviceKey({
      ...base,
      label: log.alice,
      deviceId: 'phone',
      publicKey: pk(2),
      entry: log.entries[2]!,
      receipt: r2,
    });
    expect(ok.receipt.index).toBe(2);
    verifyServedAccountKey({ ...base, label: log.alice, publicKey: pk(1), entry: log.entries[1]!, receipt: r1 });
    expect(
      codeOf(() =>
        verifyServedAccountKey({ ...base, label: log.alice, publicKey: pk(2), entry: log.entries[1]!, receipt: r1 }),
      ),
    ).toBe('tlog.kt_key_not_logged');
    // A device key the server never logged, backed by the receipt of a real entry: caught.
    expect(
      codeOf(() =>
        verifyServedDeviceKey({
          ...base,
          label: log.alice,
          deviceId: 'phone',
          publicKey: pk(66),
          entry: log.entries[2]!,
          receipt: '',
        }),
      ),
    ).toBe('tlog.proof_malformed');
    expect(
      codeOf(() =>
        verifyServedDeviceKey({
          ...base,
          label: log.alice,
          deviceId: 'phone',
          publicKey: pk(66),
          entry: log.entries[2]!,
          receipt: r2,
        }),
      ),
    ).toBe('tlog.kt_key_not_logged');
    // Bob's device served as alice's: caught.
    expect(
      codeOf(() =>
        verifyServedDeviceKey({
          ...base,
          label: log.alice,
          deviceId: 'laptop',
          publicKey: pk(4),
          entry: log.entries[3]!,
          receipt: r3,
        }),
      ),
    ).toBe('tlog.kt_key_not_logged');
    // A fabricated entry for the served key with a receipt of another entry: the proof fails.
    const fake = registry.encode(DEVICE_KEY_ENTRY, T0 + 2, {
      label: log.alice,
      deviceId: 'phone',
      scheme: 0x0807,
      publicKey: pk(66),
      certificate: pk(3),
    });
    expect(
      codeOf(() =>
        verifyServedDeviceKey({
          ...base,
          label: log.alice,
          deviceId: 'phone',
          publicKey: pk(66),
          entry: fake,
          receipt: r2,
        }),
      ),
    ).toBe('tlog.root_mismatch');
  });

  it('a user lists every device ever registered for their account from the log and spots the one they did not add', async () => {
    const log = await buildKtLog();
    const decoded: { index: number; entry: DecodedLogEntry }[] = [];
    await verifyTiledLog({
      source: log.store,
      verifyCheckpoint: verifyCp,
      audit: { onEntry: (index, e) => void decoded.push({ index, entry: registry.decode(e) }) },
    });
    const history = accountHistory(decoded, log.alice);
    expect(history.devices.map((d) => [d.deviceId, d.revoked !== undefined])).toEqual([
      ['phone', false],
      ['tablet', true],
      ['mystery', false],
    ]);
    expect(unknownDevices(history, new Set(['phone'])).map((d) => d.deviceId)).toEqual(['mystery']);
    // Someone reading only the log sees labels, not names: no entry contains the name.
    const all = new TextDecoder('latin1').decode(log.store.get('tile/entries/000.p/7'));
    expect(all.includes('alice')).toBe(false);
  });
});
