/**
 * Blocked accounts in the web app, end to end in Debian's Chromium (playwright-core,
 * /usr/bin/chromium) against the real server (SQLite) serving the real production build: Bea
 * blocks Abe from the report dialog; Settings › Blocked accounts lists him; what he sends while
 * blocked never reaches her; she unblocks him there (the list empties, a status says so), and his
 * next message reaches her in the same conversation. The server's `blocks` table is checked at
 * each step. Screenshots of the list at desktop and phone size go to packages/web/screenshots/.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningServer, startServer } from '@fulcrum/server';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const webRoot = fileURLToPath(new URL('..', import.meta.url));
const shotsDir = join(webRoot, 'screenshots');
const T = 90_000; // generous: MLS in two browsers on a shared, loaded machine
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let outDir: string;
let dataDir: string;
let server: RunningServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const run = Math.random().toString(36).slice(2, 8);

async function shot(page: Page, name: string): Promise<void> {
  for (const [size, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: join(shotsDir, `${name}-${size}.png`), fullPage: false });
  }
  await page.setViewportSize(DESKTOP);
}

async function register(name: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: DESKTOP });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.on('pageerror', (err) => console.error(`[${name}] page error`, err));
  await page.goto(server.url);
  await page.getByLabel('Account name').fill(name);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('connection').filter({ hasText: 'Online' }).waitFor({ timeout: T });
  return page;
}

function messages(page: Page) {
  return page.getByRole('list', { name: 'Messages' });
}

async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await messages(page).locator('li.msg.out').filter({ hasText: text }).getByText('Sent').waitFor({ timeout: T });
}

async function blockRows(): Promise<number> {
  return (await server.db.kysely.selectFrom('blocks').selectAll().execute()).length;
}

beforeAll(async () => {
  await mkdir(shotsDir, { recursive: true });
  outDir = await mkdtemp(join(tmpdir(), 'fulcrum-blocksweb-dist-'));
  dataDir = await mkdtemp(join(tmpdir(), 'fulcrum-blocksweb-server-'));
  await build({ root: webRoot, configFile: join(webRoot, 'vite.config.ts'), logLevel: 'warn', build: { outDir } });
  server = await startServer({
    storage: { dialect: 'sqlite', dataDir },
    host: '127.0.0.1',
    port: 0,
    webDir: outDir,
    log: { level: 'silent' },
  });
  browser = await chromium.launch({
    executablePath: process.env.FULCRUM_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
  });
}, 300_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.close();
  await rm(outDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

describe('blocked accounts in Chromium', () => {
  it('block from a report, see the list in Settings, unblock, receive again', async () => {
    const beaName = `bea-${run}`;
    const abeName = `abe-${run}`;
    const bea = await register(beaName);
    const abe = await register(abeName);

    // Abe writes to Bea.
    await abe.getByRole('button', { name: 'New conversation' }).click();
    await abe.getByLabel('People (account names, comma-separated)').fill(beaName);
    await abe.getByRole('button', { name: 'Start conversation' }).click();
    await abe.getByRole('heading', { level: 1, name: beaName }).waitFor({ timeout: T });
    const first = `hello ${run}`;
    await send(abe, first);

    // Bea reports it as spam and blocks Abe.
    await bea.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: abeName }).first().click();
    const msg = messages(bea).locator('li.msg.in').filter({ hasText: first });
    await msg.waitFor({ timeout: T });
    await msg.getByRole('button', { name: `Report this message from ${abeName}` }).click();
    const dialog = bea.getByRole('dialog', { name: `Report a message from ${abeName}` });
    await dialog.getByLabel('Spam').check();
    await dialog.getByLabel(`Also block ${abeName}`).check();
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await dialog.getByText(`${abeName} is blocked`).waitFor({ timeout: T });
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(await blockRows()).toBe(1);

    // Settings › Blocked accounts lists him.
    await bea.getByRole('button', { name: 'Settings' }).click();
    const list = bea.getByRole('list', { name: 'Blocked accounts' });
    await list.getByText(abeName).waitFor({ timeout: T });
    await shot(bea, 'settings-blocked-accounts');

    // While blocked, Abe's message is sent (he is not told) but never reaches Bea.
    const withheld = `while blocked ${run}`;
    await send(abe, withheld);

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
    await send(abe, after);
    await bea.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: abeName }).first().click();
    await messages(bea).locator('li.msg.in').filter({ hasText: after }).waitFor({ timeout: T });
    expect(await messages(bea).locator('li.msg.in').filter({ hasText: withheld }).count()).toBe(0);
  }, 300_000);
});
