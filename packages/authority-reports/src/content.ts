/**
 * Reading the revealed content bytes (client message-content v1: canonical JSON) just enough to
 * describe them in a report. Intake has verified the bytes against the franking commitment; this
 * does not re-validate them, and anything it does not recognise is described as such, never
 * guessed at.
 */

export type DescribedContent =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'attachment'; readonly name: string; readonly mediaType: string }
  | { readonly kind: 'other'; readonly type: string }
  | { readonly kind: 'deleted' };

export function describeBody(body: Uint8Array | null): DescribedContent {
  if (body === null) return { kind: 'deleted' };
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return { kind: 'other', type: 'unreadable' };
  }
  if (typeof value !== 'object' || value === null) return { kind: 'other', type: 'unreadable' };
  const v = value as Record<string, unknown>;
  if (v.type === 'text' && typeof v.text === 'string') return { kind: 'text', text: v.text };
  if (v.type === 'attachment' && typeof v.name === 'string' && typeof v.mediaType === 'string') {
    return { kind: 'attachment', name: v.name, mediaType: v.mediaType };
  }
  return { kind: 'other', type: typeof v.type === 'string' ? v.type : 'unknown' };
}

/** ISO 8601 UTC with milliseconds, e.g. `2026-11-25T11:40:41.000Z`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** `YYYY-MM-DD` (UTC). */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
