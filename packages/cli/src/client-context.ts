/**
 * Shared plumbing for the client commands: where the device lives (`--data`), which server
 * (`--server`), and how results are printed (human lines or `--json`, one JSON value per line).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConversationInfo, FulcrumClient, MessageRecord } from '@fulcrum/client';
import { createNodeClient } from '@fulcrum/client-node';
import { FulcrumError } from '@fulcrum/common';
import type { Command } from 'commander';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

export interface ClientFlags {
  server?: string;
  data?: string;
  json?: boolean;
}

/** `--data` or `FULCRUM_CLIENT_DATA`, else `$XDG_DATA_HOME/fulcrum/client` (`~/.local/share/…`). */
export function defaultClientDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FULCRUM_CLIENT_DATA) return env.FULCRUM_CLIENT_DATA;
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'fulcrum', 'client');
}

export function serverUrl(flags: ClientFlags, env: NodeJS.ProcessEnv = process.env): string {
  return flags.server ?? env.FULCRUM_SERVER ?? DEFAULT_SERVER;
}

/** Adds `--server`, `--data` and `--json` to a client command. */
export function withClientOptions(cmd: Command): Command {
  return cmd
    .option('--server <url>', `server URL (default: $FULCRUM_SERVER or ${DEFAULT_SERVER})`)
    .option(
      '--data <dir>',
      "this device's state directory (default: $FULCRUM_CLIENT_DATA or ~/.local/share/fulcrum/client)",
    )
    .option('--json', 'print JSON (one value per line) for scripts');
}

/** Opens the device in `--data`, runs `task`, and always closes it. */
export async function withClient<T>(flags: ClientFlags, task: (client: FulcrumClient) => Promise<T>): Promise<T> {
  const client = await createNodeClient({ server: serverUrl(flags), dataDir: flags.data ?? defaultClientDataDir() });
  try {
    return await task(client);
  } finally {
    await client.close();
  }
}

/**
 * Opens the registered device in `--data`, catches up with the server (so the conversation and
 * its epoch are current), and runs `task` on the conversation `ref` (id or name).
 */
export function withConversation<T>(
  flags: ClientFlags,
  ref: string,
  task: (client: FulcrumClient, conversation: ConversationInfo) => Promise<T>,
): Promise<T> {
  return withClient(flags, async (client) => {
    requireRegistered(client);
    await client.sync();
    return task(client, await resolveConversation(client, ref));
  });
}

export function requireRegistered(client: FulcrumClient): NonNullable<FulcrumClient['self']> {
  const self = client.self;
  if (self === undefined) {
    throw new FulcrumError(
      'cli.not_registered',
      'this data directory has no device yet: run `fulcrum register --name NAME` first',
    );
  }
  return self;
}

/** A conversation by id, or by its (end-to-end encrypted, locally known) name if unambiguous. */
export async function resolveConversation(client: FulcrumClient, ref: string): Promise<ConversationInfo> {
  const all = await client.listConversations();
  const byId = all.find((c) => c.groupId === ref);
  if (byId) return byId;
  const byName = all.filter((c) => c.name === ref);
  if (byName.length === 1) return byName[0] as ConversationInfo;
  if (byName.length > 1) {
    throw new FulcrumError('cli.ambiguous_conversation', `several conversations are named "${ref}": use the group id`);
  }
  throw new FulcrumError(
    'cli.unknown_conversation',
    `no conversation "${ref}" on this device (see \`fulcrum groups\`)`,
  );
}

export interface Output {
  json: boolean;
  /** Prints `value` as JSON in --json mode, else the human text. */
  emit(value: unknown, human: string): void;
}

export function output(
  flags: ClientFlags,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Output {
  const json = flags.json === true;
  return {
    json,
    emit(value, human) {
      write(json ? JSON.stringify(value, jsonReplacer) : human);
    },
  };
}

/** JSON for records that hold bytes: Uint8Array → base64url is what scripts expect. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64url');
  return value;
}

export function conversationLine(c: ConversationInfo): string {
  const members = c.members.map(
    (m) => `${m.name ?? m.accountId} (${m.deviceIds.length} device${m.deviceIds.length === 1 ? '' : 's'})`,
  );
  return `${c.groupId}  ${c.name ?? '(no name)'}  epoch ${c.epoch}  members: ${members.join(', ')}`;
}

/** The JSON view of a message: no attachment key (a secret) in scripts' output. */
export function messageJson(m: MessageRecord): Record<string, unknown> {
  const content =
    m.content.type === 'attachment'
      ? {
          type: 'attachment',
          attachmentId: m.content.attachmentId,
          name: m.content.name,
          mediaType: m.content.mediaType,
          size: m.content.size,
        }
      : m.content;
  return {
    groupId: m.groupId,
    direction: m.direction,
    sender: m.sender,
    status: m.status,
    serverSeq: m.serverSeq,
    serverTime: m.serverTime,
    content,
  };
}

export function messageLine(m: MessageRecord, conversationName?: string): string {
  const who = m.sender.name ?? m.sender.accountId;
  const where = conversationName ?? m.groupId;
  const when = new Date(m.serverTime ?? m.createdAt).toISOString();
  switch (m.content.type) {
    case 'text':
      return `[${when}] ${where} <${who}> ${m.content.text}`;
    case 'attachment':
      return `[${when}] ${where} <${who}> sent a file: ${m.content.name} (${m.content.mediaType}, ${m.content.size} bytes)`;
    case 'rename':
      return `[${when}] ${where} <${who}> renamed the conversation to "${m.content.name}"`;
    case 'leave':
      return `[${when}] ${where} <${who}> left`;
  }
}
