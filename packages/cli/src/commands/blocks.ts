/**
 * `fulcrum block <account>`, `fulcrum blocked`, `fulcrum unblock <account>`: the calling account's
 * blocks (docs/protocol.md §Blocking). An account is named by its name or its account id. A block
 * stops the account's messages reaching every device of yours; `unblock` lets them through again
 * (after an MLS update in the conversations you share, see the client README §Blocking).
 */
import type { FulcrumClient } from '@fulcrum/client';
import { isFulcrumError } from '@fulcrum/common';
import type { Command } from 'commander';
import { type ClientFlags, output, requireRegistered, withClient, withClientOptions } from '../client-context.js';

const ACCOUNT_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * The account id `ref` names: an account this account blocks (by name or id), else the key
 * directory's account of that name, else `ref` itself when it has the shape of an account id.
 */
export async function resolveAccountRef(client: FulcrumClient, ref: string): Promise<string> {
  const blocked = (await client.blockedAccounts()).find((b) => b.name === ref || b.accountId === ref);
  if (blocked !== undefined) return blocked.accountId;
  try {
    return (await client.lookupAccount(ref)).accountId;
  } catch (err) {
    if (ACCOUNT_ID.test(ref) && (isFulcrumError(err, 'account.not_found') || isFulcrumError(err, 'request.invalid'))) {
      return ref;
    }
    throw err;
  }
}

export function registerBlockCommands(program: Command): void {
  withClientOptions(program.command('blocked'))
    .description('list the accounts you block')
    .action(async (opts: ClientFlags) => {
      const out = output(opts);
      await withClient(opts, async (client) => {
        requireRegistered(client);
        const blocks = await client.blockedAccounts();
        if (out.json) {
          for (const b of blocks) out.emit(b, '');
          return;
        }
        if (blocks.length === 0) out.emit(blocks, 'you block no one');
        for (const b of blocks) out.emit(b, `${b.name}  ${b.accountId}  since ${new Date(b.blockedAt).toISOString()}`);
      });
    });

  withClientOptions(program.command('block'))
    .description("block an account: its messages stop reaching your account's devices (it is not told)")
    .argument('<account>', 'account name or id')
    .action(async (ref: string, opts: ClientFlags) => {
      const out = output(opts);
      await withClient(opts, async (client) => {
        requireRegistered(client);
        const receipt = await client.block(await resolveAccountRef(client, ref));
        out.emit(receipt, receipt.created ? `blocked ${ref}` : `${ref} was already blocked`);
      });
    });

  withClientOptions(program.command('unblock'))
    .description('unblock an account: its new messages reach you again (those sent while blocked do not)')
    .argument('<account>', 'account name or id')
    .action(async (ref: string, opts: ClientFlags) => {
      const out = output(opts);
      await withClient(opts, async (client) => {
        requireRegistered(client);
        // Current epochs first: unblock commits an MLS update in the conversations shared with it.
        await client.sync();
        const receipt = await client.unblock(await resolveAccountRef(client, ref));
        out.emit(
          receipt,
          receipt.removed
            ? `unblocked ${ref} (${receipt.refreshed} shared conversation(s) updated)`
            : `${ref} was not blocked: nothing changed`,
        );
      });
    });
}
