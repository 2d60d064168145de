import { encodeHex, utf8Encode } from '@fulcrum/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../tests/helpers.js';
import {
  EVIDENCE_BUNDLE_ENTRY,
  decodeLogEntry,
  encodeLogEntry,
  evidenceRegistry,
  keyTransparencyRegistry,
} from './index.js';

const T0 = 1_767_225_600_000;
const registry = evidenceRegistry();

describe('evidence.bundle v1', () => {
  it('encodes the 32-byte commitment only, with the time in the envelope (fixed vector)', () => {
    const commitment = Uint8Array.from({ length: 32 }, (_, i) => i);
    const bytes = registry.encode(EVIDENCE_BUNDLE_ENTRY, T0, { commitment });
    const expected =
      '01' +
      '0f' +
      encodeHex(utf8Encode('evidence.bundle')) +
      '0001' +
      T0.toString(16).padStart(16, '0') +
      '0020' +
      encodeHex(commitment);
    expect(encodeHex(bytes)).toBe(expected);
    const decoded = registry.decode(bytes);
    expect(decoded.value).toEqual({ commitment });
    expect(decoded.time).toBe(T0);
    expect(EVIDENCE_BUNDLE_ENTRY.describe?.({ commitment })).toMatch(/^evidence bundle exported/);
  });

  it('round-trips any commitment', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(), (commitment, time) => {
        expect(registry.decode(registry.encode(EVIDENCE_BUNDLE_ENTRY, time, { commitment })).value).toEqual({
          commitment,
        });
      }),
    );
  });

  it('refuses a commitment of another length on encode and a body of another length on decode', () => {
    for (const n of [0, 31, 33, 64]) {
      expect(codeOf(() => EVIDENCE_BUNDLE_ENTRY.encodeBody({ commitment: new Uint8Array(n) }))).toBe(
        'tlog.entry_malformed',
      );
      const entry = encodeLogEntry({ kind: 'evidence.bundle', version: 1, time: T0, body: new Uint8Array(n) });
      expect(decodeLogEntry(entry).body).toHaveLength(n);
      // Shorter: malformed; longer than the kind's limit: too large.
      expect(codeOf(() => registry.decode(entry))).toBe(n < 32 ? 'tlog.entry_malformed' : 'tlog.entry_too_large');
    }
  });

  it('joins the key-transparency registry without clashing', () => {
    const all = keyTransparencyRegistry().with(EVIDENCE_BUNDLE_ENTRY);
    expect(all.has('evidence.bundle', 1)).toBe(true);
    const bytes = all.encode(EVIDENCE_BUNDLE_ENTRY, T0, { commitment: new Uint8Array(32) });
    expect(all.decode(bytes).kind).toBe('evidence.bundle');
  });
});
