/**
 * The client commands: register, devices and linking, conversations, send, inbox and listen.
 * Every command takes `--server`, `--data` and `--json` (see client-context.ts).
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FulcrumClient, MessageRecord } from '@fulcrum/client';
import { saveAttachment, sendFile } from '@fulcrum/client-node';
import { FulcrumError } from '@fulcrum/common';
import type { Command } from 'commander';
import {
  type ClientFlags,
  conversationLine,
  messageJson,
  messageLine,
  output,
  requireRegistered,
  resolveConversation,
  withClient,
  withClientOptions,
  withConversation,
} from '../client-context.js';

const list = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

/** Saves an incoming attachment into `dir` under a name that never overwrites an existing file. */
async function saveInto(client: FulcrumClient, message: MessageRecord, dir: string): Promise<string | undefined> {
  if (message.content.type !== 'attachment') return undefined;
  await mkdir(dir, { recursive: true });
  const base = message.content.name;
  for (let i = 0; ; i++) {
    const candidate = join(dir, i === 0 ? base : `${i}-${base}`);
    const exists = await stat(candidate).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await saveAttachment(client, message.content, candidate);
      return candidate;
    }
  }
}

export function registerClientCommands(program: Command): void {
  withClientOptions(program.command('register'))
    .description('create an account with this device as its first device')
    .requiredOption('--name <name>', 'account name: 3-32 of a-z 0-9 _ . - (starting with a letter or digit)')
    .action(async (opts: ClientFlags & { name: string }) => {
      const out = output(opts);
      await withClient(opts, async (client) => {
        const self = await client.register(opts.name);
        out.emit(self, `registered ${self.name}: account ${self.accountId}, device ${self.deviceId}`);
      });
    });

  withClientOptions(program.command('whoami'))
    .description('show the account and device in --data')
    .action(async (opts: ClientFlags) => {
      const out = output(opts);
      await withClient(opts, async (client) => {
        const self = requireRegistered(client);
        out.emit(self, `${self.name}: account ${self.accountId}, device ${self.deviceId}`);
      });
    });

  const devices = withClientOptions(program.command('devices'))
    .description("list an account's devices (yours by default)")
    .option('--account <name>', 'another account, by name')
    .action(async (opts: ClientFlags & { account?: string }) => {
      const out = output(opts);
      await withClient(opts, async (client) => {
        requireRegistered(client);
        const list = await client.listDevices(opts.account);
        if (out.json) out.emit(list, '');
        else
          for (const d of list) {
            const state = d.revokedAt === undefined ? 'active' : `revoked ${new Date(d.revokedAt).toISOString()}`;
            out.emit(
              d,
              `${d.deviceId}  added ${new Date(d.createdAt).toISOString()}  ${state}${d.current ? '  (this device)' : ''}`,
            );
          }
      });
    });

  withClientOptions(devices.command('revoke'))
    .description('revoke one of your devices: it can no longer act and is removed from every conversation')
    .argument('<deviceId>')
    .action(async (deviceId: string, opts: ClientFlags) => {
      const out = output(opts);
      await withClient(opts, async (client) => {
        requireRegistered(client);
        await client.revokeDevice(deviceId);
        out.emit({ revoked: deviceId }, `revoked ${deviceId}`);
      });
    });

  withClientOptions(devices.command('link-request'))
    .description('on a NEW device (empty --data): make keys and print a link request for an existing device')
    .action(async (opts: ClientFlags) => {
      const out = output(opts);
      await withClient(opts, async (client) => {
        const request = await client.createLinkRequest();
        out.emit(
          { linkRequest: request },
          `link request (run \`fulcrum devices approve <request>\` on a device of the account):\n${request}`,
        );
      });
    });

  withClientOptions(devices.command('approve'))
    .description('on the device holding the account key: certify a new device from its link request')
    .argument('<linkRequest>')
    .action(async (linkRequest: string, opts: ClientFlags) => {
      const out = output(opts);
      await withClient(opts, async (client) => {
        requireRegistered(client);
        const result = await client.certifyDevice(linkRequest);
        out.emit(
          result,
          `certified device ${result.deviceId}; on the new device run:\nfulcrum devices link-complete ${result.certificate}`,
        );
      });
    });

  withClientOptions(devices.command('link-complete'))
    .description('on the NEW device: finish linking with the certificate printed by `devices approve`')
    .argument('<certificate>')
    .action(async (certificate: string, opts: ClientFlags) => {
      const out = output(opts);
      await withClient(opts, async (client) => {
        const self = await client.completeLink(certificate);
        out.emit(self, `linked: ${self.name}, device ${self.deviceId}`);
      });
    });

  withClientOptions(program.command('create-group'))
    .description('start a conversation (a 1:1 is a group with one other account)')
    .option('--name <name>', 'display name (end-to-end encrypted)')
    .option('--members <names>', 'comma-separated account names', list, [])
    .action(async (opts: ClientFlags & { name?: string; members: string[] }) => {
      const out = output(opts);
      await withClient(opts, async (client) => {
        requireRegistered(client);
        const c = await client.createConversation({
          members: opts.members,
          ...(opts.name === undefined ? {} : { name: opts.name }),
        });
        out.emit(c, conversationLine(c));
      });
    });

  withClientOptions(program.command('groups'))
    .description('list the conversations of this device')
    .action(async (opts: ClientFlags) => {
      const out = output(opts);
      await withClient(opts, async (client) => {
        requireRegistered(client);
        await client.sync();
        for (const c of await client.listConversations()) out.emit(c, conversationLine(c));
      });
    });

  withClientOptions(program.command('add'))
    .description('add accounts (all their devices) to a conversation')
    .argument('<conversation>', 'group id or name')
    .argument('<names...>', 'account names')
    .action(async (ref: string, names: string[], opts: ClientFlags) => {
      const out = output(opts);
      await withConversation(opts, ref, async (client, conversation) => {
        const c = await client.addMembers(conversation.groupId, names);
        out.emit(c, conversationLine(c));
      });
    });

  withClientOptions(program.command('remove'))
    .description('remove accounts (all their devices) from a conversation')
    .argument('<conversation>', 'group id or name')
    .argument('<names...>', 'account names')
    .action(async (ref: string, names: string[], opts: ClientFlags) => {
      const out = output(opts);
      await withConversation(opts, ref, async (client, conversation) => {
        const c = await client.removeMembers(conversation.groupId, names);
        out.emit(c, conversationLine(c));
      });
    });

  withClientOptions(program.command('leave'))
    .description('leave a conversation')
    .argument('<conversation>', 'group id or name')
    .action(async (ref: string, opts: ClientFlags) => {
      const out = output(opts);
      await withConversation(opts, ref, async (client, c) => {
        await client.leave(c.groupId);
        out.emit({ left: c.groupId }, `left ${c.name ?? c.groupId}`);
      });
    });

  withClientOptions(program.command('rename'))
    .description('rename a conversation (the name is end-to-end encrypted)')
    .argument('<conversation>', 'group id or name')
    .argument('<name>')
    .action(async (ref: string, name: string, opts: ClientFlags) => {
      const out = output(opts);
      await withConversation(opts, ref, async (client, c) => {
        await client.rename(c.groupId, name);
        out.emit({ groupId: c.groupId, name }, `renamed ${c.groupId} to "${name}"`);
      });
    });

  withClientOptions(program.command('send'))
    .description('send a text message and/or files to a conversation')
    .argument('<conversation>', 'group id or name')
    .argument('[text...]', 'the message text')
    .option('--file <path>', 'attach a file (repeatable)', (v: string, prev: string[] = []) => [...prev, v], [])
    .action(async (ref: string, words: string[], opts: ClientFlags & { file: string[] }) => {
      const out = output(opts);
      const text = words.join(' ');
      if (text === '' && opts.file.length === 0) {
        throw new FulcrumError('cli.nothing_to_send', 'give a text, or --file PATH');
      }
      await withConversation(opts, ref, async (client, c) => {
        const receipts = [];
        if (text !== '') receipts.push(await client.sendText(c.groupId, text));
        for (const path of opts.file) receipts.push(await sendFile(client, c.groupId, path));
        for (const r of receipts) {
          out.emit(
            {
              groupId: r.groupId,
              clientMessageId: r.clientMessageId,
              status: r.status,
              serverSeq: r.message.serverSeq,
            },
            `${r.status === 'sent' ? 'sent' : 'queued (will be sent on the next sync)'}: ${messageLine(r.message, c.name)}`,
          );
        }
      });
    });

  withClientOptions(program.command('history'))
    .description('show the stored messages of a conversation')
    .argument('<conversation>', 'group id or name')
    .option('--limit <n>', 'how many, newest last', (v) => Number.parseInt(v, 10), 50)
    .action(async (ref: string, opts: ClientFlags & { limit: number }) => {
      const out = output(opts);
      await withClient(opts, async (client) => {
        requireRegistered(client);
        const c = await resolveConversation(client, ref);
        for (const m of await client.history(c.groupId, { limit: opts.limit }))
          out.emit(messageJson(m), messageLine(m, c.name));
      });
    });

  withClientOptions(program.command('inbox'))
    .description('fetch what arrived while this device was offline, print it, and exit')
    .option('--save <dir>', 'save incoming attachments into this directory')
    .action(async (opts: ClientFlags & { save?: string }) => {
      const out = output(opts);
      await withClient(opts, async (client) => {
        requireRegistered(client);
        const received: MessageRecord[] = [];
        const names = new Map<string, string | undefined>();
        const offMessage = client.on('message', (e) => {
          if (e.message.direction === 'in') received.push(e.message);
        });
        const offMembership = client.on('membership', (e) => {
          if (!out.json) out.emit(e, membershipLine(e));
          else out.emit({ event: 'membership', ...e }, '');
        });
        try {
          const result = await client.sync();
          for (const c of await client.listConversations()) names.set(c.groupId, c.name);
          for (const m of received) {
            const saved = opts.save === undefined ? undefined : await saveInto(client, m, opts.save);
            out.emit(
              { event: 'message', ...messageJson(m), ...(saved === undefined ? {} : { savedTo: saved }) },
              messageLine(m, names.get(m.groupId)) + (saved === undefined ? '' : `  → saved to ${saved}`),
            );
          }
          if (!out.json) out.emit(result, `${received.length} new message(s); ${result.sent} outgoing sent`);
        } finally {
          offMessage();
          offMembership();
        }
      });
    });

  withClientOptions(program.command('listen'))
    .description('stay connected and print messages as they arrive (Ctrl-C to stop)')
    .option('--save <dir>', 'save incoming attachments into this directory')
    .option('--for <seconds>', 'stop after this many seconds', (v) => Number.parseFloat(v))
    .action(async (opts: ClientFlags & { save?: string; for?: number }) => {
      const out = output(opts);
      await withClient(opts, async (client) => {
        requireRegistered(client);
        const names = new Map<string, string | undefined>();
        const pending: Promise<unknown>[] = [];
        client.on('membership', (e) => {
          out.emit({ event: 'membership', ...e }, membershipLine(e));
        });
        client.on('message', (e) => {
          if (e.message.direction !== 'in') return;
          const m = e.message;
          const job = (async () => {
            if (!names.has(m.groupId))
              names.set(m.groupId, (await client.conversation(m.groupId).catch(() => undefined))?.name);
            const saved = opts.save === undefined ? undefined : await saveInto(client, m, opts.save);
            out.emit(
              { event: 'message', ...messageJson(m), ...(saved === undefined ? {} : { savedTo: saved }) },
              messageLine(m, names.get(m.groupId)) + (saved === undefined ? '' : `  → saved to ${saved}`),
            );
          })().catch((err: unknown) => process.stderr.write(`fulcrum: ${(err as Error).message}\n`));
          pending.push(job);
        });
        client.on('error', (e) => {
          const err = e.error as { code?: string; message?: string };
          process.stderr.write(`fulcrum: ${err.message ?? String(e.error)} (${err.code ?? 'error'}; ${e.context})\n`);
        });
        client.on('connection', (e) => {
          if (!out.json && e.state !== 'ready') process.stderr.write(`connection: ${e.state}\n`);
        });
        await client.sync();
        await client.connect();
        if (!out.json) process.stderr.write('listening (Ctrl-C to stop)\n');
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
          if (opts.for !== undefined) setTimeout(stop, opts.for * 1000).unref();
        });
        await Promise.allSettled(pending);
      });
    });
}

function membershipLine(e: {
  groupId: string;
  change: string;
  self: boolean;
  devices: readonly unknown[];
  name?: string;
}): string {
  if (e.change === 'renamed') return `${e.groupId}: renamed to "${e.name ?? ''}"`;
  if (e.self && e.change === 'removed') return `${e.groupId}: this device was removed`;
  if (e.self && e.change === 'joined') return `${e.groupId}: this device joined`;
  return `${e.groupId}: ${e.devices.length} device(s) ${e.change}`;
}
