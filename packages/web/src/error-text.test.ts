import { WIRE_ERROR_CODES } from '@fulcrum/wire';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { errorSentence } from './error-text.js';

const GENERIC = 'Something went wrong. Try again.';

afterEach(() => vi.restoreAllMocks());

describe('errorSentence', () => {
  it('never shows a raw code: every wire code (and unknown ones) reads as a sentence', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    for (const code of [...WIRE_ERROR_CODES, 'client.something_new', 'nonsense']) {
      const s = errorSentence({ code, message: `internal message for ${code}` });
      expect(s, code).not.toContain(code);
      expect(s, code).not.toContain('internal message');
      expect(s, code).toMatch(/^[A-Z].*\.$/);
    }
    expect(errorSentence(new Error('stack-bearing'))).toBe(GENERIC);
  });

  it('has a specific sentence for what the messenger meets', () => {
    for (const code of [
      'account.name_taken',
      'account.not_found',
      'client.network',
      'client.key_not_in_log',
      'tlog.stale_checkpoint',
      'tlog.policy_quorum_not_met',
      'tlog.tile_missing',
      'tlog.rollback',
      'tlog.fork_detected',
      'client.directory_mismatch',
      'client-browser.wrong_passphrase',
      'client-browser.bad_export',
      'client-browser.store_locked',
      'attachment.too_large',
      'rate.limited',
      'keypackage.exhausted',
    ]) {
      expect(errorSentence({ code }), code).not.toBe(GENERIC);
    }
    expect(errorSentence({ code: 'client-browser.file_too_large', detail: { limit: 25 * 1024 * 1024 } })).toBe(
      'That file is too large to send: the limit is 25.0 MB.',
    );
  });
});
