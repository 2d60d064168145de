import { encodeHex, utf8Encode } from '@fulcrum/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../tests/helpers.js';
import {
  MODERATION_ACTIONS,
  MODERATION_EVENT_ENTRY,
  MODERATION_ROLES,
  decodeLogEntry,
  encodeLogEntry,
  keyTransparencyRegistry,
  moderationRegistry,
} from './index.js';

const T0 = 1_767_225_600_000;
const registry = moderationRegistry();

describe('moderation.event v1', () => {
  it('encodes action and role only, with the time in the envelope (fixed vector)', () => {
    const bytes = registry.encode(MODERATION_EVENT_ENTRY, T0, { action: 'reveal', role: 'child_safety' });
    // format · kind length · "moderation.event" · version 1 · time · body length · body
    const body = '0006' + encodeHex(utf8Encode('reveal')) + '000c' + encodeHex(utf8Encode('child_safety'));
    const expected =
      '01' +
      '10' +
      encodeHex(utf8Encode('moderation.event')) +
      '0001' +
      T0.toString(16).padStart(16, '0') +
      (body.length / 2).toString(16).padStart(4, '0') +
      body;
    expect(encodeHex(bytes)).toBe(expected);
    const decoded = registry.decode(bytes);
    expect(decoded.value).toEqual({ action: 'reveal', role: 'child_safety' });
    expect(decoded.time).toBe(T0);
    expect(MODERATION_EVENT_ENTRY.describe?.({ action: 'approve', role: 'admin' })).toBe('moderation approve by admin');
  });

  it('round-trips every action × role', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MODERATION_ACTIONS), fc.constantFrom(...MODERATION_ROLES), (action, role) => {
        const bytes = registry.encode(MODERATION_EVENT_ENTRY, T0, { action, role });
        expect(registry.decode(bytes).value).toEqual({ action, role });
        // Small and bounded: no room for ids or content.
        expect(MODERATION_EVENT_ENTRY.encodeBody({ action, role }).length).toBeLessThanOrEqual(68);
      }),
    );
  });

  it('refuses anything outside the closed lists, on encode and on decode', () => {
    expect(codeOf(() => MODERATION_EVENT_ENTRY.encodeBody({ action: 'case rpt_123' as never, role: 'admin' }))).toBe(
      'tlog.entry_malformed',
    );
    expect(codeOf(() => MODERATION_EVENT_ENTRY.encodeBody({ action: 'reveal', role: 'alice' as never }))).toBe(
      'tlog.entry_malformed',
    );
    const forged = encodeLogEntry({
      kind: 'moderation.event',
      version: 1,
      time: T0,
      body: new Uint8Array([0, 3, 0x61, 0x62, 0x63, 0, 5, ...utf8Encode('admin')]),
    });
    expect(codeOf(() => registry.decode(forged))).toBe('tlog.entry_malformed');
    // Trailing bytes (e.g. an id appended) are refused.
    const good = MODERATION_EVENT_ENTRY.encodeBody({ action: 'claim', role: 'moderator' });
    const padded = encodeLogEntry({
      kind: 'moderation.event',
      version: 1,
      time: T0,
      body: new Uint8Array([...good, 1, 2, 3]),
    });
    expect(codeOf(() => registry.decode(padded))).toBe('tlog.entry_malformed');
    expect(decodeLogEntry(padded).kind).toBe('moderation.event');
  });

  it('decodes arbitrary bodies only to a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (body) => {
        const bytes = encodeLogEntry({ kind: 'moderation.event', version: 1, time: T0, body });
        try {
          const v = registry.decode(bytes).value as { action: string; role: string };
          expect(MODERATION_ACTIONS).toContain(v.action);
          expect(MODERATION_ROLES).toContain(v.role);
        } catch (err) {
          expect((err as { code?: string }).code).toMatch(/^tlog\.entry_(malformed|too_large)$/);
        }
      }),
    );
  });

  it('joins the key-transparency registry', () => {
    const both = keyTransparencyRegistry().with(MODERATION_EVENT_ENTRY);
    expect(both.has('moderation.event', 1)).toBe(true);
    expect(both.has('key.device', 1)).toBe(true);
  });
});
