import { describe, expect, it } from 'vitest';
import { BoundedKeyCache } from './bounded-key-cache.js';

describe('BoundedKeyCache', () => {
  it('evicts the least recently used entry', async () => {
    const c = new BoundedKeyCache<number>(2);
    let made = 0;
    const make = (v: number) => () => {
      made++;
      return Promise.resolve(v);
    };
    expect(await c.get('a', make(1))).toBe(1);
    expect(await c.get('b', make(2))).toBe(2);
    expect(await c.get('a', make(99))).toBe(1); // hit: 'a' becomes most recent
    expect(await c.get('c', make(3))).toBe(3); // evicts 'b'
    expect(c.size).toBe(2);
    expect(await c.get('b', make(4))).toBe(4); // 'b' was evicted: made again (evicts 'a')
    expect(await c.get('c', make(99))).toBe(3);
    expect(made).toBe(4);
  });

  it('forgets a failed make so the next get retries', async () => {
    const c = new BoundedKeyCache<number>(4);
    await expect(c.get('x', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    await Promise.resolve();
    expect(c.size).toBe(0);
    expect(await c.get('x', () => Promise.resolve(7))).toBe(7);
  });

  it('with bound 0 never stores', async () => {
    const c = new BoundedKeyCache<number>(0);
    expect(await c.get('x', () => Promise.resolve(1))).toBe(1);
    expect(await c.get('x', () => Promise.resolve(2))).toBe(2);
    expect(c.size).toBe(0);
  });

  it('clear() empties it', async () => {
    const c = new BoundedKeyCache<number>(4);
    await c.get('x', () => Promise.resolve(1));
    c.clear();
    expect(c.size).toBe(0);
  });
});
