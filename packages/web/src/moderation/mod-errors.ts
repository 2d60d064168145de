/** The moderation API's refusals as sentences for staff (the generic table covers the rest). */
import { errorSentence } from '../error-text.js';

const SENTENCES: Readonly<Record<string, string>> = {
  'moderation.not_staff': 'Your account has no staff role. Ask an administrator to grant you one.',
  'moderation.role_required':
    'Your role does not allow this. Child-safety cases are only open to child-safety specialists.',
  'moderation.case_not_found': 'This case does not exist, or your role does not let you see it.',
  'moderation.decision_not_found': 'This decision does not exist, or your role does not let you see it.',
  'moderation.appeal_not_found': 'This appeal does not exist, or your role does not let you see it.',
  'moderation.claimed_by_other': 'Another moderator is working on this case. Pick another one.',
  'moderation.not_claimed': 'Claim the case before deciding (your claim may have expired).',
  'moderation.invalid_state': 'The case changed meanwhile (someone else decided or approved). It was reloaded.',
  'moderation.self_approval': 'A second moderator must approve this: you cannot approve your own decision.',
  'moderation.same_decider': 'An appeal must be decided by someone who neither took nor approved the decision.',
  'moderation.not_appealable': 'This decision cannot be appealed now.',
  'moderation.bad_decision':
    'This decision is not possible for this case (for example a CyberTipline report on a case outside child safety).',
  'moderation.conflict_of_interest':
    'You are party to this case (as reporter or reported account), so you cannot act on it.',
  'request.invalid': 'Something in the form is not accepted (a reason is required; durations are at least a minute).',
};

export function modErrorSentence(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && SENTENCES[code] !== undefined) return SENTENCES[code];
  return errorSentence(err);
}

export function errorCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}
