import { decodeBase64Url, encodeBase64Url, isFulcrumError } from '@fulcrum/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldBytes } from './fields.js';

/** What the reference decoder says: the bytes, or 'refused'. */
function reference(text: string): Uint8Array | 'refused' {
  try {
    return decodeBase64Url(text);
  } catch (err) {
    if (isFulcrumError(err)) return 'refused';
    throw err;
  }
}

function ours(text: string): Uint8Array | 'refused' {
  try {
    return fieldBytes(text, '/x');
  } catch (err) {
    expect(err).toMatchObject({ code: 'request.invalid', detail: { path: '/x' } });
    return 'refused';
  }
}

describe('fieldBytes (native decoding with the canonical check)', () => {
  it('decodes every canonical encoding to its bytes, in a buffer of its own', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        const out = fieldBytes(encodeBase64Url(bytes), '/x');
        expect(out).toEqual(bytes);
        expect(out.byteOffset).toBe(0);
        expect(out.buffer.byteLength).toBe(bytes.length);
      }),
    );
  });

  it('accepts and refuses exactly what decodeBase64Url does (non-canonical bits, bad lengths, other characters)', () => {
    const alphabet = 'AB_-z9+/=. '.split('');
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 12 }), (chars) => {
        const text = chars.join('');
        expect(ours(text)).toEqual(reference(text));
      }),
      { numRuns: 2000 },
    );
    for (const text of ['AB', 'AAB', 'A', 'AA==', 'AA AA', 'AA+/']) expect(ours(text)).toBe('refused');
  });
});
