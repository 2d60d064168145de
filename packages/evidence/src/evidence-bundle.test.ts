import { FulcrumError, concatBytes, encodeHex, u32be, utf8Encode } from '@fulcrum/common';
import { unsafeAssertLinearCost } from '@fulcrum/common/testing';
import { commitMessage, createFrankingKey } from '@fulcrum/franking';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EVIDENCE_LIMITS,
  EVIDENCE_MAGIC,
  type EvidenceBundleInput,
  type EvidenceFile,
  type JsonObject,
  createEvidenceBundle,
  decodeCanonicalJson,
  decodeEvidenceBundle,
  encodeCanonicalJson,
  encodeEvidenceBundle,
  evidenceCommitment,
  evidenceKeyId,
  evidenceManifestDigest,
  evidenceSignatureMessage,
  evidenceSigningKeyFromSecret,
  formatEvidencePublicKey,
  generateEvidenceSigningKey,
  parseEvidencePublicKey,
  verifyEvidenceBundle,
} from './index.js';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof FulcrumError) return e.code;
    throw e;
  }
  return 'no error';
}

const key = evidenceSigningKeyFromSecret(new Uint8Array(32).fill(7));
const otherKey = evidenceSigningKeyFromSecret(new Uint8Array(32).fill(9));
const conversationId = utf8Encode('grp_test_conversation');

function sampleInput(): EvidenceBundleInput {
  const body = utf8Encode('{"text":"the reported message"}');
  const frankingKey = createFrankingKey();
  const commitment = commitMessage({ frankingKey, conversationId, body });
  const image = new Uint8Array(3000).map((_, i) => (i * 31) & 0xff);
  return {
    issuer: 'localhost/fulcrum',
    createdAt: 1_760_000_000_000,
    files: [
      { name: 'messages/0.bin', mediaType: 'application/vnd.fulcrum.message-content', content: body },
      { name: 'files/0/photo.png', mediaType: 'image/png', content: image },
    ],
    metadata: { report: { id: 'rpt_x', category: 'harassment', note: null }, decisions: [] },
    verification: {
      franking: [
        {
          file: 'messages/0.bin',
          frankingKey,
          commitment,
          tag: new Uint8Array(32).fill(1),
          context: {
            conversationId,
            epoch: 3,
            senderDeviceId: 'dev_a',
            serverSeq: 12,
            serverTime: 1_759_999_000_000,
            keyId: 'fk1',
          },
        },
      ],
      platform: { serverTagVerifiedAt: 1_759_999_500_000 },
    },
  };
}

/** The documented container, written independently of the encoder. */
function container(manifestBytes: Uint8Array, signature: Uint8Array, contents: Uint8Array[]): Uint8Array {
  return concatBytes(
    utf8Encode('FULCRUM-EVIDENCE-V1\n'),
    u32be(manifestBytes.length),
    manifestBytes,
    signature,
    ...contents.flatMap((c) => [u32be(c.length), c]),
  );
}

/** Byte offsets of a bundle's parts (per the documented container). */
function layout(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const m = view.getUint32(20, false);
  const manifestAt = 24;
  const signatureAt = manifestAt + m;
  const firstFileAt = signatureAt + 64;
  return { m, manifestAt, signatureAt, firstFileAt };
}

