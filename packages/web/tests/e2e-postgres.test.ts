/**
 * The "server never receives plaintext" check on the PostgreSQL dialect (e2e.test.ts runs the full
 * journey on SQLite): two browsers in Chromium exchange text and an image through the real server
 * on a fresh PostgreSQL schema serving the production build; then every row of every table in that
 * schema (attachment blobs live in a chunked table in this mode) is read back, and none holds the
 * typed text or the image bytes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pgConnectionConfig } from '@fulcrum/server';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { encode as encodePng } from 'fast-png';
import pg from 'pg';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const webRoot = fileURLToPath(new URL('..', import.meta.url));
const T = 90_000;
const run = Math.random().toString(36).slice(2, 8);
let outDir: string;
let platform: TestPlatform;
let browser: Browser;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'fulcrum-web-dist-'));
  await build({ root: webRoot, configFile: join(webRoot, 'vite.config.ts'), logLevel: 'warn', build: { outDir } });
  platform = await startTestPlatform({ dialect: 'postgres', server: { webDir: outDir } });
  browser = await chromium.launch({
    executablePath: process.env.FULCRUM_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await platform?.close();
  await rm(outDir, { recursive: true, force: true });
});

async function register(name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${platform.url}/`);
  await page.getByLabel('Account name').fill(name);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('connection').filter({ hasText: 'Online' }).waitFor({ timeout: T });
  return page;
}

function contains(hay: Buffer, needle: Uint8Array): boolean {
  return hay.indexOf(Buffer.from(needle)) !== -1;
}

describe('no plaintext on the server (PostgreSQL)', () => {
  it('stores none of the typed text or image bytes of a browser conversation', async () => {
    const width = 40;
    const height = 30;
    const pixels = new Uint8Array(width * height * 3).map((_, i) => (i * 7 + run.charCodeAt(i % run.length)) & 255);
    const image = encodePng({ width, height, data: pixels, channels: 3, depth: 8 });
    const text = `postgres secret pumpernickel-${run}`;

    const alice = await register(`pa-${run}`);
    const bob = await register(`pb-${run}`);
    await alice.getByRole('button', { name: 'New conversation' }).click();
    await alice.getByLabel('People (account names, comma-separated)').fill(`pb-${run}`);
    await alice.getByRole('button', { name: 'Start conversation' }).click();
    await alice.getByRole('heading', { level: 1, name: `pb-${run}` }).waitFor({ timeout: T });
    await alice.getByLabel('Message', { exact: true }).fill(text);
    await alice.getByRole('button', { name: 'Send', exact: true }).click();
    await alice
      .getByLabel('Attach files')
      .setInputFiles({ name: 'pg.png', mimeType: 'image/png', buffer: Buffer.from(image) });
    await bob
      .getByRole('navigation', { name: 'Conversations' })
      .getByRole('link', { name: `pa-${run}` })
      .click();
    const list = bob.getByRole('list', { name: 'Messages' });
    await list.getByText(text).waitFor({ timeout: T });
    const img = list.getByRole('img', { name: 'Image: pg.png' });
    await img.waitFor({ timeout: T });
    await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.naturalWidth), { timeout: T }).toBe(width);

    // Everything the server stored, row by row, as bytes.
    const storage = platform.storage;
    if (storage.dialect !== 'postgres') throw new Error('expected PostgreSQL');
    const schema = storage.schema as string;
    const client = new pg.Client(pgConnectionConfig(storage.url));
    await client.connect();
    const dump: Buffer[] = [];
    try {
      const tables = await client.query<{ table_name: string }>(
        'select table_name from information_schema.tables where table_schema = $1',
        [schema],
      );
      expect(tables.rows.length).toBeGreaterThan(5);
      for (const { table_name } of tables.rows) {
        const rows = await client.query(`select * from "${schema}"."${table_name}"`);
        for (const row of rows.rows as Record<string, unknown>[]) {
          for (const v of Object.values(row)) {
            if (Buffer.isBuffer(v)) dump.push(v);
            else if (typeof v === 'string') dump.push(Buffer.from(v, 'utf8'));
            else if (v !== null && v !== undefined) dump.push(Buffer.from(JSON.stringify(v), 'utf8'));
          }
        }
      }
    } finally {
      await client.end();
    }
    const all = Buffer.concat(dump);
    const enc = new TextEncoder();
    for (const needle of [
      enc.encode(text),
      enc.encode(`pumpernickel-${run}`),
      image,
      image.subarray(8, 56),
      image.subarray(image.length >> 1, (image.length >> 1) + 48),
    ]) {
      expect(contains(all, needle)).toBe(false);
    }
    // Positive control: the scan does find what is stored in clear (the account names).
    expect(contains(all, enc.encode(`pa-${run}`))).toBe(true);
  }, 600_000);
});
