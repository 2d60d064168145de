import { createServerTag, type ServerFrankingKey, verifyServerTag } from '@fulcrum/franking';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrankingKeys, nodeHmacSha256 } from './franking-keys.js';

describe('server tag with Node’s HMAC', () => {
  it('is byte for byte the franking package’s tag (noble HMAC), and verifies', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 1, maxLength: 255 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }),
        (secret, commitment, conversationId, epoch, serverSeq, serverTime) => {
          const key: ServerFrankingKey = { keyId: 'fk_test', key: secret, createdAt: 1_600_000_000_000 };
          const context = { conversationId, epoch, senderDeviceId: 'AAAAAAAAAAAAAAAAAAAAAA', serverSeq, serverTime };
          const { keyId, tag } = FrankingKeys.tag(key, commitment, context);
          expect(keyId).toBe('fk_test');
          expect(tag).toEqual(createServerTag(key, commitment, { ...context, keyId }));
          expect(
            verifyServerTag(new Map([[keyId, key]]), commitment, { ...context, keyId }, tag, {
              now: serverTime,
              reportWindowMs: 1000,
            }),
          ).toBeDefined();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('nodeHmacSha256 matches RFC 4231 test case 2', () => {
    const mac = nodeHmacSha256(
      new TextEncoder().encode('Jefe'),
      new TextEncoder().encode('what do ya want for nothing?'),
    );
    expect(Buffer.from(mac).toString('hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(mac.byteLength).toBe(32);
  });
});
