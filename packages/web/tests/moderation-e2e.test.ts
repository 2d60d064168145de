/**
 * Reports, the moderation console and the transparency page end to end in Debian's Chromium
 * (playwright-core, /usr/bin/chromium) against the real server serving the real production build,
 * with a real C2SP witness cosigning the log: a message with an image is reported from the
 * messenger (category, note, context, block); a child-safety specialist in a third browser context
 * sees the case's verified metadata with the content hidden, reveals it (blurred and greyscaled; the
 * reveal is in the audit table and counted by the wellbeing aids, whose break prompt appears),
 * decides to escalate with the keyboard shortcut, and a second specialist in a fourth context
 * approves; a plain moderator's console shows no child-safety case; the public transparency page
 * verifies the witnessed checkpoint in the browser and shows the moderation.event entries.
 * Screenshots of each new screen at desktop and phone size go to packages/web/screenshots/.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { grantStaffRole, type RunningServer, type RunningWitness, startServer, startWitness } from '@fulcrum/server';
import { parseCheckpointText, parseNote } from '@fulcrum/tlog';
import { encode as encodePng } from 'fast-png';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const webRoot = fileURLToPath(new URL('..', import.meta.url));
const shotsDir = join(webRoot, 'screenshots');
const T = 90_000; // generous: MLS in several browsers on a shared, loaded machine
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const ORIGIN = 'localhost/fulcrum/log';

let outDir: string;
let dataDir: string;
let witnessDir: string;
let server: RunningServer;
let witness: RunningWitness;
let browser: Browser;
const contexts: BrowserContext[] = [];
const run = Math.random().toString(36).slice(2, 8);
/** What the appeal scenario takes over from the first one. */
let shared: { rita: Page; otto: Page; plain: Page; cs2: Page; offender: string; context: string } | undefined;

function serverConfig(witnesses: { name: string; vkey: string; url: string }[]) {
  return {
    storage: { dialect: 'sqlite' as const, dataDir },
    host: '127.0.0.1',
    port: 0,
    webDir: outDir,
    log: { level: 'silent' as const },
    transparencyLog: { origin: ORIGIN, witnesses },
  };
}

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

async function open(name: string, path = '/'): Promise<Page> {
  const ctx = await browser.newContext({ viewport: DESKTOP });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.on('pageerror', (err) => console.error(`[${name}] page error`, err));
  await page.goto(`${server.url}${path}`);
  return page;
}

async function register(name: string): Promise<Page> {
  const page = await open(name);
  await page.getByLabel('Account name').fill(name);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('connection').filter({ hasText: 'Online' }).waitFor({ timeout: T });
  return page;
}

function messages(page: Page) {
  return page.getByRole('list', { name: 'Messages' });
}

async function accountId(name: string): Promise<string> {
  const row = await server.db.kysely
    .selectFrom('accounts')
    .select('account_id')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return row.account_id;
}

async function grant(name: string, role: 'moderator' | 'child_safety'): Promise<void> {
  const id = await accountId(name);
  await server.db.transaction((tx) => grantStaffRole(tx, { accountId: id, role, by: null, now: Date.now() }));
}

function makePng(): Uint8Array {
  const width = 64;
  const height = 48;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 4) & 255;
      data[i + 1] = 200;
      data[i + 2] = (y * 5) & 255;
    }
  }
  return encodePng({ width, height, data, channels: 3, depth: 8 });
}

async function servedSize(): Promise<number> {
  const r = await fetch(`${server.url}/log/checkpoint`);
  if (r.status !== 200) return -1;
  return parseCheckpointText(parseNote(await r.text()).text).size;
}

