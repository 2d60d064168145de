/**
 * What the web app's browser tests share: a production build in a temp dir, Debian's Chromium
 * through playwright-core, screenshots at desktop and phone size, and the few messenger steps
 * every scenario takes (register, start a conversation, send, find messages). New scenarios use
 * these instead of copying them (`tests/blocks-e2e.test.ts`).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningServer, startServer } from '@fulcrum/server';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';

export const webRoot = fileURLToPath(new URL('..', import.meta.url));
export const shotsDir = join(webRoot, 'screenshots');
/** Generous: MLS in several browsers on a shared, loaded machine. */
export const T = 90_000;
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Builds the production bundle into a fresh temp dir (its path is returned). */
export async function buildWebApp(prefix: string): Promise<string> {
  await mkdir(shotsDir, { recursive: true });
  const outDir = await mkdtemp(join(tmpdir(), prefix));
  await build({ root: webRoot, configFile: join(webRoot, 'vite.config.ts'), logLevel: 'warn', build: { outDir } });
  return outDir;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.FULCRUM_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
  });
}

/** The production build served by a real server (SQLite in a temp dir) and one Chromium. */
export interface WebStack {
  server: RunningServer;
  browser: Browser;
  /** Contexts the scenario opens (`registerIn` adds to it); closed by `close`. */
  contexts: BrowserContext[];
  /** Closes the contexts, the browser and the server, and removes the build and the data. */
  close(): Promise<void>;
}

/** Builds the app, starts a server on it and launches Chromium; `name` names the temp dirs. */
export async function startWebStack(name: string): Promise<WebStack> {
  const outDir = await buildWebApp(`fulcrum-${name}-dist-`);
  const dataDir = await mkdtemp(join(tmpdir(), `fulcrum-${name}-server-`));
  const server = await startServer({
    storage: { dialect: 'sqlite', dataDir },
    host: '127.0.0.1',
    port: 0,
    webDir: outDir,
    log: { level: 'silent' },
  });
  const browser = await launchChromium();
  const contexts: BrowserContext[] = [];
  return {
    server,
    browser,
    contexts,
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      await server.close();
      await rm(outDir, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** `screenshots/<name>-desktop.png` and `-phone.png`. */
export async function shot(page: Page, name: string): Promise<void> {
  for (const [size, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: join(shotsDir, `${name}-${size}.png`), fullPage: false });
  }
  await page.setViewportSize(DESKTOP);
}

/** A new browser context (pushed to `contexts` for cleanup) registering account `name` at `url`. */
export async function registerIn(
  browser: Browser,
  contexts: BrowserContext[],
  url: string,
  name: string,
): Promise<Page> {
  const ctx = await browser.newContext({ viewport: DESKTOP });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.on('pageerror', (err) => console.error(`[${name}] page error`, err));
  await page.goto(url);
  await page.getByLabel('Account name').fill(name);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('connection').filter({ hasText: 'Online' }).waitFor({ timeout: T });
  return page;
}

export function messages(page: Page) {
  return page.getByRole('list', { name: 'Messages' });
}

/** Starts a 1:1 (or group) conversation with the named accounts and waits for it to open. */
export async function startConversation(page: Page, names: readonly string[], title: string): Promise<void> {
  await page.getByRole('button', { name: 'New conversation' }).click();
  await page.getByLabel('People (account names, comma-separated)').fill(names.join(', '));
  await page.getByRole('button', { name: 'Start conversation' }).click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor({ timeout: T });
}

/** Sends a text in the open conversation and waits until the server has it ("Sent"). */
export async function sendText(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await messages(page).locator('li.msg.out').filter({ hasText: text }).getByText('Sent').waitFor({ timeout: T });
}

/** Opens the conversation listed under `title` in the sidebar. */
export async function openConversation(page: Page, title: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: title }).first().click();
}
