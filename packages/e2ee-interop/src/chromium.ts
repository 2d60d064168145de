/**
 * Launches Debian's Chromium through playwright-core (no browser download: none works here) with
 * the flags the project's browser tests use.
 */
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** The Chromium binary: FULCRUM_CHROMIUM, else /usr/bin/chromium. */
export function chromiumPath(): string {
  return process.env.FULCRUM_CHROMIUM ?? '/usr/bin/chromium';
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS], headless: true });
}