describe('evidence bundle: round trip', () => {
  it('create → encode → decode and verify give back files, manifest and commitment', () => {
    const input = sampleInput();
    const bundle = createEvidenceBundle(input, key);
    const bytes = encodeEvidenceBundle(bundle);
    expect([...bytes.subarray(0, 20)]).toEqual([...EVIDENCE_MAGIC]);
    const decoded = decodeEvidenceBundle(bytes);
    expect(decoded.manifestBytes).toEqual(bundle.manifestBytes);
    expect(decoded.files.map((f) => f.name)).toEqual(['messages/0.bin', 'files/0/photo.png']);
    const verified = verifyEvidenceBundle(bytes, key.publicKey);
    expect(verified.openingsVerified).toBe(1);
    expect(verified.files[1]?.content).toEqual(input.files[1]?.content);
    expect(verified.manifest.files[1]?.sha256).toBe(encodeHex(sha256(input.files[1]?.content as Uint8Array)));
    expect(verified.manifest.metadata).toEqual(input.metadata);
    expect(verified.manifest.keyId).toBe(key.keyId);
    expect(verified.commitment).toEqual(bundle.commitment);
    // The commitment is over the salt and the manifest digest, domain separated.
    const salt = Uint8Array.from(atob(verified.manifest.salt.replaceAll('-', '+').replaceAll('_', '/')), (c) =>
      c.charCodeAt(0),
    );
    expect(verified.commitment).toEqual(evidenceCommitment(salt, evidenceManifestDigest(verified.manifestBytes)));
  });

  it('a fresh salt per bundle: same content, unlinkable commitments', () => {
    const input = sampleInput();
    const a = createEvidenceBundle(input, key);
    const b = createEvidenceBundle(input, key);
    expect(a.manifest.salt).not.toBe(b.manifest.salt);
    expect(a.commitment).not.toEqual(b.commitment);
    // The commitment is not a hash of any file (nothing of the material is derivable from it).
    for (const f of input.files) expect(a.commitment).not.toEqual(sha256(f.content));
  });

  it('an empty bundle (no files, no openings) round-trips', () => {
    const bundle = createEvidenceBundle({ issuer: 'x', createdAt: 0, files: [], metadata: {} }, key);
    const v = verifyEvidenceBundle(encodeEvidenceBundle(bundle), key.publicKey);
    expect(v.files).toEqual([]);
    expect(v.openingsVerified).toBe(0);
  });

  it('public key text form round-trips and is refused when malformed', () => {
    const text = formatEvidencePublicKey(key.publicKey);
    expect(text.startsWith('fulcrum-evidence-ed25519:')).toBe(true);
    expect(parseEvidencePublicKey(`  ${text}\n`)).toEqual(key.publicKey);
    expect(codeOf(() => parseEvidencePublicKey('ed25519:abc'))).toBe('evidence.bad_key');
    expect(codeOf(() => parseEvidencePublicKey(`${text}AA`))).toBe('evidence.bad_key');
    expect(codeOf(() => verifyEvidenceBundle(new Uint8Array(10), new Uint8Array(31)))).toBe('evidence.bad_key');
    expect(evidenceKeyId(key.publicKey)).toMatch(/^[0-9a-f]{16}$/);
    const g = generateEvidenceSigningKey();
    expect(g.publicKey).toHaveLength(32);
    expect(g.keyId).toBe(evidenceKeyId(g.publicKey));
  });
});

