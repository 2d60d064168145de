import { decodeHex, encodeHex, isFulcrumError } from '@fulcrum/common';
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveAccountId } from './account-id.js';
import { decodeDeviceRevocation, signDeviceRevocation, verifyDeviceRevocation } from './revocation.js';

// Computed independently with Node's OpenSSL Ed25519 and SHA-256 (seed = 32 × 0x07): see README.
const SEED = new Uint8Array(32).fill(7);
const PUB = decodeHex('ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c');
const ACCOUNT_ID = 'rNlHvya_kjhW_sMuSJyWzg';
const DEVICE_ID = 'AQEBAQEBAQEBAQEBAQEBAQ';
const REVOCATION =
  '0116724e6c487679615f6b6a68575f734d75534a79577a6716415145424151454241514542415145424151454241510000019aba2b6f00db2ee471b69ceeb43deac4d47f6f3612ff68d90417af291967d885f2585894e862d0298802c8de70c01e7592920b0733ba1510ed3a20c24ea718205b5b53830d';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isFulcrumError(e) ? e.code : 'not-fulcrum';
  }
  return undefined;
};

describe('account id derivation', () => {
  it('matches the independently computed value', () => {
    expect(ed25519.getPublicKey(SEED)).toEqual(PUB);
    expect(deriveAccountId(PUB)).toBe(ACCOUNT_ID);
  });
  it('is 22 base64url characters for any key and refuses other lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (k) =>
        /^[A-Za-z0-9_-]{22}$/.test(deriveAccountId(k)),
      ),
    );
    expect(code(() => deriveAccountId(new Uint8Array(31)))).toBe('common.bad_length');
  });
});

describe('device revocation statements', () => {
  const statement = { accountId: ACCOUNT_ID, deviceId: DEVICE_ID, revokedAt: 1764060000000 };

  it('sign to the exact reference bytes and verify', () => {
    const bytes = signDeviceRevocation(SEED, statement);
    expect(encodeHex(bytes)).toBe(REVOCATION);
    const r = verifyDeviceRevocation(bytes, PUB, { accountId: ACCOUNT_ID, deviceId: DEVICE_ID });
    expect(r).toMatchObject(statement);
  });

  it('refuse another key, another device, any flipped bit, truncation and trailing bytes', () => {
    const bytes = decodeHex(REVOCATION);
    const other = ed25519.getPublicKey(new Uint8Array(32).fill(8));
    expect(code(() => verifyDeviceRevocation(bytes, other))).toBe('device.bad_certificate');
    expect(code(() => verifyDeviceRevocation(bytes, PUB, { deviceId: 'x' }))).toBe('device.bad_certificate');
    expect(code(() => verifyDeviceRevocation(bytes, PUB, { accountId: 'x' }))).toBe('device.bad_certificate');
    for (let i = 0; i < bytes.length; i++) {
      const flipped = bytes.slice();
      flipped[i] = (flipped[i] as number) ^ 1;
      expect(
        code(() => verifyDeviceRevocation(flipped, PUB)),
        `byte ${i}`,
      ).toBe('device.bad_certificate');
    }
    expect(code(() => decodeDeviceRevocation(bytes.subarray(0, bytes.length - 1)))).toBe('device.bad_certificate');
    expect(code(() => decodeDeviceRevocation(new Uint8Array([...bytes, 0])))).toBe('device.bad_certificate');
    expect(code(() => decodeDeviceRevocation(new Uint8Array(5000)))).toBe('device.bad_certificate');
  });

  it('never throws anything but its typed error on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const c = code(() => decodeDeviceRevocation(b));
        expect(c === undefined || c === 'device.bad_certificate').toBe(true);
      }),
    );
  });
});
