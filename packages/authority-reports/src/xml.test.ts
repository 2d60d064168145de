/**
 * XML escaping: any string, written as element text or attribute value, parses back (with a
 * conforming XML parser, saxes) to exactly the string — after the characters XML 1.0 cannot carry
 * are replaced by U+FFFD (toXmlChars). Cost grows linearly with the input.
 */
import { unsafeAssertLinearCost } from '@fulcrum/common/testing';
import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import { describe, expect, test } from 'vitest';
import { el, escapeAttribute, escapeText, serializeXml, toXmlChars } from './xml.js';

function parseBack(xml: string): { text: string; attr: string | undefined } {
  const p = new SaxesParser();
  let text = '';
  let attr: string | undefined;
  let inside = false;
  let error: Error | undefined;
  p.on('error', (e) => {
    error = e;
  });
  p.on('opentag', (t) => {
    if (t.name === 'v') {
      attr = t.attributes.a as string;
      inside = true;
    }
  });
  p.on('closetag', () => {
    inside = false;
  });
  p.on('text', (t) => {
    if (inside) text += t;
  });
  p.write(xml).close();
  if (error !== undefined) throw error;
  return { text, attr };
}

describe('XML escaping', () => {
  test('property: text and attribute values round-trip through a conforming parser', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const xml = serializeXml(el('v', s, [['a', s]]));
        const back = parseBack(xml);
        expect(back.attr).toBe(toXmlChars(s));
        expect(back.text).toBe(toXmlChars(s));
      }),
      { numRuns: 500 },
    );
  });

  test('the dangerous characters are escaped, forbidden ones replaced', () => {
    expect(escapeText('<a>&"\'\r\n')).toBe('&lt;a&gt;&amp;"\'&#13;\n');
    expect(escapeAttribute('<"\t\n\r&')).toBe('&lt;&quot;&#9;&#10;&#13;&amp;');
    expect(toXmlChars('a\u0000b\u001fc\ud800d\uffffe\ud83d\ude00')).toBe('a\ufffdb\ufffdc\ufffdd\ufffde\ud83d\ude00');
    expect(escapeText(']]>')).toBe(']]&gt;');
  });

  test('escaping cost is linear in the input size', () => {
    const [small, large] = ['<&"\r\u0000'.repeat(2_000), '<&"\r\u0000'.repeat(20_000)];
    unsafeAssertLinearCost('escapeAttribute', {
      small: () => escapeAttribute(small),
      large: () => escapeAttribute(large),
      inputRatio: 10,
    });
  });
});
