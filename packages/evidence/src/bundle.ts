import {
  concatBytes,
  constantTimeEqual,
  decodeBase64Url,
  decodeHex,
  encodeBase64Url,
  encodeHex,
  randomBytes,
  u32be,
  utf8Encode,
} from '@fulcrum/common';
import { type FrankingContext, commitMessage } from '@fulcrum/franking';
import { sha256 } from '@noble/hashes/sha2.js';
import { type JsonObject, type JsonValue, decodeCanonicalJson, encodeCanonicalJson } from './canonical-json.js';
import { evidenceError } from './errors.js';
import {
  EVIDENCE_SIGNATURE_LENGTH,
  type EvidenceSigningKey,
  evidenceKeyId,
  label,
  signEvidence,
  verifyEvidenceSignature,
} from './keys.js';

/** The container's first 20 bytes. */
export const EVIDENCE_MAGIC = utf8Encode('FULCRUM-EVIDENCE-V1\n');
export const EVIDENCE_FORMAT = 'fulcrum.evidence-bundle';
export const EVIDENCE_VERSION = 1;
export const SALT_LENGTH = 32;

/** Size limits a decoder enforces before it allocates or hashes anything. */
export interface EvidenceLimits {
  /** Whole encoded bundle. Default 512 MiB. */
  readonly maxBundleBytes: number;
  /** The manifest (canonical JSON). Default 4 MiB. */
  readonly maxManifestBytes: number;
  /** Number of files. Default 1024. */
  readonly maxFiles: number;
  /** One file. Default 256 MiB. */
  readonly maxFileBytes: number;
}

export const DEFAULT_EVIDENCE_LIMITS: EvidenceLimits = Object.freeze({
  maxBundleBytes: 512 * 1024 * 1024,
  maxManifestBytes: 4 * 1024 * 1024,
  maxFiles: 1024,
  maxFileBytes: 256 * 1024 * 1024,
});

/** One file of a bundle: content bytes, a name (a relative path) and a media type. */
export interface EvidenceFile {
  readonly name: string;
  readonly mediaType: string;
  readonly content: Uint8Array;
}

/** How the signed manifest lists a file. */
export interface EvidenceFileEntry {
  readonly name: string;
  readonly mediaType: string;
  readonly size: number;
  /** SHA-256 of the content, lowercase hex. */
  readonly sha256: string;
}

/** A franking opening as a bundle records it (bytes in base64url, no padding). */
export interface FrankingOpeningRecord {
  /** Name of the file that holds the revealed body (the franked content bytes). */
  readonly file: string;
  readonly frankingKey: string;
  readonly commitment: string;
  readonly tag: string;
  readonly context: {
    readonly conversationId: string;
    readonly epoch: number;
    readonly senderDeviceId: string;
    readonly serverSeq: number;
    readonly serverTime: number;
    readonly keyId: string;
  };
}

/** A franking opening as the creator hands it in. */
export interface FrankingOpeningInput {
  readonly file: string;
  readonly frankingKey: Uint8Array;
  readonly commitment: Uint8Array;
  readonly tag: Uint8Array;
  readonly context: FrankingContext;
}

/** The signed manifest (canonical JSON; field names below are its keys). */
export interface EvidenceManifest {
  readonly format: typeof EVIDENCE_FORMAT;
  readonly version: typeof EVIDENCE_VERSION;
  /** Who made the bundle (a platform name or origin). */
  readonly issuer: string;
  /** `evidenceKeyId` of the signing key. */
  readonly keyId: string;
  /** ms since the Unix epoch. */
  readonly createdAt: number;
  /** 32 random bytes (base64url): the salt of the bundle's log commitment. */
  readonly salt: string;
  readonly files: readonly EvidenceFileEntry[];
  /** What the evidence is about (report, messages' context, decisions…): free-form, canonical JSON. */
  readonly metadata: JsonObject;
  readonly verification: {
    /** Openings the verifier re-checks offline: each body file opens its commitment. */
    readonly franking: readonly FrankingOpeningRecord[];
    /** What the platform checked when it accepted the material (free-form). */
    readonly platform: JsonObject;
  };
}

/** What `createEvidenceBundle` takes. */
export interface EvidenceBundleInput {
  readonly issuer: string;
  readonly createdAt: number;
  readonly files: readonly EvidenceFile[];
  readonly metadata: JsonObject;
  readonly verification?: {
    readonly franking?: readonly FrankingOpeningInput[];
    readonly platform?: JsonObject;
  };
}