beforeAll(async () => {
  await mkdir(shotsDir, { recursive: true });
  outDir = await mkdtemp(join(tmpdir(), 'fulcrum-modweb-dist-'));
  dataDir = await mkdtemp(join(tmpdir(), 'fulcrum-modweb-server-'));
  witnessDir = await mkdtemp(join(tmpdir(), 'fulcrum-modweb-witness-'));
  await build({ root: webRoot, configFile: join(webRoot, 'vite.config.ts'), logLevel: 'warn', build: { outDir } });
  // The witness needs the log's key and the log the witness's: start once, then restart configured.
  server = await startServer(serverConfig([]));
  const logVkey = (await (await fetch(`${server.url}/log/key`)).text()).trim();
  await server.close();
  witness = await startWitness({
    dataDir: witnessDir,
    port: 0,
    name: 'witness.example/fulcrum-e2e',
    logs: [{ origin: ORIGIN, vkey: logVkey }],
  });
  server = await startServer(serverConfig([{ name: 'e2e-witness', vkey: witness.vkey, url: witness.url }]));
  browser = await chromium.launch({
    executablePath: process.env.FULCRUM_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
  });
}, 300_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.close();
  await witness?.close();
  await rm(outDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
  await rm(witnessDir, { recursive: true, force: true });
});

