import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Clock, encodeHex, isFulcrumError, type Random } from '@fulcrum/common';
import {
  decodeDeviceCertificate,
  encodeDeviceCertificate,
  MAX_DEVICE_CERTIFICATE_BYTES,
  signDeviceCertificate,
  verifyDeviceCertificate,
  verifyDeviceCertificateAsync,
} from './device-certificate.js';
import { createAccountIdentity, createDeviceKeys } from './identity.js';
import { type AccountId, type DeviceId, parseAccountId, parseDeviceId } from './ids.js';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isFulcrumError(e) ? e.code : `not-fulcrum: ${String(e)}`;
  }
  return undefined;
};

/** Deterministic Random for known-answer tests: bytes 1, 2, 3, ... (never use outside tests). */
function unsafeCountingRandom(): Random {
  let n = 0;
  return { bytes: (len) => Uint8Array.from({ length: len }, () => ++n & 0xff) };
}
const fixedClock: Clock = { now: () => 1_700_000_000_000 };

function make(accountId = 'alice', deviceId = 'phone', random?: Random) {
  const account = createAccountIdentity(parseAccountId(accountId), random);
  const keys = createDeviceKeys(parseDeviceId(deviceId), random);
  return { account, keys, cert: signDeviceCertificate(account, keys, fixedClock) };
}

describe('device certificates', () => {
  it('sign, encode, decode and verify round-trip', () => {
    const { account, keys, cert } = make();
    const bytes = encodeDeviceCertificate(cert);
    expect(bytes).toEqual(cert.encoded);
    const v = verifyDeviceCertificate(bytes, { accountPublicKey: account.publicKey, accountId: account.accountId });
    expect(v.deviceId).toBe('phone');
    expect(v.mlsSignaturePublicKey).toEqual(keys.mlsSignaturePublicKey);
    expect(v.requestSigningPublicKey).toEqual(keys.requestSigningPublicKey);
    expect(v.createdAt).toBe(1_700_000_000_000);
    expect(decodeDeviceCertificate(bytes)).toMatchObject({ accountId: 'alice', deviceId: 'phone', version: 1 });
  });

  it('has a stable canonical encoding (known answer, deterministic keys)', () => {
    const { cert } = make('alice', 'phone', unsafeCountingRandom());
    const b = cert.encoded;
    // Layout: version | len "alice" | account key | len "phone" | MLS key | request key | u64 ms | sig
    expect(b[0]).toBe(1);
    expect(b[1]).toBe(5);
    expect(new TextDecoder().decode(b.subarray(2, 7))).toBe('alice');
    expect(b[39]).toBe(5);
    expect(new TextDecoder().decode(b.subarray(40, 45))).toBe('phone');
    expect(encodeHex(b.subarray(109, 117))).toBe('0000018bcfe56800'); // 1_700_000_000_000
    expect(b.length).toBe(117 + 64);
    // Ed25519 is deterministic (RFC 8032), so the whole certificate is fixed by the seeds. Pinned
    // regression value (this package's own format, produced by this code): a change means a
    // format break that every deployed verifier would notice.
    expect(encodeHex(b)).toBe(
      '0105616c69636579b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad0496640570686f6e65' +
        'e7f162a10bec559afea195e4dce84b69568d5d2cb0963eb446c0685e2b17f2f0adc14011f82d1c56d956aa4f9d' +
        '73d8858361a606048525e0d08c638dc75dd8c70000018bcfe568007f871fde3db21bf1049ee22024992c12ed38' +
        '328afb6f15e7172b218ea31a0f7e4dc88a781a769c862b6747770ce4613d2719bc5df367dd04eb1f6af105c70400',
    );
  });

  it('refuses a certificate whose any byte was changed', () => {
    const { cert } = make();
    for (let i = 0; i < cert.encoded.length; i++) {
      const t = cert.encoded.slice();
      t[i]! ^= 0x01;
      const c = code(() => verifyDeviceCertificate(t));
      expect(c, `byte ${i}`).toMatch(/^e2ee\.(bad_signature|malformed|bad_id|unsupported)$/);
    }
  });

  it('checks the expected account, account key and device', () => {
    const { cert } = make();
    const other = createAccountIdentity(parseAccountId('alice'));
    expect(code(() => verifyDeviceCertificate(cert.encoded, { accountPublicKey: other.publicKey }))).toBe(
      'e2ee.wrong_account',
    );
    expect(code(() => verifyDeviceCertificate(cert.encoded, { accountId: 'bob' as AccountId }))).toBe(
      'e2ee.wrong_account',
    );
    expect(code(() => verifyDeviceCertificate(cert.encoded, { deviceId: 'laptop' as DeviceId }))).toBe(
      'e2ee.wrong_account',
    );
  });

  it('detects a certificate re-labelled for another account (signature covers the ids)', () => {
    const { cert } = make();
    expect(code(() => verifyDeviceCertificate({ ...cert, accountId: 'mallory' as AccountId }))).toBe(
      'e2ee.bad_signature',
    );
  });

  it('is strict: size limit, truncation, trailing bytes, version, ids, key separation', () => {
    const { cert, account } = make();
    const b = cert.encoded;
    expect(code(() => decodeDeviceCertificate(new Uint8Array(MAX_DEVICE_CERTIFICATE_BYTES + 1)))).toBe(
      'e2ee.too_large',
    );
    expect(code(() => decodeDeviceCertificate(b.subarray(0, b.length - 1)))).toBe('e2ee.malformed');
    expect(code(() => decodeDeviceCertificate(new Uint8Array([...b, 0])))).toBe('e2ee.malformed');
    const v2 = b.slice();
    v2[0] = 2;
    expect(code(() => decodeDeviceCertificate(v2))).toBe('e2ee.unsupported');
    const badId = b.slice();
    badId[2] = 0x20; // space is not allowed in ids
    expect(code(() => decodeDeviceCertificate(badId))).toBe('e2ee.bad_id');
    const keys = createDeviceKeys(parseDeviceId('x'));
    const same = { ...keys, requestSigningPublicKey: keys.mlsSignaturePublicKey };
    expect(code(() => signDeviceCertificate(account, same))).toBe('e2ee.malformed');
    const accountKey = { ...keys, mlsSignaturePublicKey: account.publicKey };
    expect(code(() => signDeviceCertificate(account, accountKey))).toBe('e2ee.malformed');
  });

  it('property: every valid certificate round-trips; arbitrary bytes only ever raise typed errors', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    fc.assert(
      fc.property(id, id, fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (a, d, ms) => {
        const account = createAccountIdentity(parseAccountId(a));
        const keys = createDeviceKeys(parseDeviceId(d));
        const cert = signDeviceCertificate(account, keys, { now: () => ms });
        const back = verifyDeviceCertificate(encodeDeviceCertificate(cert));
        expect(back.accountId).toBe(a);
        expect(back.deviceId).toBe(d);
        expect(back.createdAt).toBe(ms);
        expect(back.encoded).toEqual(cert.encoded);
      }),
      { numRuns: 50 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const c = code(() => verifyDeviceCertificate(bytes));
        expect(c).toMatch(/^e2ee\./);
      }),
      { numRuns: 500 },
    );
  });
});