describe('evidence bundle: tampering and wrong keys', () => {
  const bytes = encodeEvidenceBundle(createEvidenceBundle(sampleInput(), key));
  const { manifestAt, signatureAt, firstFileAt } = layout(bytes);
  const flip = (at: number) => {
    const c = bytes.slice();
    c[at] = (c[at] as number) ^ 0x01;
    return c;
  };

  it('the intact bundle verifies', () => {
    expect(codeOf(() => verifyEvidenceBundle(bytes, key.publicKey))).toBe('no error');
  });

  it('another key: evidence.wrong_key', () => {
    expect(codeOf(() => verifyEvidenceBundle(bytes, otherKey.publicKey))).toBe('evidence.wrong_key');
  });

  it('a signature by another key over a manifest naming this key: evidence.manifest_tampered', () => {
    const good = createEvidenceBundle(sampleInput(), key);
    const forged = container(
      good.manifestBytes,
      ed25519.sign(evidenceSignatureMessage(good.manifestBytes), otherKey.secretKey),
      good.files.map((f) => f.content),
    );
    expect(codeOf(() => verifyEvidenceBundle(forged, key.publicKey))).toBe('evidence.manifest_tampered');
    expect(codeOf(() => verifyEvidenceBundle(forged, otherKey.publicKey))).toBe('evidence.wrong_key');
  });

  it('every byte of the manifest flipped: refused (tampered manifest, or wrong key when the key id changes)', () => {
    const text = new TextDecoder().decode(bytes.subarray(manifestAt, signatureAt));
    const keyIdAt = text.indexOf(key.keyId);
    for (let i = manifestAt; i < signatureAt; i++) {
      const code = codeOf(() => verifyEvidenceBundle(flip(i), key.publicKey));
      const inKeyId = i - manifestAt >= keyIdAt && i - manifestAt < keyIdAt + 16;
      expect(code, `byte ${i - manifestAt}`).toBe(inKeyId ? 'evidence.wrong_key' : 'evidence.manifest_tampered');
    }
  });

  it('every byte of the signature flipped: evidence.manifest_tampered', () => {
    for (let i = signatureAt; i < firstFileAt; i++) {
      expect(codeOf(() => verifyEvidenceBundle(flip(i), key.publicKey))).toBe('evidence.manifest_tampered');
    }
  });

  it('file contents changed (first, middle, last byte of each file): evidence.file_tampered', () => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = firstFileAt;
    while (at < bytes.length) {
      const n = view.getUint32(at, false);
      for (const i of [at + 4, at + 4 + Math.floor(n / 2), at + 3 + n]) {
        expect(codeOf(() => verifyEvidenceBundle(flip(i), key.publicKey))).toBe('evidence.file_tampered');
      }
      at += 4 + n;
    }
  });

  it('a file replaced by one of another length, removed, or added: evidence.file_tampered', () => {
    const { m } = layout(bytes);
    const head = bytes.subarray(0, firstFileAt);
    const input = sampleInput();
    const [body, image] = input.files as [EvidenceFile, EvidenceFile];
    const part = (c: Uint8Array) => concatBytes(u32be(c.length), c);
    const longer = concatBytes(head, part(body.content), part(concatBytes(image.content, new Uint8Array([0]))));
    expect(m).toBeGreaterThan(0);
    expect(codeOf(() => verifyEvidenceBundle(longer, key.publicKey))).toBe('evidence.file_tampered');
    const removed = concatBytes(head, part(body.content));
    expect(codeOf(() => verifyEvidenceBundle(removed, key.publicKey))).toBe('evidence.file_tampered');
    const added = concatBytes(bytes, part(new Uint8Array([1, 2, 3])));
    expect(codeOf(() => verifyEvidenceBundle(added, key.publicKey))).toBe('evidence.file_tampered');
    // The unverified decoder also notices the mismatch between parts and manifest.
    expect(codeOf(() => decodeEvidenceBundle(added))).toBe('evidence.malformed');
  });

  it('cut at every length: evidence.truncated (or a file mismatch when the cut falls between files)', () => {
    const bounds = new Set<number>();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = firstFileAt; at < bytes.length; at += 4 + view.getUint32(at, false)) bounds.add(at);
    for (let len = 0; len < bytes.length; len += len < firstFileAt + 8 ? 1 : 97) {
      const code = codeOf(() => verifyEvidenceBundle(bytes.subarray(0, len), key.publicKey));
      expect(code, `length ${len}`).toBe(bounds.has(len) ? 'evidence.file_tampered' : 'evidence.truncated');
    }
  });

  it('wrong magic or trailing garbage: evidence.malformed / refused', () => {
    expect(codeOf(() => verifyEvidenceBundle(flip(0), key.publicKey))).toBe('evidence.malformed');
    expect(codeOf(() => decodeEvidenceBundle(utf8Encode('PK\u0003\u0004 not a bundle at all')))).toBe(
      'evidence.malformed',
    );
    // 1..3 stray bytes after the last file are a truncated length prefix.
    expect(codeOf(() => verifyEvidenceBundle(concatBytes(bytes, new Uint8Array([0])), key.publicKey))).toBe(
      'evidence.truncated',
    );
  });

  it('a signed manifest whose opening does not open: evidence.opening_mismatch', () => {
    // A platform bug (or a stolen key) could sign an opening that does not hold: the verifier
    // re-checks each opening offline. Built by signing a hand-made manifest with the right key.
    const good = createEvidenceBundle(sampleInput(), key);
    const manifest = JSON.parse(new TextDecoder().decode(good.manifestBytes));
    const other = utf8Encode('{"text":"something else"}');
    manifest.files[0].size = other.length;
    manifest.files[0].sha256 = encodeHex(sha256(other));
    const manifestBytes = encodeCanonicalJson(manifest);
    const signed = container(manifestBytes, ed25519.sign(evidenceSignatureMessage(manifestBytes), key.secretKey), [
      other,
      good.files[1]?.content as Uint8Array,
    ]);
    expect(codeOf(() => verifyEvidenceBundle(signed, key.publicKey))).toBe('evidence.opening_mismatch');
    // The same hand-made container with the original body verifies (the helper is faithful).
    const same = container(
      good.manifestBytes,
      good.signature,
      good.files.map((f) => f.content),
    );
    expect(same).toEqual(encodeEvidenceBundle(good));
  });

  it('a signed manifest that is not of the v1 shape: evidence.malformed', () => {
    const manifestBytes = encodeCanonicalJson({ format: 'fulcrum.evidence-bundle', version: 2, keyId: key.keyId });
    const signed = container(manifestBytes, ed25519.sign(evidenceSignatureMessage(manifestBytes), key.secretKey), []);
    expect(codeOf(() => verifyEvidenceBundle(signed, key.publicKey))).toBe('evidence.malformed');
  });
});

