/**
 * Wellbeing aids for moderators (what trust-and-safety teams ask for: exposure awareness and
 * enforced pauses). Counts reveals of reported content this session and today (per account, in
 * this browser), and says when a break is due: after `breakAfterReveals` reveals or
 * `breakAfterMinutes` minutes since the last break. Settings are per moderator (localStorage,
 * keyed by account id); nothing here leaves the browser.
 */

export interface ModeratorSettings {
  /** Reveal a case's content as soon as it is opened (still one audited reveal call). Default off. */
  readonly autoReveal: boolean;
  /** Show revealed images in greyscale until clicked (default on). */
  readonly greyscale: boolean;
  /** Show revealed images blurred until clicked (default on). */
  readonly blur: boolean;
  readonly breakAfterReveals: number;
  readonly breakAfterMinutes: number;
}

export const DEFAULT_SETTINGS: ModeratorSettings = {
  autoReveal: false,
  greyscale: true,
  blur: true,
  breakAfterReveals: 20,
  breakAfterMinutes: 45,
};

const settingsKey = (accountId: string) => `fulcrum.mod.settings.${accountId}`;
const dayKey = (accountId: string, day: string) => `fulcrum.mod.exposure.${accountId}.${day}`;

export function today(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export function loadSettings(accountId: string): ModeratorSettings {
  try {
    const v = JSON.parse(localStorage.getItem(settingsKey(accountId)) ?? '{}') as Partial<ModeratorSettings>;
    return {
      autoReveal: typeof v.autoReveal === 'boolean' ? v.autoReveal : DEFAULT_SETTINGS.autoReveal,
      greyscale: typeof v.greyscale === 'boolean' ? v.greyscale : DEFAULT_SETTINGS.greyscale,
      blur: typeof v.blur === 'boolean' ? v.blur : DEFAULT_SETTINGS.blur,
      breakAfterReveals: clampInt(v.breakAfterReveals, 1, 500, DEFAULT_SETTINGS.breakAfterReveals),
      breakAfterMinutes: clampInt(v.breakAfterMinutes, 5, 480, DEFAULT_SETTINGS.breakAfterMinutes),
    };
  } catch {
    return DEFAULT_SETTINGS;
  }
}

export function saveSettings(accountId: string, s: ModeratorSettings): void {
  localStorage.setItem(settingsKey(accountId), JSON.stringify(s));
}

export function clampInt(v: unknown, min: number, max: number, fallback: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return fallback;
  return Math.max(min, Math.min(max, Math.round(v)));
}

export function revealsToday(accountId: string, day = today()): number {
  return clampInt(Number(localStorage.getItem(dayKey(accountId, day)) ?? '0'), 0, 1e9, 0);
}

export function countRevealToday(accountId: string, day = today()): number {
  const n = revealsToday(accountId, day) + 1;
  localStorage.setItem(dayKey(accountId, day), String(n));
  return n;
}

/** Whether a break is due, and why. */
export function breakDue(
  s: ModeratorSettings,
  sinceBreak: { reveals: number; startedAt: number },
  now: number,
): 'reveals' | 'time' | undefined {
  if (sinceBreak.reveals >= s.breakAfterReveals) return 'reveals';
  if (now - sinceBreak.startedAt >= s.breakAfterMinutes * 60_000) return 'time';
  return undefined;
}
