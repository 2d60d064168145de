/**
 * Forward limits (issue 7; packages/web/README.md "Forwarding"): like the large messengers, a
 * message that went through many forwards travels more slowly. The count is the `forwarded` field
 * of content v1 (how many forwarding hops the message went through; each forward adds one).
 *
 *   - forwarded < FORWARDED_MANY_TIMES: up to MAX_FORWARD_TARGETS conversations at a time;
 *   - forwarded ≥ FORWARDED_MANY_TIMES ("Forwarded many times"): one conversation at a time;
 *   - forwarded ≥ FORWARD_HARD_CAP: not forwardable at all (`client.forward_limit`).
 *
 * The count is asserted by the sender's client inside the end-to-end encrypted content: the server
 * cannot see or enforce it, and a modified client can reset it. These limits slow down honest
 * clients' viral chains (the effect WhatsApp measured); they are not a security boundary.
 */
import { clientError } from './errors.js';
import type { MessageContent } from './message-content.js';

/** From this forward count on a message is shown as "Forwarded many times" and goes to one conversation at a time. */
export const FORWARDED_MANY_TIMES = 5;
/** Most conversations a message below FORWARDED_MANY_TIMES may be forwarded to in one action. */
export const MAX_FORWARD_TARGETS = 5;
/** A message whose forward count reached this is not forwarded again (copying its text by hand is still possible). */
export const FORWARD_HARD_CAP = 20;

/** How many conversations `content` may be forwarded to in one action: 0 when it cannot be forwarded. */
export function forwardTargetLimit(content: MessageContent): number {
  if (content.type !== 'text' && content.type !== 'attachment') return 0;
  const n = content.forwarded ?? 0;
  if (n >= FORWARD_HARD_CAP) return 0;
  return n >= FORWARDED_MANY_TIMES ? 1 : MAX_FORWARD_TARGETS;
}

/**
 * Returns normally when `content` may be forwarded to `targets` conversations in one action, or
 * throws: `client.not_allowed` (a control message, or no target), `client.forward_limit` (over the
 * cap or too many targets for its count; `detail`: `forwarded`, `maxTargets`).
 */
export function checkForward(content: MessageContent, targets: number): void {
  if (content.type !== 'text' && content.type !== 'attachment') {
    throw clientError('client.not_allowed', 'only text and attachment messages can be forwarded');
  }
  if (!Number.isSafeInteger(targets) || targets < 1) {
    throw clientError('client.not_allowed', 'forward to at least one conversation');
  }
  const maxTargets = forwardTargetLimit(content);
  if (targets > maxTargets) {
    throw clientError(
      'client.forward_limit',
      maxTargets === 0
        ? `a message forwarded ${FORWARD_HARD_CAP} times or more cannot be forwarded again`
        : `this message can be forwarded to at most ${maxTargets} conversation(s) at a time`,
      { detail: { forwarded: content.forwarded ?? 0, maxTargets } },
    );
  }
}