describe('reports, the moderation console and the transparency page in Chromium', () => {
  it('the console and the transparency page are their own chunks; the messenger stays under 350 KB', async () => {
    const report = JSON.parse(await readFile(join(outDir, 'size-report.json'), 'utf8')) as Record<
      string,
      { gzipBytes: number; files: Record<string, number> }
    >;
    expect(report.messenger?.gzipBytes).toBeLessThan(350 * 1024);
    const messengerFiles = Object.keys(report.messenger?.files ?? {});
    expect(Object.keys(report.moderation?.files ?? {}).some((f) => /assets\/moderation-[\w-]+\.js$/.test(f))).toBe(
      true,
    );
    expect(messengerFiles.some((f) => /assets\/(moderation|transparency)-[\w-]+\.js$/.test(f))).toBe(false);
  });

  it('report → blurred case → audited reveal → escalate → second approval → public log', async () => {
    const reporter = `rita-${run}`;
    const offender = `otto-${run}`;
    const rita = await register(reporter);
    const otto = await register(offender);

    // ── Otto writes to Rita: a text, then an image ──
    await otto.getByRole('button', { name: 'New conversation' }).click();
    await otto.getByLabel('People (account names, comma-separated)').fill(reporter);
    await otto.getByRole('button', { name: 'Start conversation' }).click();
    await otto.getByRole('heading', { level: 1, name: reporter }).waitFor({ timeout: T });
    const context = `context line ${run}`;
    await otto.getByLabel('Message', { exact: true }).fill(context);
    await otto.getByRole('button', { name: 'Send', exact: true }).click();
    await messages(otto).locator('li.msg.out').filter({ hasText: context }).getByText('Sent').waitFor({ timeout: T });
    await otto
      .getByLabel('Attach files')
      .setInputFiles({ name: 'evil.png', mimeType: 'image/png', buffer: Buffer.from(makePng()) });
    await messages(otto).getByRole('img', { name: 'Image: evil.png' }).waitFor({ timeout: T });

    // ── Rita reports the image message, with one message of context, and blocks Otto ──
    await rita.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: offender }).first().click();
    const imageMsg = messages(rita)
      .locator('li.msg.in')
      .filter({ has: rita.getByRole('img', { name: 'Image: evil.png' }) });
    await imageMsg.waitFor({ timeout: T });
    await imageMsg.getByRole('button', { name: `Report this message from ${offender}` }).click();
    const dialog = rita.getByRole('dialog', { name: `Report a message from ${offender}` });
    await dialog.waitFor({ timeout: T });
    // No category yet: a sentence, not a code.
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'Choose what is wrong' }).waitFor({ timeout: T });
    await dialog.getByLabel('Child sexual exploitation').check();
    await dialog.getByLabel('Note for the moderators (optional)').fill(`note ${run}`);
    await dialog.getByLabel(/Earlier messages to include as context/).fill('1');
    await dialog.getByLabel(`Also block ${offender}`).check();
    await shot(rita, 'report-dialog');
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await dialog.getByText('Your report was received and verified (2 messages, 1 file)').waitFor({ timeout: T });
    await dialog.getByText(`${offender} is blocked`).waitFor({ timeout: T });
    await shot(rita, 'report-sent');
    await dialog.getByRole('button', { name: 'Close' }).click();
    const reportRow = await server.db.kysely.selectFrom('reports').selectAll().executeTakeFirstOrThrow();
    expect(reportRow.category).toBe('child_sexual_exploitation');

    // ── two child-safety specialists and a plain moderator, each in their own browser ──
    const cs1Name = `cs1-${run}`;
    const cs2Name = `cs2-${run}`;
    const modName = `mod-${run}`;
    const cs1 = await register(cs1Name);
    const cs2 = await register(cs2Name);
    const plain = await register(modName);
    await grant(cs1Name, 'child_safety');
    await grant(cs2Name, 'child_safety');
    await grant(modName, 'moderator');

    // A plain moderator never sees the child-safety case, and the console does not break.
    await plain.goto(`${server.url}/moderation`);
    await plain.getByText('No open cases').waitFor({ timeout: T });
    await shot(plain, 'moderation-queue-empty');

    // The first specialist: a break after every reveal (to see the prompt), then the queue.
    await cs1.goto(`${server.url}/moderation`);
    await cs1.getByRole('heading', { level: 1, name: 'Moderation console' }).waitFor({ timeout: T });
    await cs1.getByText('child-safety specialist').waitFor({ timeout: T });
    await cs1.getByRole('button', { name: 'Settings' }).click();
    await cs1.getByLabel('Suggest a break after this many reveals').fill('1');
    await cs1.getByLabel('Suggest a break after this many reveals').blur();
    await shot(cs1, 'moderation-settings');
    await cs1.getByRole('button', { name: 'Queue' }).click();
    const caseItem = cs1
      .getByRole('list', { name: 'Cases' })
      .getByRole('button', { name: /Child sexual exploitation/ });
    await caseItem.waitFor({ timeout: T });
    await shot(cs1, 'moderation-queue');
    await caseItem.click();

    // Metadata first, no pixels: no image element exists before the reveal.
    await cs1.getByRole('heading', { name: 'Verified metadata' }).waitFor({ timeout: T });
    await cs1.getByRole('table', { name: /Messages \(2\)/ }).waitFor({ timeout: T });
    expect(await cs1.locator('.mod-case img').count()).toBe(0);
    await cs1.getByText(/^Hidden\./).waitFor({ timeout: T });
    await shot(cs1, 'moderation-case-hidden');

    // Claim with the keyboard shortcut, then reveal (audited).
    await cs1.keyboard.press('c');
    await cs1.getByTestId('lease').filter({ hasText: 'Claimed by you' }).waitFor({ timeout: T });
    const reveals = () =>
      server.db.kysely
        .selectFrom('moderation_audit')
        .select(['actor_account_id', 'actor_role', 'report_id', 'log_index'])
        .where('action', '=', 'reveal')
        .execute();
    expect(await reveals()).toHaveLength(0);
    await cs1.getByRole('button', { name: 'Reveal content (recorded)' }).click();
    const img = cs1.getByRole('img', { name: 'Reported file “evil.png”' });
    await img.waitFor({ timeout: T });
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.naturalWidth), { timeout: T }).toBe(64);
    const filter = await img.evaluate((el) => getComputedStyle(el).filter);
    expect(filter).toContain('blur');
    expect(filter).toContain('grayscale');
    await cs1.getByTestId('revealed').getByText(context).waitFor({ timeout: T });
    const audit = await reveals();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor_account_id: await accountId(cs1Name),
      actor_role: 'child_safety',
      report_id: reportRow.id,
    });
    await cs1.getByTestId('exposure').filter({ hasText: '1 this session · 1 today' }).waitFor({ timeout: T });
    // The wellbeing aid: a break prompt after the (configured) one reveal.
    const prompt = cs1.getByRole('dialog', { name: 'Time for a short break' });
    await prompt.waitFor({ timeout: T });
    await shot(cs1, 'moderation-break-prompt');
    await prompt.getByRole('button', { name: 'I took a break' }).click();
    await prompt.waitFor({ state: 'hidden', timeout: T });
    await shot(cs1, 'moderation-case-revealed');
    // Clicking the image shows it clearly.
    await cs1.getByTestId('shielded-image').click();
    await expect.poll(() => img.evaluate((el) => getComputedStyle(el).filter), { timeout: T }).toBe('none');

    // Escalate with the shortcut (e): the form is preselected and the reason focused.
    await cs1.keyboard.press('e');
    await expect.poll(() => cs1.evaluate(() => document.activeElement?.id), { timeout: T }).toBe('decide-reason');
    await expect(cs1.getByLabel('NCMEC CyberTipline report').isChecked()).resolves.toBe(true);
    await cs1.keyboard.type('Apparent child sexual exploitation material, verified by franking.');
    await shot(cs1, 'moderation-decide');
    await cs1.keyboard.press('Control+Enter');
    await cs1
      .locator('.decision[data-status="awaiting_approval"]')
      .getByText('waiting for a second moderator')
      .waitFor({ timeout: T });
    await cs1.getByText('Your decision is waiting for a second moderator’s approval.').waitFor({ timeout: T });
    await cs1
      .getByTestId('authority-reports')
      .getByText('NCMEC CyberTipline report: held until a second moderator approves')
      .waitFor({ timeout: T });

    // ── the second specialist approves ──
    await cs2.goto(`${server.url}/moderation`);
    const pending = cs2
      .getByRole('list', { name: 'Cases' })
      .getByRole('button', { name: /Waiting for a second approval/ });
    await pending.waitFor({ timeout: T });
    await pending.click();
    await cs2.getByRole('heading', { name: /Second approval/ }).waitFor({ timeout: T });
    expect(await cs2.locator('.mod-case img').count()).toBe(0);
    await cs2.getByLabel('Reason for your approval or rejection').fill('Agree: report to NCMEC.');
    await shot(cs2, 'moderation-approve');
    await cs2.getByRole('button', { name: 'Approve', exact: true }).click();
    await cs2.locator('.decision[data-status="effective"]').getByText('approved by you').waitFor({ timeout: T });
    const decision = await server.db.kysely.selectFrom('moderation_decisions').selectAll().executeTakeFirstOrThrow();
    expect(decision.status).toBe('effective');
    expect(decision.action).toBe('escalate');
    expect(decision.approved_by).toBe(await accountId(cs2Name));
    // The authority report the approved escalation produced, as the server lists it (no destination is
    // configured here, and this test server has no platform details for a CyberTipline report).
    const built = await server.db.kysely
      .selectFrom('authority_reports')
      .select(['kind', 'build_error'])
      .where('report_id', '=', reportRow.id)
      .execute();
    expect(built.map((r) => r.kind)).toEqual(['cybertipline']);
    await cs2
      .getByTestId('authority-reports')
      .getByText(
        built[0]?.build_error === null
          ? /NCMEC CyberTipline report: built/
          : `NCMEC CyberTipline report: could not be built (${built[0]?.build_error})`,
      )
      .waitFor({ timeout: T });
    // A case decided only by an escalation may get one sanction: the form offers only those.
    await cs2.getByRole('heading', { name: 'Add a sanction' }).waitFor({ timeout: T });
    expect(await cs2.getByLabel('Dismiss (d)').count()).toBe(0);
    await cs2.getByLabel('Ban (b) — needs approval').waitFor({ timeout: T });
    await shot(cs2, 'moderation-approved');

    // ── the public transparency page: the witnessed checkpoint covers the approval ──
    const lastEvent = await server.db.kysely
      .selectFrom('moderation_audit')
      .select((eb) => eb.fn.max('log_index').as('max'))
      .executeTakeFirstOrThrow();
    const needed = Number(lastEvent.max) + 1;
    await expect.poll(servedSize, { timeout: T, interval: 250 }).toBeGreaterThanOrEqual(needed);
    const pub = await open('public', '/transparency');
    await pub.getByTestId('checkpoint').getByText('cosigned by 1 witness').waitFor({ timeout: T });
    await pub.getByRole('cell', { name: '✓ verified' }).waitFor({ timeout: T });
    await pub
      .getByTestId('entries')
      .getByText(/reproduce the checkpoint’s root hash/)
      .waitFor({ timeout: T });
    const kinds = pub.getByRole('img', { name: /moderation\.event: \d+/ });
    await kinds.waitFor({ timeout: T });
    const label = (await kinds.getAttribute('aria-label')) ?? '';
    expect(Number(/moderation\.event: (\d+)/.exec(label)?.[1])).toBeGreaterThanOrEqual(4); // claim, reveal, decide, approve
    await pub.getByRole('img', { name: /reveal by child_safety: 1/ }).waitFor({ timeout: T });
    await pub.getByTestId('policy').getByText(`witness e2e-witness ${witness.vkey}`).waitFor({ timeout: T });
    await shot(pub, 'transparency');
    // Nothing of the report reached the public log page.
    const html = await pub.content();
    expect(html).not.toContain(reportRow.id);
    expect(html).not.toContain(context);
    shared = { rita, otto, plain, cs2, offender, context };
  }, 900_000);

  it('a warning reaches the affected person with its reason; they appeal; another moderator overturns it', async () => {
    if (shared === undefined) throw new Error('needs the first scenario');
    const { rita, otto, plain, cs2, offender, context } = shared;
    // Rita reports Otto's earlier text as harassment (another message: not a replay).
    await rita.goto(`${server.url}/`);
    await rita.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: offender }).first().click();
    const textMsg = messages(rita).locator('li.msg.in').filter({ hasText: context });
    await textMsg.getByRole('button', { name: `Report this message from ${offender}` }).click();
    const dialog = rita.getByRole('dialog', { name: `Report a message from ${offender}` });
    await dialog.getByLabel('Harassment or bullying').check();
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await dialog.getByText('Your report was received and verified (1 message)').waitFor({ timeout: T });

    // The plain moderator warns (claim with the button, decide with the form).
    await plain.reload();
    const item = plain.getByRole('list', { name: 'Cases' }).getByRole('button', { name: /Harassment or bullying/ });
    await item.waitFor({ timeout: T });
    await item.click();
    await plain.getByRole('button', { name: 'Claim case' }).click();
    await plain.getByTestId('lease').filter({ hasText: 'Claimed by you' }).waitFor({ timeout: T });
    await plain.getByLabel('Warn (w)').check();
    const reason = `Insulting messages ${run}.`;
    await plain.getByLabel('Reason (the affected person is told it)').fill(reason);
    await plain.getByRole('button', { name: 'Record decision' }).click();
    await plain.locator('.decision[data-status="effective"]').getByText(reason).waitFor({ timeout: T });

    // Otto sees the notice with its reason (notices load with the messenger) and appeals.
    await otto.reload();
    const notices = otto.getByRole('region', { name: 'Notices from the moderators' });
    await notices.getByRole('heading', { name: 'Moderation decision: Warning' }).waitFor({ timeout: T });
    await notices.getByText(reason).waitFor({ timeout: T });
    await notices.getByRole('button', { name: 'Appeal' }).click();
    await notices.getByLabel('Why is this decision wrong?').fill('It was a joke between friends.');
    await shot(otto, 'moderation-notice-appeal');
    await notices.getByRole('button', { name: 'Send appeal' }).click();
    await notices.getByText('Your appeal was sent.').waitFor({ timeout: T });

    // The moderator who decided cannot judge the appeal; the second specialist overturns it.
    await plain.getByRole('button', { name: 'Appeals' }).click();
    await plain.getByText('You took or approved this decision').waitFor({ timeout: T });
    await cs2.getByRole('button', { name: 'Appeals' }).click();
    const appeal = cs2.getByRole('article', { name: /Appeal against: Warning/ });
    await appeal.getByText('It was a joke between friends.').waitFor({ timeout: T });
    await appeal.getByLabel('Reason for the outcome').fill('Context shows banter; warning lifted.');
    await shot(cs2, 'moderation-appeals');
    await appeal.getByRole('button', { name: 'Overturn it' }).click();
    await cs2.getByText('No open appeals.').waitFor({ timeout: T });
    const decided = await server.db.kysely.selectFrom('moderation_appeals').selectAll().executeTakeFirstOrThrow();
    expect(decided.status).toBe('overturned');

    // Otto is told the outcome.
    await otto.reload();
    await otto
      .getByRole('region', { name: 'Notices from the moderators' })
      .getByRole('heading', { name: 'Moderation decision: Appeal accepted: the decision was lifted' })
      .waitFor({ timeout: T });
  }, 900_000);
});
