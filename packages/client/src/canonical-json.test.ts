import { isFulcrumError, utf8Encode } from '@fulcrum/common';
import { unsafeAssertLinearCost } from '@fulcrum/common/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CanonicalValue, decodeCanonicalJson, encodeCanonicalJson } from './canonical-json.js';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isFulcrumError(e) ? e.code : 'not-fulcrum';
  }
  return undefined;
};
const dec = (s: string) => decodeCanonicalJson(utf8Encode(s), 1 << 16);

const canonicalValue: fc.Arbitrary<CanonicalValue> = fc.letrec<{ v: CanonicalValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    fc.string({ unit: 'binary' }),
    fc.maxSafeInteger().filter((n) => !Object.is(n, -0)),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary' }), tie('v'), { maxKeys: 4 }),
  ),
})).v;

describe('canonical JSON', () => {
  it('sorts keys, drops whitespace, matches RFC 8785 for the values it supports', () => {
    expect(new TextDecoder().decode(encodeCanonicalJson({ b: 1, a: [true, null, 'x\n"'], é: -5 }))).toBe(
      '{"a":[true,null,"x\\n\\""],"b":1,"é":-5}',
    );
    // RFC 8785 §3.2.3 sorts by UTF-16 code units: U+10000 is D800 DC00, which sorts before U+FFFF.
    expect(new TextDecoder().decode(encodeCanonicalJson({ '\uffff': 1, '\u{10000}': 2 }))).toBe(
      '{"\u{10000}":2,"\uffff":1}',
    );
  });

  it('round-trips every supported value', () => {
    fc.assert(
      fc.property(canonicalValue, (v) => {
        const bytes = encodeCanonicalJson(v);
        expect(encodeCanonicalJson(decodeCanonicalJson(bytes, bytes.length))).toEqual(bytes);
      }),
    );
  });

  it('refuses every non-canonical spelling', () => {
    for (const s of ['{"b":1,"a":2}', '{ "a":1}', '{"a":1,"a":1}', '1.0', '1e3', '-0', '"\\u0041"', '[1 ]', '01']) {
      expect(
        codeOf(() => dec(s)),
        s,
      ).toBe('client.bad_content');
    }
    expect(codeOf(() => dec('{"a":1'))).toBe('client.bad_content');
    expect(codeOf(() => decodeCanonicalJson(new Uint8Array([0x22, 0xff, 0x22]), 10))).toBe('client.bad_content');
    expect(codeOf(() => encodeCanonicalJson(1.5))).toBe('client.bad_content');
    expect(codeOf(() => encodeCanonicalJson(2 ** 60))).toBe('client.bad_content');
  });

  it('enforces its size and depth limits', () => {
    expect(codeOf(() => decodeCanonicalJson(utf8Encode('"abcd"'), 5))).toBe('client.content_too_large');
    expect(codeOf(() => dec(`${'['.repeat(40)}${']'.repeat(40)}`))).toBe('client.bad_content');
  });

  it('decoding cost grows linearly with input size', () => {
    const input = (n: number) =>
      utf8Encode(JSON.stringify({ a: 'x'.repeat(n), b: Array.from({ length: n / 16 }, (_, i) => i) }));
    const small = input(1 << 14);
    const big = input(1 << 17);
    unsafeAssertLinearCost('decodeCanonicalJson', {
      small: () => decodeCanonicalJson(small, 1 << 24),
      large: () => decodeCanonicalJson(big, 1 << 24),
      inputRatio: 8,
    });
  });
});
