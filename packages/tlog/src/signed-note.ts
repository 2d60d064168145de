import { concatBytes, constantTimeEqual, decodeBase64, encodeBase64, utf8Decode, utf8Encode } from '@fulcrum/common';
import { tlogError } from './errors.js';
import { type NoteSigner, type NoteVerifier, isValidKeyName, isValidNoteString, keyIdBytes } from './note-keys.js';

/** One signature line of a note: key name, key ID and the signature bytes after the key ID. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  readonly signature: Uint8Array;
}

/** A parsed (not yet verified) signed note. `text` ends in a newline and excludes the blank line. */
export interface Note {
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** Size limits applied before any other work on an untrusted note. */
export interface NoteLimits {
  /** Maximum UTF-8 size of the whole note. Default 1 MiB. */
  readonly maxBytes?: number;
  /**
   * Maximum number of signature lines. Default 100 (as Go's sumdb/note); C2SP requires
   * accepting at least 16, and post-quantum cosignatures are about 3.3 kB each.
   */
  readonly maxSignatures?: number;
}

export const DEFAULT_NOTE_LIMITS: Required<NoteLimits> = { maxBytes: 1 << 20, maxSignatures: 100 };

/** A note whose signatures from known keys all verified. */
export interface VerifiedNote {
  readonly text: string;
  readonly note: Note;
  /** Each known key that signed, with its signature (each key at most once). */
  readonly verified: readonly { readonly verifier: NoteVerifier; readonly signature: NoteSignature }[];
  /** Signatures from keys the verifier does not know: ignored, as the spec requires. */
  readonly unverified: readonly NoteSignature[];
}

const EM_DASH_SPACE = '\u2014 ';

function malformed(message: string): never {
  throw tlogError('tlog.note_malformed', message);
}

/** Decodes input (string or UTF-8 bytes) under the size limit; throws note_too_large / note_malformed. */
function decodeInput(input: string | Uint8Array, maxBytes: number): string {
  if (input instanceof Uint8Array) {
    if (input.length > maxBytes) throw tlogError('tlog.note_too_large', 'note exceeds the size limit', { maxBytes });
    let text: string;
    try {
      text = utf8Decode(input);
    } catch {
      return malformed('note is not valid UTF-8');
    }
    // The decoder drops a leading byte-order mark; refuse rather than verify other bytes.
    if (utf8Encode(text).length !== input.length) malformed('note starts with a byte-order mark');
    return text;
  }
  if (typeof input !== 'string') return malformed('note must be a string or bytes');
  // UTF-8 is never shorter than the UTF-16 code unit count, so this bound is safe to check first.
  if (input.length > maxBytes) throw tlogError('tlog.note_too_large', 'note exceeds the size limit', { maxBytes });
  if (utf8Encode(input).length > maxBytes) {
    throw tlogError('tlog.note_too_large', 'note exceeds the size limit', { maxBytes });
  }
  return input;
}

/**
 * Parses a c2sp.org/signed-note: text ending in a newline, a blank line, then one or more lines
 * `— <key name> base64(key ID || signature)`, each ending in a newline. The text is separated
 * from the signatures by the LAST blank line. Does not verify anything.
 * Throws `tlog.note_too_large` (size / signature count) or `tlog.note_malformed`. Linear time.
 */
export function parseNote(input: string | Uint8Array, limits: NoteLimits = {}): Note {
  const maxBytes = limits.maxBytes ?? DEFAULT_NOTE_LIMITS.maxBytes;
  const maxSignatures = limits.maxSignatures ?? DEFAULT_NOTE_LIMITS.maxSignatures;
  const all = decodeInput(input, maxBytes);
  if (!isValidNoteString(all)) malformed('note contains a control character or invalid Unicode');
  const split = all.lastIndexOf('\n\n');
  if (split < 0) malformed('note has no blank line before its signatures');
  const text = all.slice(0, split + 1);
  const block = all.slice(split + 2);
  if (block.length === 0) malformed('note has no signatures');
  if (!block.endsWith('\n')) malformed('last signature line does not end in a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > maxSignatures) {
    throw tlogError('tlog.note_too_large', 'note has too many signatures', { maxSignatures, count: lines.length });
  }
  const signatures = lines.map(parseSignatureLine);
  return { text, signatures };
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(EM_DASH_SPACE)) malformed('signature line does not start with an em dash and a space');
  const rest = line.slice(EM_DASH_SPACE.length);
  const space = rest.indexOf(' ');
  if (space < 0) malformed('signature line has no space between name and signature');
  const name = rest.slice(0, space);
  if (!isValidKeyName(name)) malformed('invalid key name in signature line');
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(rest.slice(space + 1));
  } catch {
    return malformed('signature is not canonical base64');
  }
  // Four bytes of key ID and at least one byte of signature.
  if (bytes.length < 5) malformed('signature is shorter than a key ID plus one byte');
  const keyId = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false);
  return { name, keyId, signature: bytes.slice(4) };
}

