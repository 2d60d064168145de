import { isFulcrumError, utf8Encode } from '@fulcrum/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bodySha256,
  EMPTY_BODY_SHA256,
  requestSigningInput,
  requestSigningString,
  wsAuthSigningInput,
} from './signing.js';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isFulcrumError(e) ? e.code : 'not-fulcrum';
  }
  return undefined;
};

describe('request signing string (docs/protocol.md §Signed requests)', () => {
  // Digests computed independently: printf '{"upTo":5}' | openssl dgst -sha256 -binary | basenc --base64url
  it('hashes the body as base64url(SHA-256) without padding', () => {
    expect(bodySha256(utf8Encode('{"upTo":5}'))).toBe('2FYqbOPXHuoqrbPcXxDrnszK7ZXoOBlYySfNDd_C8bk');
    expect(EMPTY_BODY_SHA256).toBe('47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
  });

  it('builds the exact canonical string', () => {
    const s = requestSigningString({
      method: 'POST',
      pathAndQuery: '/v1/queue/ack',
      timestamp: '1764060000000',
      nonce: 'AAECAwQFBgcICQoLDA0ODw',
      bodySha256: '2FYqbOPXHuoqrbPcXxDrnszK7ZXoOBlYySfNDd_C8bk',
    });
    expect(s).toBe(
      'fulcrum-request-v1\nPOST\n/v1/queue/ack\n1764060000000\nAAECAwQFBgcICQoLDA0ODw\n2FYqbOPXHuoqrbPcXxDrnszK7ZXoOBlYySfNDd_C8bk',
    );
    expect(
      requestSigningInput({
        method: 'GET',
        pathAndQuery: '/v1/queue?after=3&limit=10',
        timestamp: '0',
        nonce: 'AA',
        bodySha256: EMPTY_BODY_SHA256,
      }),
    ).toEqual(utf8Encode(`fulcrum-request-v1\nGET\n/v1/queue?after=3&limit=10\n0\nAA\n${EMPTY_BODY_SHA256}`));
  });

  it('refuses parts that could smuggle a line or are not canonical', () => {
    const ok = { method: 'GET', pathAndQuery: '/v1/x', timestamp: '1', nonce: 'AA', bodySha256: EMPTY_BODY_SHA256 };
    expect(code(() => requestSigningString(ok))).toBeUndefined();
    expect(code(() => requestSigningString({ ...ok, method: 'get' }))).toBe('request.invalid');
    expect(code(() => requestSigningString({ ...ok, method: 'GET\n' }))).toBe('request.invalid');
    expect(code(() => requestSigningString({ ...ok, pathAndQuery: '/v1/x\nfoo' }))).toBe('request.invalid');
    expect(code(() => requestSigningString({ ...ok, pathAndQuery: 'v1/x' }))).toBe('request.invalid');
    expect(code(() => requestSigningString({ ...ok, pathAndQuery: '/v1/x y' }))).toBe('request.invalid');
    expect(code(() => requestSigningString({ ...ok, timestamp: '01' }))).toBe('request.invalid');
    expect(code(() => requestSigningString({ ...ok, timestamp: '-1' }))).toBe('request.invalid');
    expect(code(() => requestSigningString({ ...ok, timestamp: '1e3' }))).toBe('request.invalid');
    expect(code(() => requestSigningString({ ...ok, nonce: 'A=' }))).toBe('request.invalid');
    expect(code(() => requestSigningString({ ...ok, bodySha256: 'abc' }))).toBe('request.invalid');
  });

  it('is injective: distinct parts give distinct strings', () => {
    const part = fc.record({
      method: fc.constantFrom('GET', 'POST'),
      pathAndQuery: fc.stringMatching(/^\/[a-z0-9/?=&]{0,20}$/),
      timestamp: fc.nat().map(String),
      nonce: fc.stringMatching(/^[A-Za-z0-9_-]{0,22}$/),
      bodySha256: fc.uint8Array({ maxLength: 8 }).map(bodySha256),
    });
    fc.assert(
      fc.property(part, part, (a, b) => {
        const same = JSON.stringify(a) === JSON.stringify(b);
        expect(requestSigningString(a) === requestSigningString(b)).toBe(same);
      }),
    );
  });

  it('builds the WebSocket auth input', () => {
    expect(wsAuthSigningInput('abc_-')).toEqual(utf8Encode('fulcrum-ws-auth-v1\nabc_-'));
    expect(code(() => wsAuthSigningInput('a\nb'))).toBe('request.invalid');
  });
});
