/** Words for the moderation vocabulary (wire's closed lists), shared by the messenger and the console. */
import type { ReportCategory } from '@fulcrum/wire';

export const CATEGORY_LABELS: Readonly<Record<ReportCategory, string>> = {
  child_sexual_exploitation: 'Child sexual exploitation',
  grooming: 'Grooming of a child',
  terrorism: 'Terrorism or violent extremism',
  threats: 'Threats of violence',
  harassment: 'Harassment or bullying',
  spam: 'Spam or scam',
  other: 'Something else',
};

/** In the order the report form lists them (most severe first, as the queue sorts). */
export const CATEGORIES: readonly ReportCategory[] = [
  'child_sexual_exploitation',
  'grooming',
  'terrorism',
  'threats',
  'harassment',
  'spam',
  'other',
];

export const ACTION_LABELS: Readonly<Record<string, string>> = {
  dismiss: 'Dismissed (no action)',
  warn: 'Warning',
  restrict: 'Restricted (cannot start conversations or add members)',
  suspend: 'Suspended',
  ban: 'Banned',
  escalate: 'Escalated to the authorities',
  'appeal.uphold': 'Appeal rejected: the decision stands',
  'appeal.overturn': 'Appeal accepted: the decision was lifted',
};

export function formatDuration(ms: number): string {
  const h = ms / 3_600_000;
  if (h < 48) return `${Math.round(h)} hours`;
  return `${Math.round(h / 24)} days`;
}
