import { isFulcrumError } from '@fulcrum/common';
import { describe, expect, it } from 'vitest';
import {
  checkForward,
  FORWARD_HARD_CAP,
  FORWARDED_MANY_TIMES,
  forwardTargetLimit,
  MAX_FORWARD_TARGETS,
} from './forward-policy.js';
import type { MessageContent } from './message-content.js';

const errorOf = (f: () => unknown): { code: string; detail?: unknown } | undefined => {
  try {
    f();
  } catch (e) {
    return isFulcrumError(e) ? { code: e.code, detail: e.detail } : { code: 'not-fulcrum' };
  }
  return undefined;
};
const text = (forwarded?: number): MessageContent => ({
  type: 'text',
  text: 'hi',
  ...(forwarded === undefined ? {} : { forwarded }),
});

describe('forward limits (web README "Forwarding")', () => {
  it('the thresholds are the documented ones', () => {
    expect([FORWARDED_MANY_TIMES, MAX_FORWARD_TARGETS, FORWARD_HARD_CAP]).toEqual([5, 5, 20]);
  });

  it('below "many times": up to MAX_FORWARD_TARGETS conversations at a time', () => {
    for (const n of [undefined, 1, FORWARDED_MANY_TIMES - 1]) {
      expect(forwardTargetLimit(text(n))).toBe(MAX_FORWARD_TARGETS);
      expect(errorOf(() => checkForward(text(n), MAX_FORWARD_TARGETS))).toBeUndefined();
      expect(errorOf(() => checkForward(text(n), MAX_FORWARD_TARGETS + 1))).toEqual({
        code: 'client.forward_limit',
        detail: { forwarded: n ?? 0, maxTargets: MAX_FORWARD_TARGETS },
      });
    }
  });

  it('forwarded many times: one conversation at a time', () => {
    for (const n of [FORWARDED_MANY_TIMES, FORWARD_HARD_CAP - 1]) {
      expect(forwardTargetLimit(text(n))).toBe(1);
      expect(errorOf(() => checkForward(text(n), 1))).toBeUndefined();
      expect(errorOf(() => checkForward(text(n), 2))?.code).toBe('client.forward_limit');
    }
  });

  it('at the hard cap: refused, even to one conversation', () => {
    for (const n of [FORWARD_HARD_CAP, FORWARD_HARD_CAP + 1, 1_000_000]) {
      expect(forwardTargetLimit(text(n))).toBe(0);
      expect(errorOf(() => checkForward(text(n), 1))).toEqual({
        code: 'client.forward_limit',
        detail: { forwarded: n, maxTargets: 0 },
      });
    }
  });

  it('control messages and zero targets are not allowed', () => {
    expect(forwardTargetLimit({ type: 'leave' })).toBe(0);
    expect(errorOf(() => checkForward({ type: 'rename', name: 'x' }, 1))?.code).toBe('client.not_allowed');
    expect(errorOf(() => checkForward(text(), 0))?.code).toBe('client.not_allowed');
  });
});