describe('evidence bundle: creation refuses bad input', () => {
  const base = sampleInput();
  it.each([
    ['a path that escapes', '../etc/passwd'],
    ['an absolute path', '/abs'],
    ['an empty segment', 'a//b'],
    ['a backslash', 'a\\b'],
    ['a control character', 'a\nb'],
    ['an empty name', ''],
    ['a name over 255 bytes', 'x'.repeat(256)],
  ])('%s', (_what, name) => {
    expect(
      codeOf(() =>
        createEvidenceBundle(
          { ...base, files: [{ name, mediaType: 'text/plain', content: new Uint8Array(1) }], verification: {} },
          key,
        ),
      ),
    ).toBe('evidence.bad_input');
  });

  it('duplicate names, bad media types, floats in metadata, an opening that does not open', () => {
    const f = { name: 'a', mediaType: 'text/plain', content: new Uint8Array(1) };
    expect(codeOf(() => createEvidenceBundle({ ...base, files: [f, f], verification: {} }, key))).toBe(
      'evidence.bad_input',
    );
    for (const mediaType of ['Text/Plain', 'text', 'text/plain; charset=utf-8', '']) {
      expect(codeOf(() => createEvidenceBundle({ ...base, files: [{ ...f, mediaType }], verification: {} }, key))).toBe(
        'evidence.bad_input',
      );
    }
    expect(codeOf(() => createEvidenceBundle({ ...base, metadata: { x: 1.5 } }, key))).toBe('evidence.bad_input');
    const files = base.files.map((x, i) => (i === 0 ? { ...x, content: utf8Encode('altered') } : x));
    expect(codeOf(() => createEvidenceBundle({ ...base, files }, key))).toBe('evidence.bad_input');
  });
});

describe('evidence bundle: size limits', () => {
  const bytes = encodeEvidenceBundle(createEvidenceBundle(sampleInput(), key));
  it('each limit is enforced on decode and verify with evidence.too_large', () => {
    expect(codeOf(() => verifyEvidenceBundle(bytes, key.publicKey, { maxBundleBytes: bytes.length - 1 }))).toBe(
      'evidence.too_large',
    );
    expect(codeOf(() => decodeEvidenceBundle(bytes, { maxManifestBytes: 100 }))).toBe('evidence.too_large');
    expect(codeOf(() => decodeEvidenceBundle(bytes, { maxFiles: 1 }))).toBe('evidence.too_large');
    expect(codeOf(() => decodeEvidenceBundle(bytes, { maxFileBytes: 2999 }))).toBe('evidence.too_large');
    expect(codeOf(() => decodeEvidenceBundle(bytes, { maxFileBytes: 3000 }))).toBe('no error');
  });

  it('a declared length over the limit is refused before anything is read or allocated', () => {
    const huge = concatBytes(EVIDENCE_MAGIC, u32be(0xffffffff));
    expect(codeOf(() => decodeEvidenceBundle(huge))).toBe('evidence.too_large');
    const { firstFileAt } = layout(bytes);
    const bigFile = concatBytes(bytes.subarray(0, firstFileAt), u32be(DEFAULT_EVIDENCE_LIMITS.maxFileBytes + 1));
    expect(codeOf(() => decodeEvidenceBundle(bigFile))).toBe('evidence.too_large');
  });

  it('creation enforces the same limits', () => {
    expect(codeOf(() => createEvidenceBundle(sampleInput(), key, { limits: { maxFiles: 1 } }))).toBe(
      'evidence.too_large',
    );
    expect(codeOf(() => createEvidenceBundle(sampleInput(), key, { limits: { maxFileBytes: 10 } }))).toBe(
      'evidence.too_large',
    );
    expect(codeOf(() => createEvidenceBundle(sampleInput(), key, { limits: { maxManifestBytes: 10 } }))).toBe(
      'evidence.too_large',
    );
  });

  it('decode cost grows linearly with the number of files', () => {
    const make = (n: number) =>
      encodeEvidenceBundle(
        createEvidenceBundle(
          {
            issuer: 'x',
            createdAt: 0,
            files: Array.from({ length: n }, (_, i) => ({
              name: `f/${i}`,
              mediaType: 'application/octet-stream',
              content: new Uint8Array(64),
            })),
            metadata: {},
          },
          key,
        ),
      );
    // 16x the files (up to the 1024 limit): the signature check costs the same at both sizes, so
    // a wider ratio keeps a quadratic term visible above it.
    const small = make(64);
    const large = make(1024);
    unsafeAssertLinearCost('verifyEvidenceBundle', {
      small: () => verifyEvidenceBundle(small, key.publicKey),
      large: () => verifyEvidenceBundle(large, key.publicKey),
      inputRatio: 16,
    });
  });
});

