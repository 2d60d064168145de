import { isFulcrumError, utf8Encode } from '@fulcrum/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessageContent, encodeMessageContent, MAX_TEXT_BYTES, type MessageContent } from './message-content.js';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isFulcrumError(e) ? e.code : 'not-fulcrum';
  }
  return undefined;
};
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes32 = (x: number) => new Uint8Array(32).fill(x);

const attachment: MessageContent = {
  type: 'attachment',
  attachmentId: 'att_123',
  key: bytes32(1),
  plaintextSha256: bytes32(2),
  blobSha256: bytes32(3),
  size: 1234,
  mediaType: 'image/png',
  name: 'cat.png',
};

describe('message content v1 (protocol.md, README "Message content")', () => {
  it('encodes the documented canonical bytes', () => {
    expect(text(encodeMessageContent({ type: 'text', text: 'hi "you"' }))).toBe(
      '{"text":"hi \\"you\\"","type":"text","v":1}',
    );
    expect(text(encodeMessageContent({ type: 'rename', name: 'Trip' }))).toBe('{"name":"Trip","type":"rename","v":1}');
    expect(text(encodeMessageContent({ type: 'leave' }))).toBe('{"type":"leave","v":1}');
    expect(text(encodeMessageContent(attachment))).toBe(
      '{"attachmentId":"att_123","blobSha256":"AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM",' +
        '"key":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE","mediaType":"image/png","name":"cat.png",' +
        '"plaintextSha256":"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI","size":1234,"type":"attachment","v":1}',
    );
  });

  it('round-trips text of any content', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }), (t) => {
        expect(decodeMessageContent(encodeMessageContent({ type: 'text', text: t }))).toEqual({
          type: 'text',
          text: t,
        });
      }),
    );
    expect(decodeMessageContent(encodeMessageContent(attachment))).toEqual(attachment);
  });

  it('refuses hostile or malformed content with stable codes', () => {
    const bad = [
      '{"text":"a","type":"text","v":2}',
      '{"text":"a","type":"text"}',
      '{"extra":1,"text":"a","type":"text","v":1}',
      '{"type":"poke","v":1}',
      '{"text":1,"type":"text","v":1}',
      '{"text":"","type":"text","v":1}',
      '["text"]',
      '{"name":"../etc/passwd","type":"rename","v":1}',
      '{"name":"a\\u0000b","type":"rename","v":1}',
    ];
    for (const s of bad)
      expect(
        codeOf(() => decodeMessageContent(utf8Encode(s))),
        s,
      ).toBe('client.bad_content');
    const wrongDigest = text(encodeMessageContent(attachment)).replace('"blobSha256":"AwMD', '"blobSha256":"AwM');
    expect(codeOf(() => decodeMessageContent(utf8Encode(wrongDigest)))).toBe('client.bad_content');
    const badType = text(encodeMessageContent(attachment)).replace('image/png', 'image png');
    expect(codeOf(() => decodeMessageContent(utf8Encode(badType)))).toBe('client.bad_content');
    expect(codeOf(() => encodeMessageContent({ type: 'text', text: 'x'.repeat(MAX_TEXT_BYTES + 1) }))).toBe(
      'client.content_too_large',
    );
    expect(codeOf(() => decodeMessageContent(new Uint8Array(70_000)))).toBe('client.content_too_large');
  });

  it('never throws anything but a typed error on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const c = codeOf(() => decodeMessageContent(b));
        expect(c === undefined || c === 'client.bad_content' || c === 'client.content_too_large').toBe(true);
      }),
    );
  });
});

describe('forward count', () => {
  it('is encoded only when ≥ 1, canonically, and round-trips for text and attachments', () => {
    expect(text(encodeMessageContent({ type: 'text', text: 'hi', forwarded: 2 }))).toBe(
      '{"forwarded":2,"text":"hi","type":"text","v":1}',
    );
    for (const c of [
      { type: 'text', text: 'hi', forwarded: 1 } as const,
      { ...attachment, forwarded: 7 } as MessageContent,
    ]) {
      expect(decodeMessageContent(encodeMessageContent(c))).toEqual(c);
    }
    expect(text(encodeMessageContent({ ...attachment, forwarded: 3 } as MessageContent))).toContain('"forwarded":3,');
  });

  it('refuses 0, negatives, fractions, huge counts and non-numbers, sending and receiving', () => {
    for (const n of [0, -1, 1.5, 1_000_001]) {
      expect(codeOf(() => encodeMessageContent({ type: 'text', text: 'hi', forwarded: n }))).toBe('client.bad_content');
      expect(codeOf(() => decodeMessageContent(utf8Encode(`{"forwarded":${n},"text":"hi","type":"text","v":1}`)))).toBe(
        'client.bad_content',
      );
    }
    expect(codeOf(() => decodeMessageContent(utf8Encode('{"forwarded":"2","text":"hi","type":"text","v":1}')))).toBe(
      'client.bad_content',
    );
    // Not on control messages.
    expect(codeOf(() => decodeMessageContent(utf8Encode('{"forwarded":1,"type":"leave","v":1}')))).toBe(
      'client.bad_content',
    );
  });
});