describe('verifyDeviceCertificateAsync (the credential check) answers exactly as verifyDeviceCertificate', () => {
  const outcome = async (f: () => Promise<unknown>): Promise<string> => {
    try {
      await f();
      return 'ok';
    } catch (e) {
      return isFulcrumError(e) ? e.code : `not-fulcrum: ${String(e)}`;
    }
  };

  it('valid, expectation mismatches, and every single-bit flip of the encoding', async () => {
    const { account, cert } = make();
    const other = createAccountIdentity(parseAccountId('mallory'));
    const cases: [Uint8Array, Parameters<typeof verifyDeviceCertificate>[1]][] = [
      [cert.encoded, {}],
      [cert.encoded, { accountPublicKey: account.publicKey, accountId: account.accountId }],
      [cert.encoded, { accountPublicKey: other.publicKey }],
      [cert.encoded, { deviceId: parseDeviceId('laptop') }],
    ];
    for (let bit = 0; bit < cert.encoded.length * 8; bit += 3) {
      const b = cert.encoded.slice();
      b[bit >> 3]! ^= 1 << (bit & 7);
      cases.push([b, {}]);
    }
    let oks = 0;
    for (const [bytes, expected] of cases) {
      const sync = await outcome(async () => verifyDeviceCertificate(bytes, expected));
      const asyncResult = await outcome(() => verifyDeviceCertificateAsync(bytes, expected));
      expect(asyncResult).toBe(sync);
      if (sync === 'ok') oks++;
    }
    expect(oks).toBe(2); // only the untouched certificate (with matching or no expectations) verifies
    expect((await verifyDeviceCertificateAsync(cert.encoded)).encoded).toEqual(cert.encoded);
  });
});