/** Formats one signature line, `— <name> base64(key ID || signature)\n`. */
export function formatSignatureLine(sig: NoteSignature): string {
  if (!isValidKeyName(sig.name)) throw tlogError('tlog.note_malformed', 'invalid key name');
  return `${EM_DASH_SPACE}${sig.name} ${encodeBase64(concatBytes(keyIdBytes(sig.keyId), sig.signature))}\n`;
}

/** Formats a note: text, blank line, signature lines. Throws `tlog.note_malformed` on invalid parts. */
export function formatNote(note: Note): string {
  assertNoteText(note.text);
  if (note.signatures.length === 0) throw tlogError('tlog.note_malformed', 'a note needs at least one signature');
  return `${note.text}\n${note.signatures.map(formatSignatureLine).join('')}`;
}

/** Throws `tlog.note_malformed` unless `text` is a valid note text (non-empty, ends in a newline, no controls). */
export function assertNoteText(text: string): void {
  if (typeof text !== 'string' || text.length === 0 || !text.endsWith('\n') || !isValidNoteString(text)) {
    throw tlogError('tlog.note_malformed', 'note text must be valid text ending in a newline');
  }
}

/**
 * Signs `text` with each signer and returns the formatted note. Signers may be async (HSM).
 * Throws `tlog.note_malformed` on invalid text.
 */
export async function signNote(text: string, signers: readonly NoteSigner[]): Promise<string> {
  assertNoteText(text);
  const bytes = utf8Encode(text);
  const signatures: NoteSignature[] = [];
  for (const s of signers) {
    signatures.push({ name: s.name, keyId: s.keyId, signature: await s.sign(bytes) });
  }
  return formatNote({ text, signatures });
}

const keyOf = (name: string, keyId: number) => `${keyId >>> 0}:${name}`;

/**
 * Opens a signed note (c2sp.org/signed-note "Signatures"): signatures from unknown keys (name
 * AND key ID must both match) are ignored; every signature from a known key must verify
 * (`tlog.note_bad_signature` otherwise, rejecting the whole note); at least one must be present
 * (`tlog.note_unverified`). Repeated signatures from the same key count once.
 */
export function verifyNote(
  input: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  limits: NoteLimits = {},
): VerifiedNote {
  const note = parseNote(input, limits);
  const known = new Map<string, NoteVerifier>();
  for (const v of verifiers) if (!known.has(keyOf(v.name, v.keyId))) known.set(keyOf(v.name, v.keyId), v);
  const textBytes = utf8Encode(note.text);
  const verified: { verifier: NoteVerifier; signature: NoteSignature }[] = [];
  const seen = new Set<string>();
  const unverified: NoteSignature[] = [];
  for (const sig of note.signatures) {
    const k = keyOf(sig.name, sig.keyId);
    const verifier = known.get(k);
    if (verifier === undefined) {
      unverified.push(sig);
      continue;
    }
    if (!verifier.verify(textBytes, sig.signature)) {
      throw tlogError('tlog.note_bad_signature', 'a signature from a known key does not verify', {
        name: sig.name,
        keyId: sig.keyId,
      });
    }
    if (seen.has(k)) continue;
    seen.add(k);
    verified.push({ verifier, signature: sig });
  }
  if (verified.length === 0) throw tlogError('tlog.note_unverified', 'no signature from a known key');
  return { text: note.text, note, verified, unverified };
}

/**
 * Adds signature lines (for example a witness's add-checkpoint response) to a note, skipping
 * exact duplicates. Does not verify them: verify the result with the keys you trust.
 */
export function appendSignatureLines(noteInput: string, signatureLines: string, limits: NoteLimits = {}): string {
  const note = parseNote(noteInput, limits);
  const extra = parseNote(`${note.text}\n${signatureLines}`, limits).signatures;
  const all = [...note.signatures];
  for (const s of extra) {
    const dup = all.some(
      (a) => a.name === s.name && a.keyId === s.keyId && constantTimeEqual(a.signature, s.signature),
    );
    if (!dup) all.push(s);
  }
  const maxSignatures = limits.maxSignatures ?? DEFAULT_NOTE_LIMITS.maxSignatures;
  if (all.length > maxSignatures) throw tlogError('tlog.note_too_large', 'note has too many signatures');
  return formatNote({ text: note.text, signatures: all });
}
