import { decodeHex, encodeHex } from '@fulcrum/common';
import { unsafeAssertLinearCost } from '@fulcrum/common/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../tests/helpers.js';
import cv from '../vectors/checkpoints.json' with { type: 'json' };
import hv from '../vectors/rfc6962-hashes.json' with { type: 'json' };
import {
  type Checkpoint,
  createEd25519NoteSigner,
  formatCheckpointText,
  formatVerifierKey,
  parseCheckpointText,
  parseVerifierKey,
  signCheckpoint,
  treeSize,
  verifyCheckpoint,
} from './index.js';

const logSigner = createEd25519NoteSigner(cv.keys.log.name, decodeHex(cv.keys.log.seed_hex));
const logVerifier = parseVerifierKey(cv.keys.log.vkey);

describe('C2SP tlog-checkpoint (vectors: checkpoints.json)', () => {
  it('the fixed-seed log key matches its vkey', () => {
    expect(encodeHex(logSigner.publicKey)).toBe(cv.keys.log.pubkey_hex);
    expect(formatVerifierKey(logSigner)).toBe(cv.keys.log.vkey);
  });

  it('signing the 9 checkpoints (sizes 0..8) reproduces every note byte for byte', async () => {
    for (const c of cv.checkpoints) {
      const cp = parseCheckpointText(c.text);
      expect(cp.origin).toBe(cv.keys.log.name);
      expect(cp.size).toBe(c.size);
      expect(encodeHex(cp.rootHash)).toBe(hv.root_by_tree_size_hex[c.size]);
      expect(formatCheckpointText(cp)).toBe(c.text);
      expect(await signCheckpoint(cp, [logSigner])).toBe(c.note);
      const verified = verifyCheckpoint(c.note, { logVerifiers: [logVerifier], origin: cv.keys.log.name });
      expect(verified.checkpoint.size).toBe(c.size);
      expect(verified.logKeys.map((k) => k.name)).toEqual([cv.keys.log.name]);
    }
  });

  it('a checkpoint for another origin, or signed by a key of another name, is refused', async () => {
    const c = cv.checkpoints[8] as (typeof cv.checkpoints)[number];
    expect(codeOf(() => verifyCheckpoint(c.note, { logVerifiers: [logVerifier], origin: 'example.com/other' }))).toBe(
      'tlog.checkpoint_origin_mismatch',
    );
    const otherName = createEd25519NoteSigner('example.com/not-the-origin', decodeHex(cv.keys.log.seed_hex));
    const note = await signCheckpoint(parseCheckpointText(c.text), [otherName]);
    const v = parseVerifierKey(formatVerifierKey(otherName));
    expect(codeOf(() => verifyCheckpoint(note, { logVerifiers: [v] }))).toBe('tlog.checkpoint_origin_mismatch');
    // Unsigned by the log (only an unknown key): refused.
    expect(codeOf(() => verifyCheckpoint(note, { logVerifiers: [logVerifier] }))).toBe('tlog.note_unverified');
  });

  it('malformed bodies are refused with tlog.checkpoint_malformed', () => {
    const root = 'XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=';
    for (const text of [
      'origin\n8\n',
      `origin\n08\n${root}\n`,
      `origin\n-1\n${root}\n`,
      `origin\n1e3\n${root}\n`,
      `origin\n99999999999999999\n${root}\n`,
      `origin\n8\n${root.slice(4)}\n`,
      `origin\n8\n${root}`,
      `origin\n8\n${root}\n\next\n`,
      `\n8\n${root}\n`,
      `origin\n8\n${root}\next\t\n`,
    ]) {
      expect(
        codeOf(() => parseCheckpointText(text)),
        JSON.stringify(text),
      ).toBe('tlog.checkpoint_malformed');
    }
    expect(parseCheckpointText(`o r i g i n\n0\n${root}\nextension one\n`).extensions).toEqual(['extension one']);
    expect(codeOf(() => parseCheckpointText(`o\n1\n${root}\n${'x'.repeat(20_000)}\n`))).toBe(
      'tlog.checkpoint_malformed',
    );
  });

  it('property: format → parse round-trips, with extension lines', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9./-]{1,40}$/),
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(fc.stringMatching(/^[ -~]{1,30}$/), { maxLength: 3 }),
        (origin, size, rootHash, extensions) => {
          const cp: Checkpoint = { origin, size: treeSize(size), rootHash, extensions };
          expect(parseCheckpointText(formatCheckpointText(cp))).toEqual(cp);
        },
      ),
    );
  });

  it('size limit and linear parsing cost (extension lines)', () => {
    const root = 'XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=';
    const body = (lines: number) => `o\n1\n${root}\n${'e\n'.repeat(lines)}`;
    expect(codeOf(() => parseCheckpointText(body(9000)))).toBe('tlog.checkpoint_malformed'); // > 16 KiB
    const [small, large] = [body(700), body(7000)];
    unsafeAssertLinearCost('parseCheckpointText', {
      small: () => parseCheckpointText(small),
      large: () => parseCheckpointText(large),
      inputRatio: 10,
    });
  });
});
