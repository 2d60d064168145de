/**
 * `fulcrum demo`: a full scenario on a throw-away server. Three users in a group exchange text and
 * an attachment, one is removed; the demo prints what each saw, what the server stored (ciphertext
 * only: it searches every byte the server wrote for each plaintext), and shows the removed member
 * failing to decrypt a later message even with every key her device holds.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClientStore, FulcrumClient, type MessageRecord, TABLES } from '@fulcrum/client';
import { NodeTransport, SqliteClientStore } from '@fulcrum/client-node';
import { isFulcrumError } from '@fulcrum/common';
import { createMlsClient, decodeGroupState } from '@fulcrum/e2ee';
import { startServer } from '@fulcrum/server';
import type { Command } from 'commander';

interface DemoUser {
  name: string;
  client: FulcrumClient;
  store: ClientStore;
  inbox: MessageRecord[];
}

export interface DemoOptions {
  /** Keep the server's and the users' data in this directory instead of deleting it. */
  keep?: string;
  write?: (line: string) => void;
}

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

function describeContent(m: MessageRecord): string {
  switch (m.content.type) {
    case 'text':
      return `"${m.content.text}"`;
    case 'attachment':
      return `file ${m.content.name} (${m.content.size} bytes, ${m.content.mediaType})`;
    case 'rename':
      return `renamed the group to "${m.content.name}"`;
    case 'leave':
      return 'left';
  }
}

