import { FulcrumError, concatBytes, utf8Encode } from '@fulcrum/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type FrankingContext,
  type ServerFrankingKey,
  commitMessage,
  createFrankingKey,
  createServerFrankingKey,
  createServerTag,
  decodeFrankedEnvelope,
  encodeFrankedEnvelope,
  encodeFrankingAad,
  parseFrankingAad,
  verifyCommitment,
  verifyReceivedMessage,
  verifyReportOpening,
} from './index.js';

const DAY = 86_400_000;
const policy = (now: number) => ({ now, reportWindowMs: 90 * DAY });

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof FulcrumError) return e.code;
    throw e;
  }
  return 'no error';
}

function setup() {
  const t0 = 1_760_000_000_000;
  const key = createServerFrankingKey('k1', t0);
  const keyring = new Map<string, ServerFrankingKey>([[key.keyId, key]]);
  const conversationId = utf8Encode('group-1');
  const body = utf8Encode('{"v":1,"type":"text","text":"hello"}');
  const frankingKey = createFrankingKey();
  const commitment = commitMessage({ frankingKey, conversationId, body });
  const context: FrankingContext = {
    conversationId,
    epoch: 3,
    senderDeviceId: 'dev-alice',
    serverSeq: 42,
    serverTime: t0 + 1000,
    keyId: 'k1',
  };
  const tag = createServerTag(key, commitment, context);
  return { t0, key, keyring, conversationId, body, frankingKey, commitment, context, tag };
}

/** HMAC-SHA256 via WebCrypto: an implementation independent of @noble/hashes. */
async function webCryptoHmac(key: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey('raw', new Uint8Array(key), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, new Uint8Array(message)));
}

const lp = (b: Uint8Array) => {
  const out = new Uint8Array(4 + b.length);
  new DataView(out.buffer).setUint32(0, b.length);
  out.set(b, 4);
  return out;
};

