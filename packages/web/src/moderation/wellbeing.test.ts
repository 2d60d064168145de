import { describe, expect, it } from 'vitest';
import { breakDue, clampInt, DEFAULT_SETTINGS } from './wellbeing.js';

describe('wellbeing', () => {
  it('asks for a break after N reveals or M minutes, whichever comes first', () => {
    const s = { ...DEFAULT_SETTINGS, breakAfterReveals: 3, breakAfterMinutes: 10 };
    expect(breakDue(s, { reveals: 2, startedAt: 0 }, 9 * 60_000)).toBeUndefined();
    expect(breakDue(s, { reveals: 3, startedAt: 0 }, 60_000)).toBe('reveals');
    expect(breakDue(s, { reveals: 0, startedAt: 0 }, 10 * 60_000)).toBe('time');
  });
  it('clamps settings read back from storage', () => {
    expect(clampInt('7', 1, 10, 5)).toBe(5);
    expect(clampInt(99, 1, 10, 5)).toBe(10);
    expect(clampInt(0, 1, 10, 5)).toBe(1);
    expect(clampInt(Number.NaN, 1, 10, 5)).toBe(5);
  });
});