/** Runs the scenario; returns a summary the tests check. */
export async function runDemo(options: DemoOptions = {}): Promise<{
  plaintextHitsInServerData: number;
  serverBytesScanned: number;
  removedMemberDecryptError: string;
  delivered: Record<string, string[]>;
}> {
  const say = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const root = options.keep ?? (await mkdtemp(join(tmpdir(), 'fulcrum-demo-')));
  const serverDir = join(root, 'server');
  const server = await startServer({
    storage: { dialect: 'sqlite', dataDir: serverDir },
    host: '127.0.0.1',
    port: 0,
    log: { level: 'silent' },
  });
  const users: DemoUser[] = [];
  try {
    say(`▶ A Fulcrum server is running at ${server.url} on SQLite in ${serverDir}`);
    for (const name of ['alice', 'bob', 'carol']) {
      const store = new SqliteClientStore(join(root, name));
      const client = await FulcrumClient.open({ store, transport: new NodeTransport(server.url) });
      const user: DemoUser = { name, client, store, inbox: [] };
      client.on('message', (e) => {
        if (e.message.direction === 'in') user.inbox.push(e.message);
      });
      const self = await client.register(name);
      say(`  ${name} registered: account ${self.accountId}, device ${self.deviceId}`);
      users.push(user);
    }
    const [alice, bob, carol] = users as [DemoUser, DemoUser, DemoUser];
    const syncAll = () => Promise.all(users.map((u) => u.client.sync()));

    say('\n▶ alice creates the group "weekend trip" with bob and carol (MLS, one leaf per device)');
    const group = await alice.client.createConversation({ members: ['bob', 'carol'], name: 'weekend trip' });
    await syncAll();
    for (const u of users) {
      const c = await u.client.conversation(group.groupId);
      say(`  ${u.name} sees "${c.name}" at epoch ${c.epoch} with ${c.members.map((m) => m.name).join(', ')}`);
    }

    say('\n▶ messages and an attachment (encrypted on the device with a fresh per-file key)');
    const texts = {
      alice: 'Train leaves at 9:40 from platform 4',
      bob: 'I will bring the tent and the stove',
      afterRemoval: 'Change of plan: we meet at the lake house',
    };
    const attachment = new TextEncoder().encode(
      '# Packing list\n- tent\n- stove\n- maps of the lake trail\n(secret: the spare key is under the blue pot)\n',
    );
    await alice.client.sendText(group.groupId, texts.alice);
    await bob.client.sendText(group.groupId, texts.bob);
    await carol.client.sendAttachment(group.groupId, {
      data: attachment,
      name: 'packing-list.md',
      mediaType: 'text/markdown',
    });
    await syncAll();
    for (const u of users) {
      for (const m of u.inbox.splice(0)) say(`  ${u.name} received from ${m.sender.name}: ${describeContent(m)}`);
    }
    const fileMessage = (await bob.client.history(group.groupId)).find((m) => m.content.type === 'attachment');
    if (fileMessage?.content.type === 'attachment') {
      const data = await bob.client.fetchAttachment(fileMessage.content);
      const same =
        createHash('sha256').update(data).digest('hex') === createHash('sha256').update(attachment).digest('hex');
      say(`  bob downloaded and decrypted the attachment: ${data.length} bytes, identical to carol's file: ${same}`);
    }

    say('\n▶ alice removes carol; the commit carries a fresh path, so the next epoch is unknown to carol');
    const carolStateBefore = await carol.store.get(TABLES.groupState, group.groupId);
    await alice.client.removeMembers(group.groupId, ['carol']);
    await alice.client.sendText(group.groupId, texts.afterRemoval);
    // The ciphertext as the server holds it, queued for bob's device (before bob fetches it).
    const bobDevice = bob.client.self?.deviceId ?? '';
    const queued = await server.db.kysely
      .selectFrom('queue_items')
      .select(['kind', 'payload'])
      .where('device_id', '=', bobDevice)
      .orderBy('seq')
      .execute();
    const commit = queued.filter((q) => q.kind === 'commit').at(-1)?.payload;
    const ciphertext = queued.filter((q) => q.kind === 'application').at(-1)?.payload;
    await syncAll();
    for (const u of users) {
      for (const m of u.inbox.splice(0)) say(`  ${u.name} received from ${m.sender.name}: ${describeContent(m)}`);
    }
    const carolNow = await carol.client.listConversations();
    say(`  carol's device now lists ${carolNow.length} conversation(s); the server routes nothing more to her`);

    // Cryptographic check: carol's device, with the group state it held before the removal (all
    // its keys), processes the removal commit and then tries the later message.
    let removedMemberDecryptError = 'decrypted (this would be a security failure)';
    if (carolStateBefore && commit && ciphertext) {
      const mls = await createMlsClient({ directory: { isDeviceListed: async () => true } });
      const before = decodeGroupState(carolStateBefore);
      const attempt = async (label: string, f: () => Promise<unknown>): Promise<string> => {
        try {
          await f();
          say(`  ${label}: accepted`);
          return 'accepted';
        } catch (err) {
          const code = isFulcrumError(err) ? err.code : String(err);
          say(`  ${label}: refused (${code})`);
          return code;
        }
      };
      let after: Awaited<ReturnType<typeof mls.processMessage>> | undefined;
      await attempt("carol's old state processes the removal commit", async () => {
        after = await mls.processMessage(before, commit);
      });
      if (after !== undefined) {
        say(
          `  → carol's group state is now ${after.group.isActive ? 'ACTIVE (security failure)' : 'inactive: she was removed'}`,
        );
        const code = await attempt('carol (after the commit) decrypts the new message', () =>
          mls.processMessage((after as { group: typeof before }).group, ciphertext),
        );
        if (code !== 'accepted') removedMemberDecryptError = code;
      }
      const code = await attempt('carol (with her pre-removal state) decrypts the new message', () =>
        mls.processMessage(before, ciphertext),
      );
      say('  (packages/e2ee tests check the same below the facade, on raw ts-mls: 1.6.4 refuses, 1.6.2 leaked)');
      if (code === 'accepted') removedMemberDecryptError = 'decrypted (this would be a security failure)';
      else if (removedMemberDecryptError.startsWith('decrypted')) removedMemberDecryptError = code;
    }

    say('\n▶ what the server stored');
    const counts: string[] = [];
    for (const table of [
      'accounts',
      'devices',
      'key_packages',
      'groups',
      'group_members',
      'queue_items',
      'attachments',
    ] as const) {
      const row = await server.db.kysely
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      counts.push(`${table}=${Number(row.n)}`);
    }
    say(`  rows: ${counts.join(', ')}`);
    if (ciphertext) {
      say(
        `  the last message as stored (first 32 of ${ciphertext.length} bytes): ${Buffer.from(ciphertext.subarray(0, 32)).toString('hex')}…`,
      );
    }
    const files = await filesUnder(serverDir);
    let scanned = 0;
    let hits = 0;
    const needles = [...Object.values(texts), 'spare key is under the blue pot', 'weekend trip'].map((t) =>
      Buffer.from(t),
    );
    for (const f of files) {
      const bytes = await readFile(f);
      scanned += bytes.length;
      for (const n of needles) if (bytes.includes(n)) hits++;
    }
    say(
      `  searched all ${files.length} files the server wrote (${scanned} bytes: database, WAL, blobs) for the ${needles.length} plaintexts and the group name: ${hits} found`,
    );
    const delivered: Record<string, string[]> = {};
    for (const u of users) {
      delivered[u.name] = (await u.client.history(group.groupId).catch(() => [])).map(describeContent);
    }
    say('\n✔ demo finished');
    return { plaintextHitsInServerData: hits, serverBytesScanned: scanned, removedMemberDecryptError, delivered };
  } finally {
    for (const u of users) await u.client.close().catch(() => {});
    await server.close();
    if (options.keep === undefined) await rm(root, { recursive: true, force: true });
    else if (await stat(root).catch(() => undefined)) say(`(data kept in ${root})`);
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'play a full scenario on a temporary server: a group, messages, a file, a removal, and what the server stored',
    )
    .option('--keep <dir>', 'keep the server and device data in this (new) directory')
    .action(async (opts: { keep?: string }) => {
      const result = await runDemo(opts.keep === undefined ? {} : { keep: opts.keep });
      if (result.plaintextHitsInServerData !== 0) process.exitCode = 1;
    });
}
