/**
 * `fulcrum staff grant|revoke|list`: the operator's bootstrap of moderation staff, acting on the
 * server's store directly like `fulcrum serve` (SQLite in `--data` / `--data-dir`, or
 * `--postgres URL`). Whoever runs it holds the store's credentials; every change is audited and
 * logged (`moderation.event`, role `operator`) in the same transaction. Admins then grant the
 * other roles over the API (`fulcrum mod grant`).
 */
import { FulcrumError } from '@fulcrum/common';
import {
  type Database,
  grantStaffRole,
  listStaff,
  revokeStaffRole,
  STAFF_ROLES,
  type StaffRole,
} from '@fulcrum/server';
import { type Command, InvalidArgumentError } from 'commander';
import { type OperatorStoreFlags, withOperatorStore } from './operator-store.js';

/** Typed errors of `fulcrum staff`. */
export type StaffCliErrorCode =
  /** No account with this name or id in the store: register it first (`fulcrum register`). */
  | 'cli.account_not_found'
  /** The store was never opened by a server (no transparency log yet): run `fulcrum serve` on it once. */
  | 'cli.store_not_initialised';

const cliError = (code: StaffCliErrorCode, message: string) => new FulcrumError<StaffCliErrorCode>(code, message);

export interface StaffStoreFlags extends OperatorStoreFlags {
  json?: boolean;
}

/** The store, refused if no server has initialised it yet (no transparency log to audit into). */
function withStore<T>(flags: StaffStoreFlags, fn: (db: Database) => Promise<T>): Promise<T> {
  return withOperatorStore(flags, async (db) => {
    const seq = await db.kysely.selectFrom('log_sequence').select('id').executeTakeFirst();
    if (seq === undefined) {
      throw cliError(
        'cli.store_not_initialised',
        'this store has no transparency log yet: run `fulcrum serve` on it once',
      );
    }
    return fn(db);
  });
}

async function accountIdOf(db: Database, ref: string): Promise<string> {
  const row = await db.kysely
    .selectFrom('accounts')
    .select('account_id')
    .where((eb) => eb.or([eb('name', '=', ref), eb('account_id', '=', ref)]))
    .executeTakeFirst();
  if (row === undefined) throw cliError('cli.account_not_found', `no account "${ref}" in this store`);
  return row.account_id;
}

function role(value: string): StaffRole {
  if (!(STAFF_ROLES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`a role is one of ${STAFF_ROLES.join(', ')}`);
  }
  return value as StaffRole;
}

function storeOptions(cmd: Command): Command {
  return cmd
    .option(
      '--data <dir>',
      'the server data directory (SQLite; default: $FULCRUM_DATA or ~/.local/share/fulcrum/server)',
    )
    .option('--data-dir <dir>', 'same as --data')
    .option('--postgres <url>', 'the server store on PostgreSQL at this URL instead')
    .option('--postgres-schema <name>', 'PostgreSQL schema (default: public)')
    .option('--json', 'print JSON');
}

/**
 * On SQLite the running server writes the same file: a transaction that read before it wrote can
 * find its snapshot stale (SQLITE_BUSY, not covered by the busy timeout) and is retried whole.
 */
async function withBusyRetry<T>(fn: () => Promise<T>, attempts = 20): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
      if (i >= attempts || !code.startsWith('SQLITE_BUSY')) throw err;
      await new Promise((r) => setTimeout(r, 25 * i));
    }
  }
}

/** Runs grant or revoke; returns the account's roles afterwards. */
export async function changeStaffRole(
  flags: StaffStoreFlags,
  grant: boolean,
  account: string,
  staffRole: StaffRole,
): Promise<{ accountId: string; roles: StaffRole[] }> {
  return withStore(flags, async (db) => {
    const accountId = await accountIdOf(db, account);
    const input = { accountId, role: staffRole, by: null, now: Date.now() };
    const roles = await withBusyRetry(() =>
      db.transaction((tx) => (grant ? grantStaffRole(tx, input) : revokeStaffRole(tx, input))),
    );
    return { accountId, roles };
  });
}

export function registerStaffCommands(
  program: Command,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): void {
  const staff = program
    .command('staff')
    .description('operator: grant, revoke and list moderation staff roles directly on the server store');

  for (const grant of [true, false]) {
    storeOptions(staff.command(`${grant ? 'grant' : 'revoke'} <account> <role>`))
      .description(
        `${grant ? 'grant' : 'revoke'} a staff role (moderator, child_safety, admin); <account> is a name or id`,
      )
      .action(async (account: string, roleText: string, flags: StaffStoreFlags) => {
        const result = await changeStaffRole(flags, grant, account, role(roleText));
        write(flags.json === true ? JSON.stringify(result) : `${account}: ${result.roles.join(', ') || '(no roles)'}`);
      });
  }

  storeOptions(staff.command('list'))
    .description('list every staff member and their roles')
    .action(async (flags: StaffStoreFlags) => {
      const all = await withStore(flags, (db) => listStaff(db.kysely));
      if (flags.json === true) write(JSON.stringify(all));
      else if (all.length === 0) write('no staff');
      else for (const s of all) write(`${s.name} (${s.accountId}): ${s.roles.join(', ')}`);
    });
}
