import * as sdk from '@fulcrum/client';
import type { MessageContent } from '@fulcrum/client';
import { describe, expect, it } from 'vitest';
import {
  FORWARD_HARD_CAP,
  FORWARDED_MANY_TIMES,
  forwardedLabel,
  forwardTargetLimit,
  MAX_FORWARD_TARGETS,
} from './forward-limits.js';

const text = (forwarded?: number): MessageContent => ({
  type: 'text',
  text: 'x',
  ...(forwarded === undefined ? {} : { forwarded }),
});

describe('the web app mirrors the SDK forward limits', () => {
  it('same constants', () => {
    expect([FORWARDED_MANY_TIMES, MAX_FORWARD_TARGETS, FORWARD_HARD_CAP]).toEqual([
      sdk.FORWARDED_MANY_TIMES,
      sdk.MAX_FORWARD_TARGETS,
      sdk.FORWARD_HARD_CAP,
    ]);
  });

  it('same target limit for every count up to past the cap, and for control messages', () => {
    for (let n = 0; n <= FORWARD_HARD_CAP + 2; n++) {
      const c = text(n === 0 ? undefined : n);
      expect(forwardTargetLimit(c), String(n)).toBe(sdk.forwardTargetLimit(c));
    }
    expect(forwardTargetLimit({ type: 'leave' })).toBe(sdk.forwardTargetLimit({ type: 'leave' }));
  });

  it('labels: none, "Forwarded", "Forwarded many times" from the threshold', () => {
    expect(forwardedLabel(text())).toBeUndefined();
    expect(forwardedLabel(text(1))).toBe('Forwarded');
    expect(forwardedLabel(text(FORWARDED_MANY_TIMES - 1))).toBe('Forwarded');
    expect(forwardedLabel(text(FORWARDED_MANY_TIMES))).toBe('Forwarded many times');
    expect(forwardedLabel({ type: 'rename', name: 'n' })).toBeUndefined();
  });
});
