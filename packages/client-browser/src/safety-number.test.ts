import { describe, expect, it } from 'vitest';
import { safetyNumber } from './safety-number.js';

const A = 'rNlHvya_kjhW_sMuSJyWzg';
const B = 'AAAAAAAAAAAAAAAAAAAAAA';
const C = 'AAAAAAAAAAAAAAAAAAAAAQ';

describe('safetyNumber', () => {
  it('is 12 groups of 5 digits, the same from both sides', () => {
    const n = safetyNumber(A, B);
    expect(n).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(safetyNumber(B, A)).toBe(n);
  });

  it('changes when either identity (account id) changes', () => {
    expect(safetyNumber(A, C)).not.toBe(safetyNumber(A, B));
    expect(safetyNumber(C, B)).not.toBe(safetyNumber(A, B));
  });
});