/** A bundle in memory: what `encodeEvidenceBundle` writes and `verifyEvidenceBundle` returns. */
export interface EvidenceBundle {
  readonly manifest: EvidenceManifest;
  /** The manifest's canonical bytes (what the signature covers). */
  readonly manifestBytes: Uint8Array;
  readonly signature: Uint8Array;
  /** In manifest order. */
  readonly files: readonly EvidenceFile[];
  /** `evidenceManifestDigest(manifestBytes)`. */
  readonly manifestDigest: Uint8Array;
  /** `evidenceCommitment(salt, manifestDigest)`: what the transparency log holds for this bundle. */
  readonly commitment: Uint8Array;
}

/** A bundle whose signature, files and openings verified. */
export interface VerifiedEvidenceBundle extends EvidenceBundle {
  /** How many franking openings opened their commitments. */
  readonly openingsVerified: number;
}

const SIGNATURE_LABEL = label('fulcrum evidence bundle signature v1');
const DIGEST_LABEL = label('fulcrum evidence manifest digest v1');
const COMMITMENT_LABEL = label('fulcrum evidence log commitment v1');

function lp(bytes: Uint8Array): Uint8Array {
  return concatBytes(u32be(bytes.length), bytes);
}

/** What the Ed25519 signature covers: lp("fulcrum evidence bundle signature v1") ‖ lp(manifest). */
export function evidenceSignatureMessage(manifestBytes: Uint8Array): Uint8Array {
  return concatBytes(SIGNATURE_LABEL, lp(manifestBytes));
}

/** SHA-256(lp("fulcrum evidence manifest digest v1") ‖ lp(manifest)). */
export function evidenceManifestDigest(manifestBytes: Uint8Array): Uint8Array {
  return sha256(concatBytes(DIGEST_LABEL, lp(manifestBytes)));
}

/**
 * The salted commitment the transparency log holds (`evidence.bundle` entries):
 * SHA-256(lp("fulcrum evidence log commitment v1") ‖ salt (32) ‖ manifestDigest (32)).
 * The salt is in the bundle, so only a holder of the bundle can link it to its entry; without
 * the salt the entry says nothing about the material (no hash of it is ever published).
 */
export function evidenceCommitment(salt: Uint8Array, manifestDigest: Uint8Array): Uint8Array {
  if (!(salt instanceof Uint8Array) || salt.length !== SALT_LENGTH)
    throw evidenceError('evidence.bad_input', 'salt must be 32 bytes');
  if (!(manifestDigest instanceof Uint8Array) || manifestDigest.length !== 32)
    throw evidenceError('evidence.bad_input', 'manifest digest must be 32 bytes');
  return sha256(concatBytes(COMMITMENT_LABEL, salt, manifestDigest));
}

// ---------------------------------------------------------------------------------------------
// Validation of names, media types and the manifest shape.

const MAX_NAME_BYTES = 255;
const MAX_ISSUER_BYTES = 255;
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const KEY_ID = /^[0-9a-f]{16}$/;

type Code = 'evidence.bad_input' | 'evidence.malformed';

/**
 * A file name is a relative path: 1..255 UTF-8 bytes, segments separated by `/`, none empty, `.`
 * or `..`, no backslash and no control characters (so extracting a bundle cannot escape its folder).
 */
