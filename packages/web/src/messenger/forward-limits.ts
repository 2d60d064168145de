/**
 * The SDK's forward limits (client forward-policy.ts; README "Forwarding"), mirrored here as
 * plain numbers: a runtime import of @fulcrum/client would pull the SDK into the messenger chunk
 * (it runs in the worker). forward-limits.test.ts checks they equal the SDK's.
 */
import type { MessageContent } from '@fulcrum/client';

export const FORWARDED_MANY_TIMES = 5;
export const MAX_FORWARD_TARGETS = 5;
export const FORWARD_HARD_CAP = 20;

/** How many conversations this content may be forwarded to in one action (0: not at all). */
export function forwardTargetLimit(c: MessageContent): number {
  if (c.type !== 'text' && c.type !== 'attachment') return 0;
  const n = c.forwarded ?? 0;
  if (n >= FORWARD_HARD_CAP) return 0;
  return n >= FORWARDED_MANY_TIMES ? 1 : MAX_FORWARD_TARGETS;
}

/** The label shown on a forwarded message, or undefined. */
export function forwardedLabel(c: MessageContent): string | undefined {
  if (c.type !== 'text' && c.type !== 'attachment') return undefined;
  const n = c.forwarded ?? 0;
  if (n === 0) return undefined;
  return n >= FORWARDED_MANY_TIMES ? 'Forwarded many times' : 'Forwarded';
}