describe('franking commitment', () => {
  it('equals HMAC-SHA256(key, label ‖ lp(conversation) ‖ lp(body)) computed independently', async () => {
    const { frankingKey, conversationId, body, commitment } = setup();
    const expected = await webCryptoHmac(
      frankingKey,
      concatBytes(lp(utf8Encode('fulcrum franking commitment v1')), lp(conversationId), lp(body)),
    );
    expect(commitment).toEqual(expected);
  });

  it('RFC 4231 test case 2 through the same HMAC primitive', async () => {
    // Key "Jefe", data "what do ya want for nothing?"
    const mac = await webCryptoHmac(utf8Encode('Jefe'), utf8Encode('what do ya want for nothing?'));
    const hex = Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
    expect(hex).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('opens for the right key and body only', () => {
    const { frankingKey, conversationId, body, commitment } = setup();
    expect(verifyCommitment({ frankingKey, conversationId, body, commitment })).toBe(body);
    expect(codeOf(() => verifyCommitment({ frankingKey, conversationId, body: utf8Encode('x'), commitment }))).toBe(
      'franking.commitment_mismatch',
    );
    expect(codeOf(() => verifyCommitment({ frankingKey: createFrankingKey(), conversationId, body, commitment }))).toBe(
      'franking.commitment_mismatch',
    );
    expect(
      codeOf(() => verifyCommitment({ frankingKey, conversationId: utf8Encode('group-2'), body, commitment })),
    ).toBe('franking.commitment_mismatch');
    expect(codeOf(() => verifyCommitment({ frankingKey: new Uint8Array(31), conversationId, body, commitment }))).toBe(
      'franking.bad_length',
    );
  });

  it('fresh keys differ every time', () => {
    const keys = new Set(Array.from({ length: 100 }, () => createFrankingKey().join(',')));
    expect(keys.size).toBe(100);
  });
});

describe('report verification', () => {
  it('accepts an honest report', () => {
    const s = setup();
    const v = verifyReportOpening(
      s.keyring,
      { body: s.body, frankingKey: s.frankingKey, context: s.context, tag: s.tag },
      policy(s.t0 + DAY),
    );
    expect(v.body).toEqual(s.body);
    expect(v.commitment).toEqual(s.commitment);
  });

  it('rejects each forgery with its code', () => {
    const s = setup();
    const open = { body: s.body, frankingKey: s.frankingKey, context: s.context, tag: s.tag };
    const verify = (o: typeof open, now = s.t0 + DAY) => codeOf(() => verifyReportOpening(s.keyring, o, policy(now)));
    // altered plaintext
    expect(verify({ ...open, body: utf8Encode('{"v":1,"type":"text","text":"hellO"}') })).toBe('franking.tag_mismatch');
    // wrong franking key
    expect(verify({ ...open, frankingKey: createFrankingKey() })).toBe('franking.tag_mismatch');
    // tag from another message (other commitment, same context)
    const other = commitMessage({ frankingKey: createFrankingKey(), conversationId: s.conversationId, body: s.body });
    expect(verify({ ...open, tag: createServerTag(s.key, other, s.context) })).toBe('franking.tag_mismatch');
    // context altered: conversation, sender, seq, time, epoch
    expect(verify({ ...open, context: { ...s.context, conversationId: utf8Encode('group-2') } })).toBe(
      'franking.tag_mismatch',
    );
    expect(verify({ ...open, context: { ...s.context, senderDeviceId: 'dev-mallory' } })).toBe('franking.tag_mismatch');
    expect(verify({ ...open, context: { ...s.context, serverSeq: 43 } })).toBe('franking.tag_mismatch');
    expect(verify({ ...open, context: { ...s.context, serverTime: s.context.serverTime + 1 } })).toBe(
      'franking.tag_mismatch',
    );
    expect(verify({ ...open, context: { ...s.context, epoch: 4 } })).toBe('franking.tag_mismatch');
    // unknown server key, expired window, malformed fields
    expect(verify({ ...open, context: { ...s.context, keyId: 'k9' } })).toBe('franking.unknown_key');
    expect(verify(open, s.t0 + 1000 + 91 * DAY)).toBe('franking.key_expired');
    expect(verify({ ...open, tag: s.tag.subarray(0, 16) })).toBe('franking.bad_length');
    expect(verify({ ...open, context: { ...s.context, serverSeq: -1 } })).toBe('franking.bad_context');
  });

  it('keeps retired keys verifiable for the report window, and only for tags made while active', () => {
    const s = setup();
    const retired: ServerFrankingKey = { ...s.key, retiredAt: s.t0 + 2000 };
    const keyring = new Map([[retired.keyId, retired]]);
    const open = { body: s.body, frankingKey: s.frankingKey, context: s.context, tag: s.tag };
    expect(verifyReportOpening(keyring, open, policy(s.t0 + 30 * DAY)).body).toEqual(s.body);
    const lateCtx = { ...s.context, serverTime: s.t0 + 3000 };
    const lateTag = createServerTag(s.key, s.commitment, lateCtx);
    expect(
      codeOf(() => verifyReportOpening(keyring, { ...open, context: lateCtx, tag: lateTag }, policy(s.t0 + DAY))),
    ).toBe('franking.tag_mismatch');
  });

  it('any single-bit change to body, key or tag is caught', () => {
    const s = setup();
    fc.assert(
      fc.property(
        fc.constantFrom('body', 'frankingKey', 'tag'),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (field, i, bit) => {
          const open = {
            body: s.body.slice(),
            frankingKey: s.frankingKey.slice(),
            context: s.context,
            tag: s.tag.slice(),
          };
          const target = open[field];
          target[i % target.length] = (target[i % target.length] as number) ^ (1 << bit);
          expect(codeOf(() => verifyReportOpening(s.keyring, open, policy(s.t0 + DAY)))).toBe('franking.tag_mismatch');
        },
      ),
    );
  });
});

describe('recipient check on delivery', () => {
  it('drops a message whose context sender is not the MLS sender, or whose commitment does not open', () => {
    const s = setup();
    const input = {
      body: s.body,
      frankingKey: s.frankingKey,
      commitment: s.commitment,
      context: s.context,
      mlsSenderDeviceId: 'dev-alice',
    };
    expect(verifyReceivedMessage(input)).toBe(s.body);
    expect(codeOf(() => verifyReceivedMessage({ ...input, mlsSenderDeviceId: 'dev-bob' }))).toBe(
      'franking.sender_mismatch',
    );
    expect(codeOf(() => verifyReceivedMessage({ ...input, body: utf8Encode('other') }))).toBe(
      'franking.commitment_mismatch',
    );
  });
});

describe('wire formats (authenticated data, franked envelope)', () => {
  it('authenticated data is 0x01 ‖ commitment and parses back; anything else is malformed', () => {
    const { commitment } = setup();
    const aad = encodeFrankingAad(commitment);
    expect(aad.length).toBe(33);
    expect(aad[0]).toBe(1);
    expect(parseFrankingAad(aad)).toEqual(commitment);
    expect(codeOf(() => parseFrankingAad(new Uint8Array(0)))).toBe('franking.malformed');
    expect(codeOf(() => parseFrankingAad(aad.subarray(0, 32)))).toBe('franking.malformed');
    expect(codeOf(() => parseFrankingAad(concatBytes(aad, new Uint8Array(1))))).toBe('franking.malformed');
    expect(codeOf(() => parseFrankingAad(concatBytes(Uint8Array.of(2), commitment)))).toBe('franking.malformed');
  });

  it('envelope round-trips for any body and refuses other versions and short input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (k, body) => {
        const bytes = encodeFrankedEnvelope({ frankingKey: k, body });
        expect(bytes.length).toBe(33 + body.length);
        const back = decodeFrankedEnvelope(bytes);
        expect(back.frankingKey).toEqual(k);
        expect(back.body).toEqual(body);
      }),
    );
    expect(codeOf(() => decodeFrankedEnvelope(new Uint8Array(32)))).toBe('franking.malformed');
    const ok = encodeFrankedEnvelope({ frankingKey: createFrankingKey(), body: utf8Encode('x') });
    ok[0] = 2;
    expect(codeOf(() => decodeFrankedEnvelope(ok))).toBe('franking.malformed');
  });
});