export function isValidEvidenceFileName(name: string): boolean {
  if (typeof name !== 'string' || name.length === 0 || utf8Encode(name).length > MAX_NAME_BYTES) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  if (/[\u0000-\u001f\u007f\\]/.test(name)) return false;
  return name.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/** A media type: `type/subtype`, lowercase RFC 6838 restricted names, no parameters. */
export function isValidMediaType(mediaType: string): boolean {
  return typeof mediaType === 'string' && MEDIA_TYPE.test(mediaType);
}

function need(ok: boolean, code: Code, message: string): void {
  if (!ok) throw evidenceError(code, message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function exactKeys(o: Record<string, unknown>, keys: readonly string[], what: string, code: Code): void {
  const have = Object.keys(o).sort();
  const want = [...keys].sort();
  need(have.length === want.length && have.every((k, i) => k === want[i]), code, `${what} has unexpected fields`);
}

function safeUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function base64UrlOf(v: unknown, length: number, what: string, code: Code): Uint8Array {
  need(typeof v === 'string', code, `${what} must be base64url`);
  try {
    return decodeBase64Url(v as string, length);
  } catch (cause) {
    throw evidenceError(code, `${what} must be ${length} bytes of base64url`, undefined, cause);
  }
}

function checkOpeningRecord(o: unknown, names: ReadonlySet<string>, code: Code): FrankingOpeningRecord {
  need(isObject(o), code, 'franking opening must be an object');
  const r = o as Record<string, unknown>;
  exactKeys(r, ['file', 'frankingKey', 'commitment', 'tag', 'context'], 'franking opening', code);
  need(typeof r.file === 'string' && names.has(r.file), code, 'franking opening names no file of the bundle');
  base64UrlOf(r.frankingKey, 32, 'frankingKey', code);
  base64UrlOf(r.commitment, 32, 'commitment', code);
  base64UrlOf(r.tag, 32, 'tag', code);
  need(isObject(r.context), code, 'franking context must be an object');
  const c = r.context as Record<string, unknown>;
  exactKeys(c, ['conversationId', 'epoch', 'senderDeviceId', 'serverSeq', 'serverTime', 'keyId'], 'context', code);
  need(typeof c.conversationId === 'string', code, 'conversationId must be base64url');
  let conversationId: Uint8Array;
  try {
    conversationId = decodeBase64Url(c.conversationId as string);
  } catch (cause) {
    throw evidenceError(code, 'conversationId must be base64url', undefined, cause);
  }
  need(conversationId.length > 0, code, 'conversationId is empty');
  need(
    safeUint(c.epoch) && safeUint(c.serverSeq) && safeUint(c.serverTime),
    code,
    'context numbers must be non-negative integers',
  );
  need(typeof c.senderDeviceId === 'string' && c.senderDeviceId !== '', code, 'senderDeviceId must be a string');
  need(typeof c.keyId === 'string' && c.keyId !== '', code, 'keyId must be a string');
  return r as unknown as FrankingOpeningRecord;
}

/** Checks a parsed manifest has exactly the v1 shape; returns it typed. */
function checkManifest(v: unknown, limits: EvidenceLimits, code: Code): EvidenceManifest {
  need(isObject(v), code, 'manifest must be an object');
  const m = v as Record<string, unknown>;
  exactKeys(
    m,
    ['format', 'version', 'issuer', 'keyId', 'createdAt', 'salt', 'files', 'metadata', 'verification'],
    'manifest',
    code,
  );
  need(m.format === EVIDENCE_FORMAT && m.version === EVIDENCE_VERSION, code, 'not a v1 evidence manifest');
  need(
    typeof m.issuer === 'string' && m.issuer !== '' && utf8Encode(m.issuer).length <= MAX_ISSUER_BYTES,
    code,
    'issuer must be 1..255 bytes',
  );
  need(typeof m.keyId === 'string' && KEY_ID.test(m.keyId), code, 'keyId must be 16 hex digits');
  need(safeUint(m.createdAt), code, 'createdAt must be a non-negative integer');
  base64UrlOf(m.salt, SALT_LENGTH, 'salt', code);
  need(Array.isArray(m.files), code, 'files must be an array');
  const files = m.files as unknown[];
  if (files.length > limits.maxFiles) {
    throw evidenceError('evidence.too_large', `more than ${limits.maxFiles} files`, { limit: limits.maxFiles });
  }
  const names = new Set<string>();
  for (const f of files) {
    need(isObject(f), code, 'file entry must be an object');
    const e = f as Record<string, unknown>;
    exactKeys(e, ['name', 'mediaType', 'size', 'sha256'], 'file entry', code);
    need(isValidEvidenceFileName(e.name as string), code, 'invalid file name');
    need(!names.has(e.name as string), code, 'duplicate file name');
    names.add(e.name as string);
    need(isValidMediaType(e.mediaType as string), code, 'invalid media type');
    need(safeUint(e.size), code, 'file size must be a non-negative integer');
    if ((e.size as number) > limits.maxFileBytes) {
      throw evidenceError('evidence.too_large', `a file is over ${limits.maxFileBytes} bytes`, {
        limit: limits.maxFileBytes,
      });
    }
    need(typeof e.sha256 === 'string' && HEX64.test(e.sha256), code, 'sha256 must be 64 lowercase hex digits');
  }
  need(isObject(m.metadata), code, 'metadata must be an object');
  need(isObject(m.verification), code, 'verification must be an object');
  const ver = m.verification as Record<string, unknown>;
  exactKeys(ver, ['franking', 'platform'], 'verification', code);
  need(Array.isArray(ver.franking), code, 'verification.franking must be an array');
  for (const o of ver.franking as unknown[]) checkOpeningRecord(o, names, code);
  need(isObject(ver.platform), code, 'verification.platform must be an object');
  return m as unknown as EvidenceManifest;
}

function openingContext(record: FrankingOpeningRecord): FrankingContext {
  return {
    conversationId: decodeBase64Url(record.context.conversationId),
    epoch: record.context.epoch,
    senderDeviceId: record.context.senderDeviceId,
    serverSeq: record.context.serverSeq,
    serverTime: record.context.serverTime,
    keyId: record.context.keyId,
  };
}

/** True if the body opens the recorded commitment (HMAC-SHA256 under the franking key; @fulcrum/franking). */
function opens(record: FrankingOpeningRecord, body: Uint8Array): boolean {
  try {
    const commitment = commitMessage({
      frankingKey: decodeBase64Url(record.frankingKey, 32),
      conversationId: openingContext(record).conversationId,
      body,
    });
    return constantTimeEqual(commitment, decodeBase64Url(record.commitment, 32));
  } catch {
    return false; // e.g. franking.bad_context (an id over its length limit): it cannot open
  }
}

// ---------------------------------------------------------------------------------------------
// Create, encode, decode, verify.

/**
 * Builds and signs a bundle: lists each file with its size and SHA-256, records the franking
 * openings (each must open its commitment over the named file), draws a fresh 32-byte salt, and
 * signs the canonical manifest with the platform's evidence key. Throws `evidence.bad_input`
 * (or `evidence.too_large` past `limits`).
 */
export function createEvidenceBundle(
  input: EvidenceBundleInput,
  key: EvidenceSigningKey,
  options: { random?: (length: number) => Uint8Array; limits?: Partial<EvidenceLimits> } = {},
): EvidenceBundle {
  const limits = { ...DEFAULT_EVIDENCE_LIMITS, ...options.limits };
  if (input.files.length > limits.maxFiles) {
    throw evidenceError('evidence.too_large', `more than ${limits.maxFiles} files`, { limit: limits.maxFiles });
  }
  const byName = new Map<string, EvidenceFile>();
  const entries: EvidenceFileEntry[] = input.files.map((f) => {
    need(f.content instanceof Uint8Array, 'evidence.bad_input', 'file content must be bytes');
    if (f.content.length > limits.maxFileBytes) {
      throw evidenceError('evidence.too_large', `file ${f.name} is over ${limits.maxFileBytes} bytes`, {
        limit: limits.maxFileBytes,
      });
    }
    byName.set(f.name, f);
    return { name: f.name, mediaType: f.mediaType, size: f.content.length, sha256: encodeHex(sha256(f.content)) };
  });
  const franking: FrankingOpeningRecord[] = (input.verification?.franking ?? []).map((o) => {
    const record: FrankingOpeningRecord = {
      file: o.file,
      frankingKey: encodeBase64Url(o.frankingKey),
      commitment: encodeBase64Url(o.commitment),
      tag: encodeBase64Url(o.tag),
      context: {
        conversationId: encodeBase64Url(o.context.conversationId),
        epoch: Number(o.context.epoch),
        senderDeviceId: o.context.senderDeviceId,
        serverSeq: o.context.serverSeq,
        serverTime: o.context.serverTime,
        keyId: o.context.keyId,
      },
    };
    return record;
  });
  const salt = (options.random ?? randomBytes)(SALT_LENGTH);
  const manifest = {
    format: EVIDENCE_FORMAT,
    version: EVIDENCE_VERSION,
    issuer: input.issuer,
    keyId: key.keyId,
    createdAt: input.createdAt,
    salt: encodeBase64Url(salt),
    files: entries,
    metadata: input.metadata,
    verification: { franking, platform: input.verification?.platform ?? {} },
  } satisfies EvidenceManifest;
  const manifestBytes = encodeCanonicalJson(manifest as unknown as JsonValue);
  if (manifestBytes.length > limits.maxManifestBytes) {
    throw evidenceError('evidence.too_large', `manifest is over ${limits.maxManifestBytes} bytes`, {
      limit: limits.maxManifestBytes,
    });
  }
  checkManifest(manifest, limits, 'evidence.bad_input');
  for (const record of franking) {
    const body = byName.get(record.file)?.content as Uint8Array;
    need(opens(record, body), 'evidence.bad_input', `the opening for ${record.file} does not open its commitment`);
  }
  if (evidenceKeyId(key.publicKey) !== key.keyId) throw evidenceError('evidence.bad_key', 'key id does not match key');
  const signature = signEvidence(key, evidenceSignatureMessage(manifestBytes));
  const manifestDigest = evidenceManifestDigest(manifestBytes);
  return {
    manifest,
    manifestBytes,
    signature,
    files: entries.map((e) => byName.get(e.name) as EvidenceFile),
    manifestDigest,
    commitment: evidenceCommitment(salt, manifestDigest),
  };
}

/**
 * The container (one self-contained file), big-endian:
 *
 *   "FULCRUM-EVIDENCE-V1\n" (20 bytes) ‖ u32 M ‖ manifest (M bytes of canonical JSON) ‖
 *   signature (64 bytes, Ed25519) ‖ for each file in manifest order: u32 L ‖ content (L bytes)
 *
 * and nothing after the last file.
 */
export function encodeEvidenceBundle(bundle: EvidenceBundle): Uint8Array {
  const parts: Uint8Array[] = [EVIDENCE_MAGIC, lp(bundle.manifestBytes), bundle.signature];
  if (bundle.signature.length !== EVIDENCE_SIGNATURE_LENGTH)
    throw evidenceError('evidence.bad_input', 'signature must be 64 bytes');
  for (const f of bundle.files) parts.push(lp(f.content));
  return concatBytes(...parts);
}

/** The container's parts, before anything is verified. */
interface RawBundle {
  readonly manifestBytes: Uint8Array;
  readonly signature: Uint8Array;
  readonly contents: readonly Uint8Array[];
}

function readRaw(bytes: Uint8Array, limits: EvidenceLimits): RawBundle {
  if (!(bytes instanceof Uint8Array)) throw evidenceError('evidence.malformed', 'a bundle is bytes');
  if (bytes.length > limits.maxBundleBytes) {
    throw evidenceError('evidence.too_large', `bundle is over ${limits.maxBundleBytes} bytes`, {
      limit: limits.maxBundleBytes,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const take = (n: number, what: string): Uint8Array => {
    if (bytes.length - at < n) throw evidenceError('evidence.truncated', `bundle ends inside ${what}`);
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  const u32 = (what: string): number => {
    take(4, what);
    return view.getUint32(at - 4, false);
  };
  const magic = take(Math.min(EVIDENCE_MAGIC.length, bytes.length), 'the magic');
  if (!magic.every((b, i) => b === EVIDENCE_MAGIC[i]))
    throw evidenceError('evidence.malformed', 'not a Fulcrum evidence bundle');
  if (magic.length < EVIDENCE_MAGIC.length) throw evidenceError('evidence.truncated', 'bundle ends inside the magic');
  const m = u32('the manifest length');
  if (m > limits.maxManifestBytes) {
    throw evidenceError('evidence.too_large', `manifest is over ${limits.maxManifestBytes} bytes`, {
      limit: limits.maxManifestBytes,
    });
  }
  const manifestBytes = take(m, 'the manifest');
  const signature = take(EVIDENCE_SIGNATURE_LENGTH, 'the signature');
  const contents: Uint8Array[] = [];
  while (at < bytes.length) {
    if (contents.length >= limits.maxFiles) {
      throw evidenceError('evidence.too_large', `more than ${limits.maxFiles} files`, { limit: limits.maxFiles });
    }
    const n = u32('a file length');
    if (n > limits.maxFileBytes) {
      throw evidenceError('evidence.too_large', `a file is over ${limits.maxFileBytes} bytes`, {
        limit: limits.maxFileBytes,
      });
    }
    contents.push(take(n, 'a file'));
  }
  return { manifestBytes, signature, contents };
}

function assemble(raw: RawBundle, manifest: EvidenceManifest): EvidenceBundle {
  const manifestDigest = evidenceManifestDigest(raw.manifestBytes);
  return {
    manifest,
    manifestBytes: raw.manifestBytes,
    signature: raw.signature,
    files: manifest.files.map((e, i) => ({
      name: e.name,
      mediaType: e.mediaType,
      content: raw.contents[i] ?? new Uint8Array(0),
    })),
    manifestDigest,
    commitment: evidenceCommitment(decodeBase64Url(manifest.salt, SALT_LENGTH), manifestDigest),
  };
}

/**
 * Reads a bundle's structure WITHOUT checking its signature or file digests (to inspect a bundle
 * whose key you do not have). Throws `evidence.truncated`, `evidence.too_large`, `evidence.malformed`
 * (also when the file parts do not match the manifest's list). Use `verifyEvidenceBundle` to trust it.
 */
export function decodeEvidenceBundle(bytes: Uint8Array, limits: Partial<EvidenceLimits> = {}): EvidenceBundle {
  const l = { ...DEFAULT_EVIDENCE_LIMITS, ...limits };
  const raw = readRaw(bytes, l);
  const manifest = checkManifest(decodeCanonicalJson(raw.manifestBytes), l, 'evidence.malformed');
  if (raw.contents.length !== manifest.files.length)
    throw evidenceError('evidence.malformed', 'the file parts do not match the manifest');
  return assemble(raw, manifest);
}

/** The manifest's `keyId` if the manifest parses as JSON at all (to tell a wrong key from tampering). */
function statedKeyId(manifestBytes: Uint8Array): string | undefined {
  try {
    const v = JSON.parse(new TextDecoder().decode(manifestBytes)) as unknown;
    return isObject(v) && typeof v.keyId === 'string' ? v.keyId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a bundle offline with the platform's public key and returns it, or throws:
 * `evidence.truncated` / `evidence.too_large` / `evidence.malformed` (container),
 * `evidence.wrong_key` (the manifest names another key), `evidence.manifest_tampered` (the
 * signature does not verify), `evidence.file_tampered` (a file's size or SHA-256 is not the
 * signed one, or a file was added or removed), `evidence.opening_mismatch` (a franking opening
 * does not open its commitment). Checks run in that order, so the first failure names the cause.
 */
export function verifyEvidenceBundle(
  bytes: Uint8Array,
  platformPublicKey: Uint8Array,
  limits: Partial<EvidenceLimits> = {},
): VerifiedEvidenceBundle {
  const keyId = evidenceKeyId(platformPublicKey);
  const l = { ...DEFAULT_EVIDENCE_LIMITS, ...limits };
  const raw = readRaw(bytes, l);
  const stated = statedKeyId(raw.manifestBytes);
  if (stated !== undefined && stated !== keyId) {
    throw evidenceError('evidence.wrong_key', 'the bundle was signed by another key', { keyId: stated });
  }
  if (!verifyEvidenceSignature(platformPublicKey, evidenceSignatureMessage(raw.manifestBytes), raw.signature)) {
    throw evidenceError('evidence.manifest_tampered', 'the signature does not verify: the manifest was altered');
  }
  // Signed by the platform: a malformed manifest now is the platform's fault, still refused.
  const manifest = checkManifest(decodeCanonicalJson(raw.manifestBytes), l, 'evidence.malformed');
  if (raw.contents.length !== manifest.files.length) {
    throw evidenceError('evidence.file_tampered', 'files were added or removed', {
      expected: manifest.files.length,
      actual: raw.contents.length,
    });
  }
  manifest.files.forEach((entry, i) => {
    const content = raw.contents[i] as Uint8Array;
    if (content.length !== entry.size || !constantTimeEqual(sha256(content), decodeHex(entry.sha256, 32))) {
      throw evidenceError('evidence.file_tampered', `file ${entry.name} does not match its signed digest`, {
        file: entry.name,
      });
    }
  });
  const bundle = assemble(raw, manifest);
  const byName = new Map(bundle.files.map((f) => [f.name, f.content]));
  for (const record of manifest.verification.franking) {
    if (!opens(record, byName.get(record.file) as Uint8Array)) {
      throw evidenceError('evidence.opening_mismatch', `the opening for ${record.file} does not open its commitment`, {
        file: record.file,
      });
    }
  }
  return { ...bundle, openingsVerified: manifest.verification.franking.length };
}
