import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFulcrumError } from './errors.js';
import { decodeBase64, decodeBase64Url, decodeHex, encodeBase64, encodeBase64Url, encodeHex } from './encoding.js';
import { constantTimeEqual, utf8Decode } from './bytes.js';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isFulcrumError(e) ? e.code : 'not-fulcrum';
  }
  return undefined;
};

describe('encodings', () => {
  it('RFC 4648 §10 base64 test vectors', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, b64] of cases) {
      const bytes = new TextEncoder().encode(plain);
      expect(encodeBase64(bytes)).toBe(b64);
      expect(decodeBase64(b64)).toEqual(bytes);
    }
  });

  it('round-trips hex, base64 and base64url for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(decodeHex(encodeHex(bytes))).toEqual(bytes);
        expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
        expect(decodeBase64Url(encodeBase64Url(bytes))).toEqual(bytes);
      }),
    );
  });

  it('refuses malformed input with stable codes', () => {
    expect(code(() => decodeHex('abc'))).toBe('common.bad_encoding');
    expect(code(() => decodeHex('zz'))).toBe('common.bad_encoding');
    expect(code(() => decodeHex('abcd', 3))).toBe('common.bad_length');
    expect(code(() => decodeBase64('Zm9'))).toBe('common.bad_encoding');
    expect(code(() => decodeBase64('Zm9v\n'))).toBe('common.bad_encoding');
    expect(code(() => decodeBase64('Zh=='))).toBe('common.bad_encoding'); // non-zero pad bits
    expect(code(() => decodeBase64Url('Zm9v+'))).toBe('common.bad_encoding');
    expect(code(() => utf8Decode(new Uint8Array([0xff])))).toBe('common.bad_encoding');
  });

  it('compares in constant time, by value', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1]), new Uint8Array([1, 2]))).toBe(false);
  });
});
