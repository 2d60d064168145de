import { utf8Decode } from '@fulcrum/common';

/**
 * The framing that C2SP tlog-proof (`c2sp.org/tlog-proof@v1`) and tlog-witness `add-checkpoint`
 * bodies share: size-bounded UTF-8 text, header lines, one empty line, then a checkpoint note.
 * `fail` raises the caller's own typed error (each format keeps its error code).
 */
export function splitHeaderAndNote(
  input: string | Uint8Array,
  maxBytes: number,
  what: string,
  fail: (message: string) => never,
): { headerLines: string[]; note: string } {
  if (input instanceof Uint8Array ? input.length > maxBytes : typeof input !== 'string' || input.length > maxBytes) {
    fail(`${what} is too large`);
  }
  let text: string;
  try {
    text = typeof input === 'string' ? input : utf8Decode(input);
  } catch {
    return fail(`${what} is not UTF-8`);
  }
  const split = text.indexOf('\n\n');
  if (split < 0) fail(`${what} has no empty line before the checkpoint`);
  return { headerLines: text.slice(0, split).split('\n'), note: text.slice(split + 2) };
}
