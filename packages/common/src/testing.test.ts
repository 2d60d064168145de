import { describe, expect, it } from 'vitest';
import { unsafeAssertLinearCost } from './testing.js';

// Work whose cost is known: n or n² additions into a sink the JIT cannot drop.
let sink = 0;
const linear = (n: number) => {
  for (let i = 0; i < n; i++) sink = (sink + i) | 0;
  return sink;
};
const quadratic = (n: number) => {
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sink = (sink + j) | 0;
  return sink;
};

describe('unsafeAssertLinearCost', () => {
  it('passes linear cost and reports every pair', () => {
    const r = unsafeAssertLinearCost('linear', {
      small: () => linear(100_000),
      large: () => linear(800_000),
      inputRatio: 8,
    });
    expect(r.ratios).toHaveLength(7);
    expect(r.median).toBeLessThan(24);
  });

  it('fails quadratic cost, listing the ratio of every pair', () => {
    let message = '';
    try {
      unsafeAssertLinearCost('quadratic', { small: () => quadratic(300), large: () => quadratic(2400), inputRatio: 8 });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^quadratic: cost does not grow linearly/);
    expect(message.match(/ ms\)/g)).toHaveLength(7);
  });

  it('refuses settings under which quadratic cost could pass', () => {
    const f = () => linear(10);
    expect(() => unsafeAssertLinearCost('x', { small: f, large: f, inputRatio: 4 })).toThrow(RangeError);
    expect(() => unsafeAssertLinearCost('x', { small: f, large: f, inputRatio: 8, maxRatio: 40 })).toThrow(RangeError);
    expect(() => unsafeAssertLinearCost('x', { small: f, large: f, inputRatio: 8, maxRatio: 8 })).toThrow(RangeError);
    expect(() => unsafeAssertLinearCost('x', { small: f, large: f, inputRatio: 8, pairs: 4 })).toThrow(RangeError);
  });
});
