import { decodeBase64, decodeHex, utf8Encode } from '@fulcrum/common';
import { unsafeAssertLinearCost } from '@fulcrum/common/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../tests/helpers.js';
import v from '../vectors/signed-note.json' with { type: 'json' };
import {
  type NoteSigner,
  computeKeyId,
  createEd25519NoteSigner,
  createEd25519NoteVerifier,
  formatEd25519PrivateKey,
  formatKeyId,
  formatNote,
  formatVerifierKey,
  generateEd25519NoteKey,
  parseEd25519PrivateKey,
  parseNote,
  parseVerifierKey,
  signNote,
  verifyNote,
} from './index.js';

const peter = v.valid[1] as { skey: string; vkey: string; text: string; note: string };
const seed = (i: number) => new Uint8Array(32).fill(i + 1);

describe('C2SP signed-note (vectors: signed-note.json)', () => {
  it('valid notes verify with the expected keys, unknown signatures are reported, not errors', () => {
    for (const c of v.valid) {
      const vkeys = 'vkeys' in c ? (c.vkeys as string[]) : [c.vkey as string];
      const opened = verifyNote(c.note, vkeys.map(parseVerifierKey));
      expect(opened.verified.map((x) => x.verifier.name)).toEqual(c.expect.verified_by);
      expect(opened.unverified.map((s) => s.name)).toEqual((c.expect as { unverified?: string[] }).unverified ?? []);
      if ('text' in c) expect(opened.text).toBe(c.text);
    }
  });

  it("signing with Go's PeterNeumann key reproduces the Go note byte for byte", async () => {
    const signer = parseEd25519PrivateKey(peter.skey);
    expect(formatVerifierKey(signer)).toBe(peter.vkey);
    expect(await signNote(peter.text, [signer])).toBe(peter.note);
    // And the private key string round-trips.
    const seedBytes = decodeBase64(peter.skey.split('+').slice(4).join('+')).slice(1);
    expect(seedBytes.length).toBe(32);
    expect(formatEd25519PrivateKey('PeterNeumann', seedBytes)).toBe(peter.skey);
  });

  it('the 9 malformed or unverifiable notes are rejected with the right code', () => {
    const want: Record<string, string> = {
      'no verifiable signatures': 'tlog.note_unverified',
      'invalid signature': 'tlog.note_bad_signature',
      malformed: 'tlog.note_malformed',
      'malformed (too many signatures)': 'tlog.note_too_large',
    };
    expect(v.invalid_notes.length).toBe(9);
    for (const c of v.invalid_notes) {
      const code = codeOf(() => verifyNote(c.note, c.vkeys.map(parseVerifierKey)));
      expect(code, c.desc).toBe(want[c.expect_error]);
    }
  });

  it('the 4 bad vkeys are refused', () => {
    for (const c of v.invalid_vkeys)
      expect(
        codeOf(() => parseVerifierKey(c.vkey)),
        c.desc,
      ).toBe('tlog.bad_key');
    expect(codeOf(() => parseVerifierKey('a+b'))).toBe('tlog.bad_key');
    expect(codeOf(() => parseVerifierKey('x'.repeat(5000)))).toBe('tlog.bad_key');
    expect(
      codeOf(() =>
        parseEd25519PrivateKey('PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'),
      ),
    ).toBe('tlog.bad_key');
  });

  it('key IDs: SHA-256(name || 0x0A || type || key)[:4]', () => {
    for (const k of v.key_ids) {
      expect(formatKeyId(computeKeyId(k.name, k.type, decodeHex(k.pubkey_hex)))).toBe(k.key_id_hex);
    }
  });

  it('accepts 16 signatures from 16 known keys (C2SP minimum) and verifies them all', async () => {
    const signers = Array.from({ length: 16 }, (_, i) => createEd25519NoteSigner(`example.com/w${i}`, seed(i)));
    const note = await signNote('sixteen\n', signers);
    const opened = verifyNote(
      note,
      signers.map((s) => createEd25519NoteVerifier(s.name, s.publicKey)),
    );
    expect(opened.verified.length).toBe(16);
  });

  it('unknown keys are ignored even when they share the name or the key ID (not both)', async () => {
    const a = createEd25519NoteSigner('example.com/a', seed(1));
    const impostorSameName = createEd25519NoteSigner('example.com/a', seed(2));
    const sameIdOtherName: NoteSigner = { ...impostorSameName, name: 'example.com/b', keyId: a.keyId };
    const note = await signNote('hello\n', [impostorSameName, sameIdOtherName, a]);
    const opened = verifyNote(note, [createEd25519NoteVerifier(a.name, a.publicKey)]);
    expect(opened.verified.length).toBe(1);
    expect(opened.unverified.length).toBe(2);
  });

  it('a known key with a bad signature rejects the whole note, even next to a good one', async () => {
    const a = createEd25519NoteSigner('example.com/a', seed(1));
    const b = createEd25519NoteSigner('example.com/b', seed(2));
    const forged: NoteSigner = { ...b, sign: () => new Uint8Array(64) };
    const note = await signNote('hello\n', [a, forged]);
    const verifiers = [a, b].map((s) => createEd25519NoteVerifier(s.name, s.publicKey));
    expect(codeOf(() => verifyNote(note, verifiers))).toBe('tlog.note_bad_signature');
    expect(verifyNote(note, verifiers.slice(0, 1)).verified.length).toBe(1);
  });

  it('line and character rules', () => {
    const good = peter.note;
    const verifier = parseVerifierKey(peter.vkey);
    expect(codeOf(() => verifyNote(good.replace('\u2014 ', '-- '), [verifier]))).toBe('tlog.note_malformed');
    expect(codeOf(() => verifyNote(good.replace('\u2014 PeterNeumann ', '\u2014 PeterNeumann  '), [verifier]))).toBe(
      'tlog.note_malformed',
    );
    expect(codeOf(() => verifyNote(good.replace('If', 'If\t'), [verifier]))).toBe('tlog.note_malformed');
    expect(codeOf(() => verifyNote(good.replace('If', 'If\r'), [verifier]))).toBe('tlog.note_malformed');
    expect(codeOf(() => verifyNote(good.replace('If', 'If\ud800'), [verifier]))).toBe('tlog.note_malformed');
    expect(codeOf(() => verifyNote(new Uint8Array([0xff, 0x0a, 0x0a]), [verifier]))).toBe('tlog.note_malformed');
    expect(codeOf(() => verifyNote(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8Encode(good)]), [verifier]))).toBe(
      'tlog.note_malformed',
    );
    expect(codeOf(() => verifyNote(good.replace('PeterNeumann x', 'Peter+Neumann x'), [verifier]))).toBe(
      'tlog.note_malformed',
    );
    // Text may contain blank lines: the LAST blank line separates the signatures.
    expect(codeOf(() => verifyNote(`a\n\n${good}`, [verifier]))).toBe('tlog.note_bad_signature');
    // Bytes input is accepted as well as strings.
    expect(verifyNote(utf8Encode(good), [verifier]).text).toBe(peter.text);
    expect(codeOf(() => formatNote({ text: 'no newline', signatures: [] }))).toBe('tlog.note_malformed');
  });

  it('size limits: bytes and signature count are checked before parsing', () => {
    const verifier = parseVerifierKey(peter.vkey);
    expect(codeOf(() => verifyNote(peter.note, [verifier], { maxBytes: 100 }))).toBe('tlog.note_too_large');
    expect(codeOf(() => verifyNote(utf8Encode(peter.note), [verifier], { maxBytes: 100 }))).toBe('tlog.note_too_large');
    expect(codeOf(() => parseNote(`${'x'.repeat(2 << 20)}\n\n`))).toBe('tlog.note_too_large');
  });

  it('property: sign → format → parse → verify round-trips any valid text', async () => {
    const textArb = fc
      .array(
        fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => [...s].every((c) => c.charCodeAt(0) >= 0x20)),
        {
          minLength: 1,
          maxLength: 5,
        },
      )
      .map((lines) => `${lines.join('\n')}\n`);
    const signers = [0, 1, 2].map((i) => createEd25519NoteSigner(`example.com/k${i}`, seed(i)));
    const verifiers = signers.map((s) => createEd25519NoteVerifier(s.name, s.publicKey));
    await fc.assert(
      fc.asyncProperty(textArb, fc.integer({ min: 1, max: 3 }), async (text, n) => {
        const note = await signNote(text, signers.slice(0, n));
        const parsed = parseNote(note);
        expect(parsed.text).toBe(text);
        expect(formatNote(parsed)).toBe(note);
        expect(verifyNote(note, verifiers).verified.length).toBe(n);
      }),
      { numRuns: 100 },
    );
  });

  it('property: arbitrary input never crashes the parser (typed errors only)', () => {
    const verifier = parseVerifierKey(peter.vkey);
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.nat(peter.note.length), (junk, at) => {
        const mutated = peter.note.slice(0, at) + junk + peter.note.slice(at);
        const code = codeOf(() => verifyNote(mutated, [verifier]));
        expect(code).toMatch(/^(no error|tlog\.note_\w+)$/);
      }),
      { numRuns: 300 },
    );
  });

  it('generated keys: vkey and private key strings round-trip', async () => {
    const { signer, vkey, privateKey } = generateEd25519NoteKey('example.com/fresh');
    const again = parseEd25519PrivateKey(privateKey);
    expect(formatVerifierKey(again)).toBe(vkey);
    const note = await signNote('x\n', [signer]);
    expect(verifyNote(note, [parseVerifierKey(vkey)]).verified.length).toBe(1);
  });

  it('parsing cost grows linearly with note size', () => {
    const line = peter.note.slice(peter.note.indexOf('\u2014'));
    const make = (n: number) => `${'some text line\n'.repeat(n * 200)}\n${line.repeat(n)}`;
    const [small, large] = [make(20), make(200)];
    const limits = { maxBytes: 1 << 26, maxSignatures: 1e6 };
    unsafeAssertLinearCost('parseNote', {
      small: () => parseNote(small, limits),
      large: () => parseNote(large, limits),
      inputRatio: 10,
    });
  });
});
