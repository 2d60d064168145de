/**
 * `fulcrum report <conversation> <message...> --category X [--note T] [--context N] [--block]`:
 * reports received messages with their franking openings (docs/protocol.md §Reports). A message is
 * named by its server seq (`serverSeq` in `fulcrum history --json`) or by its history key.
 */
import type { FulcrumClient, MessageRecord, ReportInput } from '@fulcrum/client';
import { FulcrumError } from '@fulcrum/common';
import type { Command } from 'commander';
import { type ClientFlags, output, withClientOptions, withConversation } from '../client-context.js';

type ReportCategory = ReportInput['category'];

const CATEGORIES: readonly ReportCategory[] = [
  'child_sexual_exploitation',
  'grooming',
  'terrorism',
  'threats',
  'harassment',
  'spam',
  'other',
];

/** How far back `fulcrum report` looks for a message named by its seq. */
const SEARCH_LIMIT = 5000;

function usage(message: string): FulcrumError {
  return new FulcrumError('cli.usage', message);
}

/** The history keys of the named messages (a seq number, or a key as stored). */
export async function resolveMessageKeys(
  client: FulcrumClient,
  groupId: string,
  refs: readonly string[],
): Promise<string[]> {
  let history: MessageRecord[] | undefined;
  const keys: string[] = [];
  for (const ref of refs) {
    if (/^\d+$/.test(ref)) {
      history ??= await client.history(groupId, { limit: SEARCH_LIMIT });
      const m = history.find((h) => h.serverSeq === Number(ref));
      if (m === undefined) throw usage(`no stored message with seq ${ref} in this conversation`);
      keys.push(m.key);
    } else {
      keys.push(ref.startsWith(`${groupId}/`) ? ref : `${groupId}/${ref}`);
    }
  }
  return keys;
}

export function registerReportCommand(program: Command): void {
  withClientOptions(program.command('report'))
    .description('report messages you received, revealing them (and optional earlier context) to the moderators')
    .argument('<conversation>', 'group id or name')
    .argument('<message...>', 'messages to report: server seq (see `history --json`) or history key')
    .requiredOption('--category <category>', CATEGORIES.join(' | '))
    .option('--note <text>', 'a note for the moderators (at most 2000 characters)')
    .option(
      '--context <n>',
      'also reveal the n messages before the first reported one (0-50)',
      (v) => Number.parseInt(v, 10),
      0,
    )
    .option('--block', "block the sender: their messages stop reaching your account's devices")
    .action(
      async (
        ref: string,
        messages: string[],
        opts: ClientFlags & { category: string; note?: string; context: number; block?: boolean },
      ) => {
        if (!(CATEGORIES as readonly string[]).includes(opts.category)) {
          throw usage(`--category must be one of ${CATEGORIES.join(', ')}`);
        }
        if (!Number.isSafeInteger(opts.context)) throw usage('--context takes a number');
        const out = output(opts);
        await withConversation(opts, ref, async (client, c) => {
          const receipt = await client.report({
            groupId: c.groupId,
            messageIds: await resolveMessageKeys(client, c.groupId, messages),
            category: opts.category as ReportCategory,
            ...(opts.note === undefined ? {} : { note: opts.note }),
            contextCount: opts.context,
            blockSender: opts.block === true,
          });
          out.emit(
            receipt,
            `reported: ${receipt.reportId} (${receipt.messages} message(s) verified, ${receipt.files} file(s))` +
              (receipt.blocked ? '; sender blocked' : ''),
          );
        });
      },
    );
}
