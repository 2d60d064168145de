import { randomBytes } from 'node:crypto';
import { encodeBase64Url, isFulcrumError } from '@fulcrum/common';
import { unsafeAssertLinearCost } from '@fulcrum/common/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseReportedContent } from './content.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** The canonical JSON clients commit to (client/canonical-json.ts): sorted keys, no whitespace. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

function attachment(over: Record<string, unknown> = {}) {
  return {
    v: 1,
    type: 'attachment',
    attachmentId: encodeBase64Url(new Uint8Array(randomBytes(16))),
    key: encodeBase64Url(new Uint8Array(randomBytes(32))),
    plaintextSha256: encodeBase64Url(new Uint8Array(randomBytes(32))),
    blobSha256: encodeBase64Url(new Uint8Array(randomBytes(32))),
    size: 1234,
    mediaType: 'image/jpeg',
    name: 'a photo.jpg',
    ...over,
  };
}

function code(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (err) {
    return isFulcrumError(err) ? err.code : `not a FulcrumError: ${String(err)}`;
  }
}

describe('parseReportedContent', () => {
  it('reads a text and an attachment (also with fields it does not interpret, e.g. forwarded)', () => {
    expect(parseReportedContent(utf8(canonical({ v: 1, type: 'text', text: 'hé "x"\n' })), 0)).toEqual({
      type: 'text',
    });
    const a = attachment({ forwarded: 2 });
    const parsed = parseReportedContent(utf8(canonical(a)), 3);
    expect(parsed).toMatchObject({
      type: 'attachment',
      attachment: { attachmentId: a.attachmentId, size: 1234, mediaType: 'image/jpeg', name: 'a photo.jpg' },
    });
    expect(encodeBase64Url((parsed as { attachment: { key: Uint8Array } }).attachment.key)).toBe(a.key);
  });

  it('refuses non-canonical bytes and bad fields with report.invalid and the index', () => {
    const a = attachment();
    const bad: string[] = [
      JSON.stringify(a), // key order
      canonical(a).replace(',', ', '), // whitespace
      `\ufeff${canonical(a)}`, // byte order mark
      canonical(a).replace('"size":1234', '"size":1234.0'),
      `{"text":"a","text":"b","type":"text","v":1}`, // duplicate key
      canonical({ ...a, v: 2 }),
      canonical({ ...a, size: -1 }),
      canonical({ ...a, mediaType: 'image' }),
      canonical({ ...a, name: 'a/b' }),
      canonical({ ...a, name: '' }),
      canonical({ ...a, blobSha256: encodeBase64Url(new Uint8Array(31)) }),
      canonical({ ...a, key: 'not base64!' }),
      canonical({ ...a, attachmentId: '' }),
      '[1,2]',
      'null',
      'not json',
    ];
    for (const text of bad) {
      let err: unknown;
      try {
        parseReportedContent(utf8(text), 7);
      } catch (e) {
        err = e;
      }
      expect(isFulcrumError(err, 'report.invalid'), text).toBe(true);
      expect((err as { detail?: { index?: number } }).detail?.index).toBe(7);
    }
    expect(code(() => parseReportedContent(new Uint8Array([0xff, 0xfe]), 0))).toBe('report.invalid');
  });

  it('never throws anything but report.invalid on arbitrary bytes or JSON values (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const c = code(() => parseReportedContent(bytes, 0));
        expect(c === undefined || c === 'report.invalid').toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const c = code(() => parseReportedContent(utf8(canonical(value)), 0));
        expect(c === undefined || c === 'report.invalid').toBe(true);
      }),
    );
  });

  it('round-trips attachment references (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.record({
          size: fc.nat(),
          name: fc
            .string({ minLength: 1, maxLength: 255 })
            .filter((n) =>
              [...n].every((ch) => ch.charCodeAt(0) > 0x1f && ch !== '\u007f' && ch !== '/' && ch !== '\\'),
            ),
          key: fc.uint8Array({ minLength: 16, maxLength: 64 }),
        }),
        ({ size, name, key }) => {
          const a = attachment({ size, name, key: encodeBase64Url(key) });
          const parsed = parseReportedContent(utf8(canonical(a)), 0) as {
            attachment: { size: number; name: string; key: Uint8Array };
          };
          expect(parsed.attachment.size).toBe(size);
          expect(parsed.attachment.name).toBe(name);
          expect(parsed.attachment.key).toEqual(key);
        },
      ),
    );
  });

  it('costs time linear in the input size', () => {
    const input = (n: number) => utf8(canonical({ v: 1, type: 'text', text: 'x'.repeat(n) }));
    const small = input(8_000);
    const large = input(64_000);
    unsafeAssertLinearCost('parseReportedContent', {
      small: () => parseReportedContent(small, 0),
      large: () => parseReportedContent(large, 0),
      inputRatio: 8,
    });
  });
});
