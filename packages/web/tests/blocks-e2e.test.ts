/**
 * Blocked accounts in the web app, end to end in Debian's Chromium (playwright-core,
 * /usr/bin/chromium) against the real server (SQLite) serving the real production build: Bea
 * blocks Abe from the report dialog; Settings › Blocked accounts lists him; what he sends while
 * blocked never reaches her; she unblocks him there (the list empties, a status says so), and his
 * next message reaches her in the same conversation. The server's `blocks` table is checked at
 * each step. Screenshots of the list at desktop and phone size go to packages/web/screenshots/.
 */
import type { RunningServer } from '@fulcrum/server';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  messages,
  openConversation,
  registerIn,
  sendText,
  shot,
  startConversation,
  T,
  type WebStack,
  startWebStack,
} from './browser-harness.js';

let stack: WebStack;
let server: RunningServer;
let browser: Browser;
let contexts: BrowserContext[];
const run = Math.random().toString(36).slice(2, 8);

async function blockRows(): Promise<number> {
  return (await server.db.kysely.selectFrom('blocks').selectAll().execute()).length;
}

beforeAll(async () => {
  stack = await startWebStack('blocksweb');
  ({ server, browser, contexts } = stack);
}, 300_000);

afterAll(() => stack?.close());

describe('blocked accounts in Chromium', () => {
  it('block from a report, see the list in Settings, unblock, receive again', async () => {
    const beaName = `bea-${run}`;
    const abeName = `abe-${run}`;
    const bea = await registerIn(browser, contexts, server.url, beaName);
    const abe = await registerIn(browser, contexts, server.url, abeName);

    // Abe writes to Bea.
    await startConversation(abe, [beaName], beaName);
    const first = `hello ${run}`;
    await sendText(abe, first);

    // Bea reports it as spam and blocks Abe.
    await openConversation(bea, abeName);
    const msg = messages(bea).locator('li.msg.in').filter({ hasText: first });
    await msg.waitFor({ timeout: T });
    await msg.getByRole('button', { name: `Report this message from ${abeName}` }).click();
    const dialog = bea.getByRole('dialog', { name: `Report a message from ${abeName}` });
    await dialog.getByLabel('Spam').check();
    await dialog.getByLabel(`Also block ${abeName}`).check();
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await dialog.getByText(`${abeName} is blocked`).waitFor({ timeout: T });
    await dialog.getByText('You can unblock them in Settings.').waitFor({ timeout: T });
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(await blockRows()).toBe(1);

    // Settings › Blocked accounts lists him.
    await bea.getByRole('button', { name: 'Settings' }).click();
    const list = bea.getByRole('list', { name: 'Blocked accounts' });
    await list.getByText(abeName).waitFor({ timeout: T });
    await shot(bea, 'settings-blocked-accounts');

    // While blocked, Abe's message is sent (he is not told) but never reaches Bea.
    const withheld = `while blocked ${run}`;
    await sendText(abe, withheld);

    // Bea unblocks him from the list.
    await list.getByRole('button', { name: `Unblock ${abeName}` }).click();
    await bea
      .getByRole('status')
      .filter({ hasText: `${abeName} is unblocked` })
      .waitFor({ timeout: T });
    await list.getByText('You have not blocked anyone.').waitFor({ timeout: T });
    expect(await blockRows()).toBe(0);
    await shot(bea, 'settings-unblocked');

    // His next message reaches her; the withheld one never does.
    const after = `after unblock ${run}`;
    await sendText(abe, after);
    await openConversation(bea, abeName);
    await messages(bea).locator('li.msg.in').filter({ hasText: after }).waitFor({ timeout: T });
    expect(await messages(bea).locator('li.msg.in').filter({ hasText: withheld }).count()).toBe(0);
  }, 300_000);
});
