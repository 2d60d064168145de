import { FulcrumError } from '@fulcrum/common';
import { unsafeAssertLinearCost } from '@fulcrum/common/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePdqHash, pdqHashFromBytes } from './hash256.js';
import { unpackHash } from './hash-list.js';
import { parseHashListText } from './list-text.js';

const H1 = 'd8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22';
const H2 = '30a10efdf1c83f429013d48d0ffffc52e34e0e35ada952a9d29605215aa9e5af';

function codeAndLine(fn: () => unknown): [string, unknown] {
  try {
    fn();
  } catch (e) {
    if (e instanceof FulcrumError) return [e.code, e.detail?.line];
    return ['not a FulcrumError', undefined];
  }
  return ['no error', undefined];
}

describe('parseHashListText (ThreatExchange text forms)', () => {
  it('bare hashes, one a line, CRLF and blank lines', () => {
    const l = parseHashListText(`${H1}\r\n\r\n${H2.toUpperCase()}\n`);
    expect(l.length).toBe(2);
    expect(encodePdqHash(unpackHash(l.words, 1))).toBe(H2);
    expect(l.qualities).toBeUndefined();
    expect(l.id(0)).toBeUndefined();
  });

  it('pdq-photo-hasher output: hash,quality,path (path may hold commas)', () => {
    const l = parseHashListText(`${H1},100,a/b.jpg\n${H2},42,dir/with,comma.png\n`);
    expect([...l.qualities!]).toEqual([100, 42]);
    expect([l.id(0), l.id(1)]).toEqual(['a/b.jpg', 'dir/with,comma.png']);
  });

  it('pdq-photo-hasher --details and hashio metadata forms', () => {
    const l = parseHashListText(
      `hash=${H1},norm=128,delta=0,quality=77,filename=x.jpg\nhash=${H2},idx=5\n${H1}\tsome id\n`,
    );
    expect(l.length).toBe(3);
    expect([l.qualities![0], l.id(0)]).toEqual([77, 'x.jpg']);
    expect(l.id(1)).toBeUndefined();
    expect(l.id(2)).toBe('some id');
  });

  it('header-named columns in any order, CSV or TSV', () => {
    const csv = parseHashListText(`id,signal_value,quality\n7,${H1},90\n8,${H2},\n`);
    expect([csv.id(0), csv.id(1), csv.qualities![0], csv.qualities![1]]).toEqual(['7', '8', 90, 255]);
    const tsv = parseHashListText(`hash\tquality\n${H2}\t55\n`);
    expect(encodePdqHash(unpackHash(tsv.words, 0))).toBe(H2);
  });

  it('refuses a bad hash with its 1-based line number', () => {
    expect(codeAndLine(() => parseHashListText(`${H1}\n${H2.slice(1)}\n`))).toEqual(['pdq.bad_list_line', 2]);
    expect(codeAndLine(() => parseHashListText(`${H1}\n\n${H2.slice(0, 63)}z,1,x\n`))).toEqual([
      'pdq.bad_list_line',
      3,
    ]);
    expect(codeAndLine(() => parseHashListText(`hash,quality\n${H1},101\n`))).toEqual(['pdq.bad_list_line', 2]);
    expect(codeAndLine(() => parseHashListText('not,a,header\n'))).toEqual(['pdq.bad_list_line', 1]);
  });

  it('enforces the hash limit', () => {
    expect(codeAndLine(() => parseHashListText(`${H1}\n${H2}\n${H1}\n`, { maxHashes: 2 }))[0]).toBe('pdq.too_large');
  });

  it('round-trips generated hash,quality,id lines', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.uint8Array({ minLength: 32, maxLength: 32 }),
            fc.integer({ min: 0, max: 100 }),
            fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/[\r\n\t]/.test(s) && s.trim() === s),
          ),
          { maxLength: 30 },
        ),
        (rows) => {
          const text = rows.map(([h, q, id]) => `${encodePdqHash(pdqHashFromBytes(h))},${q},${id}`).join('\n');
          const l = parseHashListText(text);
          expect(l.length).toBe(rows.length);
          rows.forEach(([h, q, id], i) => {
            expect(unpackHash(l.words, i)).toEqual(h);
            expect(l.qualities![i]).toBe(q);
            expect(l.id(i)).toBe(id);
          });
        },
      ),
    );
  });

  it('costs linear time in the input size', () => {
    const line = `${H1},50,some/path/image.jpg\n`;
    const [small, large] = [line.repeat(1_000), line.repeat(8_000)];
    unsafeAssertLinearCost('parseHashListText', {
      small: () => parseHashListText(small),
      large: () => parseHashListText(large),
      inputRatio: 8,
    });
  });
});
