import { FulcrumError } from '@fulcrum/common';
import type { PdqErrorCode } from './errors.js';
import { parsePdqHash, type PdqHash } from './hash256.js';
import { createHashList, type PdqHashList } from './hash-list.js';

/** Default cap on hashes per text list (a 50M-line CSV is ~5 GB). */
export const MAX_TEXT_LIST_HASHES = 50_000_000;

export interface ParseListOptions {
  /** Most hashes to accept; more throws `pdq.too_large`. */
  readonly maxHashes?: number;
}

const HASH_NAMES = ['hash', 'pdq', 'pdq_hash', 'signal_value', 'signal', 'indicator', 'value'];
const QUALITY_NAMES = ['quality', 'pdq_quality'];
const ID_NAMES = ['id', 'path', 'file', 'filename', 'name', 'signal_id', 'content_id', 'indicator_id', 'metadata'];

function lineError(line: number, message: string, cause?: unknown): FulcrumError<PdqErrorCode> {
  return new FulcrumError<PdqErrorCode>('pdq.bad_list_line', `line ${line}: ${message}`, { cause, detail: { line } });
}

function parseQuality(text: string, line: number): number {
  if (!/^\d{1,3}$/.test(text) || Number(text) > 100) throw lineError(line, 'quality must be an integer 0..100');
  return Number(text);
}

function hashAt(text: string, line: number): PdqHash {
  try {
    return parsePdqHash(text.startsWith('hash=') ? text.slice(5) : text);
  } catch (e) {
    throw lineError(line, 'not a 64-digit hex PDQ hash', e);
  }
}

/**
 * Parses the text lists ThreatExchange tools read and write, one hash a line,
 * comma- or tab-separated, `\n` or `\r\n` line ends; blank lines and lines
 * starting with `#` are skipped:
 * - `hash` alone (`hashtool256`, `mih-query` inputs);
 * - `hash,quality,path` (`pdq-photo-hasher` output; the path may contain commas);
 * - `hash,id` / `hash=...,metadata` (`hashio.cpp`: all after the first comma is metadata);
 * - `hash=H,norm=N,delta=D,quality=Q,filename=F` (`pdq-photo-hasher --details`);
 * - a header line naming columns (e.g. `signal_value,id` or `id\thash\tquality`,
 *   as ThreatExchange CSV exports), recognised when its first line is not a hash.
 * A bad hash or quality throws `pdq.bad_list_line` with the 1-based line number.
 */
export function parseHashListText(text: string, options: ParseListOptions = {}): PdqHashList {
  const maxHashes = options.maxHashes ?? MAX_TEXT_LIST_HASHES;
  const hashes: PdqHash[] = [];
  const ids: (string | undefined)[] = [];
  const qualities: (number | undefined)[] = [];
  let anyId = false;
  let anyQuality = false;
  let header: { hash: number; quality: number; id: number } | undefined;
  let first = true;
  let lineNo = 0;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let line = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '' || line.startsWith('#')) continue;
    const sep = line.includes('\t') ? '\t' : ',';
    const fields = line.split(sep).map((f) => f.trim());
    if (first) {
      first = false;
      const f0 = (fields[0] ?? '').toLowerCase();
      if (!/^(hash=)?[0-9a-f]{64}$/.test(f0)) {
        const names = fields.map((f) => f.toLowerCase().replace(/^"|"$/g, ''));
        const hashCol = names.findIndex((f) => HASH_NAMES.includes(f));
        if (hashCol < 0) throw lineError(lineNo, 'neither a hash nor a header naming a hash column');
        header = {
          hash: hashCol,
          quality: names.findIndex((f) => QUALITY_NAMES.includes(f)),
          id: names.findIndex((f) => ID_NAMES.includes(f)),
        };
        continue;
      }
    }
    if (hashes.length >= maxHashes) {
      throw new FulcrumError<PdqErrorCode>('pdq.too_large', 'the list has more hashes than allowed', {
        detail: { limit: maxHashes, line: lineNo },
      });
    }
    let id: string | undefined;
    let quality: number | undefined;
    let hash: PdqHash;
    if (header) {
      hash = hashAt(fields[header.hash] ?? '', lineNo);
      if (header.quality >= 0 && (fields[header.quality] ?? '') !== '') {
        quality = parseQuality(fields[header.quality]!, lineNo);
      }
      if (header.id >= 0) id = fields[header.id] || undefined;
    } else if (fields.length > 1 && fields[0]!.startsWith('hash=') && fields.slice(1).every((f) => f.includes('='))) {
      hash = hashAt(fields[0]!, lineNo);
      for (const f of fields.slice(1)) {
        const eq = f.indexOf('=');
        const key = f.slice(0, eq);
        const value = f.slice(eq + 1);
        if (key === 'quality') quality = parseQuality(value, lineNo);
        else if (key === 'filename' || key === 'id') id = value;
      }
    } else {
      hash = hashAt(fields[0]!, lineNo);
      if (fields.length >= 3 && /^\d{1,3}$/.test(fields[1]!)) {
        quality = parseQuality(fields[1]!, lineNo);
        id = line.split(sep).slice(2).join(sep);
      } else if (fields.length >= 2) {
        id = line.split(sep).slice(1).join(sep);
      }
    }
    hashes.push(hash);
    ids.push(id);
    qualities.push(quality);
    if (id !== undefined) anyId = true;
    if (quality !== undefined) anyQuality = true;
  }
  return createHashList(hashes, {
    ...(anyId ? { ids } : {}),
    ...(anyQuality ? { qualities } : {}),
  });
}
