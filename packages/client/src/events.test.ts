import { describe, expect, it } from 'vitest';
import { Emitter } from './events.js';

describe('Emitter', () => {
  it('delivers to every listener; a throwing listener neither stops the others nor the emitter', () => {
    const failures: unknown[] = [];
    const e = new Emitter<{ tick: number }>((err) => failures.push(err));
    const got: number[] = [];
    e.on('tick', () => {
      throw new Error('bad listener');
    });
    const off = e.on('tick', (n) => got.push(n));
    e.emit('tick', 1);
    off();
    e.emit('tick', 2);
    expect(got).toEqual([1]);
    expect(failures).toHaveLength(2);
  });
});