describe('evidence bundle: properties', () => {
  const name = fc
    .array(fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/), { minLength: 1, maxLength: 3 })
    .filter((segs) => segs.every((s) => s !== '.' && s !== '..'))
    .map((segs) => segs.join('/'));
  const json: fc.Arbitrary<JsonObject> = fc.dictionary(
    fc.string({ maxLength: 8 }),
    fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 })),
    { maxKeys: 6 },
  );
  const files = fc.uniqueArray(fc.record({ name, content: fc.uint8Array({ maxLength: 200 }) }), {
    selector: (f) => f.name,
    maxLength: 5,
  });

  it('any valid input round-trips through encode, decode and verify', () => {
    fc.assert(
      fc.property(files, json, fc.nat(), (fs, metadata, createdAt) => {
        const bundle = createEvidenceBundle(
          {
            issuer: 'p',
            createdAt,
            files: fs.map((f) => ({ ...f, mediaType: 'application/octet-stream' })),
            metadata,
          },
          key,
        );
        const bytes = encodeEvidenceBundle(bundle);
        const v = verifyEvidenceBundle(bytes, key.publicKey);
        expect(v.files.map((f) => [f.name, [...f.content]])).toEqual(fs.map((f) => [f.name, [...f.content]]));
        expect(v.manifest.metadata).toEqual(JSON.parse(JSON.stringify(metadata)));
        expect(encodeEvidenceBundle(decodeEvidenceBundle(bytes))).toEqual(bytes);
      }),
      { numRuns: 60 },
    );
  });

  it('any single flipped byte is refused with a typed evidence error', () => {
    const bytes = encodeEvidenceBundle(createEvidenceBundle(sampleInput(), key));
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const c = bytes.slice();
        c[at] = (c[at] as number) ^ x;
        const code = codeOf(() => verifyEvidenceBundle(c, key.publicKey));
        expect(code).toMatch(/^evidence\.(truncated|too_large|malformed|wrong_key|manifest_tampered|file_tampered)$/);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes never verify and fail only with typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (tail, withMagic) => {
        const bytes = withMagic ? concatBytes(EVIDENCE_MAGIC, tail) : tail;
        expect(codeOf(() => verifyEvidenceBundle(bytes, key.publicKey))).toMatch(/^evidence\./);
        expect(codeOf(() => decodeEvidenceBundle(bytes))).toMatch(/^evidence\./);
      }),
      { numRuns: 300 },
    );
  });

  it('canonical JSON: one encoding per value; non-canonical text is refused', () => {
    fc.assert(
      fc.property(json, (v) => {
        const b = encodeCanonicalJson(v);
        expect(encodeCanonicalJson(decodeCanonicalJson(b))).toEqual(b);
      }),
    );
    for (const text of ['{"b":1,"a":2}', '{ "a":1}', '{"a":1.0}', '{"a":1,"a":1}', '{"a":"\\u0041"}', '[1e2]']) {
      expect(
        codeOf(() => decodeCanonicalJson(utf8Encode(text))),
        text,
      ).toBe('evidence.malformed');
    }
    expect(codeOf(() => decodeCanonicalJson(new Uint8Array([0x22, 0xff, 0x22])))).toBe('evidence.malformed');
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(codeOf(() => decodeCanonicalJson(utf8Encode(JSON.stringify(deep))))).toBe('evidence.malformed');
  });
});
