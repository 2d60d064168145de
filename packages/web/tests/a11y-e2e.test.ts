/**
 * An automated accessibility audit of the web app: axe-core (WCAG 2.0/2.1 A and AA rules) runs in
 * Debian's Chromium (playwright-core, /usr/bin/chromium) against the real server (SQLite) serving
 * the real production build, on the registration screen, the messenger with a conversation open
 * and a message shown, the report dialog, Settings with the Blocked accounts card, the moderation
 * console's queue and the public transparency page. Any violation of impact "serious" or
 * "critical" fails the test, each printed with its rule, help text and target selectors.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { grantStaffRole, type RunningServer } from '@fulcrum/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DESKTOP,
  messages,
  openConversation,
  registerIn,
  sendText,
  startConversation,
  T,
  type WebStack,
  startWebStack,
} from './browser-harness.js';

/**
 * axe's source, evaluated through the DevTools protocol: `page.addScriptTag` inserts an inline
 * script, which the page's CSP (`script-src 'self'`) rightly refuses, and the audit must not
 * weaken the CSP it runs under.
 */
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let stack: WebStack;
let server: RunningServer;
let browser: Browser;
let contexts: BrowserContext[];
const run = Math.random().toString(36).slice(2, 8);

interface Finding {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** axe's serious and critical violations on the page as it is now, printed as they are found. */
async function audit(page: Page, screen: string): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async (tags) => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected as a global script
    const axe = (window as any).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return JSON.parse(JSON.stringify(result.violations));
  }, TAGS);
  const found: string[] = [];
  for (const v of violations as Finding[]) {
    if (v.impact !== 'serious' && v.impact !== 'critical') continue;
    const targets = v.nodes.map((n) => n.target.join(' ')).join(' | ');
    const line = `[${screen}] ${v.impact} ${v.id}: ${v.help} — ${targets}`;
    console.error(line);
    found.push(line);
  }
  return found;
}

beforeAll(async () => {
  stack = await startWebStack('a11y');
  ({ server, browser, contexts } = stack);
}, 300_000);

afterAll(() => stack?.close());

describe('accessibility audit (axe-core, WCAG 2.1 A/AA) in Chromium', () => {
  it('has no serious or critical violation on the main screens', async () => {
    const found: string[] = [];

    // The registration / sign-in screen, before anyone registers.
    const ctx = await browser.newContext({ viewport: DESKTOP });
    contexts.push(ctx);
    const first = await ctx.newPage();
    await first.goto(server.url);
    await first.getByLabel('Account name').waitFor({ timeout: T });
    found.push(...(await audit(first, 'registration')));

    const beaName = `bea-${run}`;
    const abeName = `abe-${run}`;
    const bea = await registerIn(browser, contexts, server.url, beaName);
    const abe = await registerIn(browser, contexts, server.url, abeName);

    // The messenger with a conversation open and a message shown.
    await startConversation(abe, [beaName], beaName);
    const text = `hello ${run}`;
    await sendText(abe, text);
    await openConversation(bea, abeName);
    const msg = messages(bea).locator('li.msg.in').filter({ hasText: text });
    await msg.waitFor({ timeout: T });
    found.push(...(await audit(bea, 'messenger')));

    // The report dialog, then sent (a case for the moderation queue), blocking Abe.
    await msg.getByRole('button', { name: `Report this message from ${abeName}` }).click();
    const dialog = bea.getByRole('dialog', { name: `Report a message from ${abeName}` });
    await dialog.waitFor({ timeout: T });
    found.push(...(await audit(bea, 'report dialog')));
    await dialog.getByLabel('Spam').check();
    await dialog.getByLabel(`Also block ${abeName}`).check();
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await dialog.getByText(`${abeName} is blocked`).waitFor({ timeout: T });
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Settings, with Abe in the Blocked accounts card.
    await bea.getByRole('button', { name: 'Settings' }).click();
    await bea.getByRole('list', { name: 'Blocked accounts' }).getByText(abeName).waitFor({ timeout: T });
    found.push(...(await audit(bea, 'settings')));

    // The moderation console's queue, with Bea's report in it (Abe is made a moderator).
    const abeId = (
      await server.db.kysely
        .selectFrom('accounts')
        .select('account_id')
        .where('name', '=', abeName)
        .executeTakeFirstOrThrow()
    ).account_id;
    await server.db.transaction((tx) =>
      grantStaffRole(tx, { accountId: abeId, role: 'moderator', by: null, now: Date.now() }),
    );
    await abe.goto(`${server.url}/moderation`);
    await abe.getByRole('heading', { level: 1, name: 'Moderation console' }).waitFor({ timeout: T });
    await abe.getByRole('list', { name: 'Cases' }).getByRole('button', { name: /Spam/ }).waitFor({ timeout: T });
    found.push(...(await audit(abe, 'moderation queue')));

    // The public transparency page, once it has verified the log's checkpoint.
    await first.goto(`${server.url}/transparency`);
    await first.getByTestId('checkpoint').waitFor({ timeout: T });
    await first.getByRole('heading', { level: 1 }).waitFor({ timeout: T });
    found.push(...(await audit(first, 'transparency')));

    expect(found).toEqual([]);
  }, 400_000);
});
