/**
 * `fulcrum authority`: the operator's registry of authority destinations and a view of the
 * deliveries, acting on the server's store directly like `fulcrum serve` (SQLite in `--data` /
 * `--data-dir`, or `--postgres URL`).
 *
 *   fulcrum authority destination add --kind cybertipline --transport cybertipline_api \
 *     --target https://report.cybertip.org/ispws --credentials env:NCMEC_CREDENTIALS
 *   fulcrum authority destination list
 *   fulcrum authority destination disable <id>
 *   fulcrum authority deliveries [--report rpt_…]
 *   fulcrum authority cancel <delivery-id>      (retracts an unfinished CyberTipline report)
 *
 * Credentials are never stored: `--credentials env:NAME` names the environment variable the
 * server reads when it sends (`user:password` for the CyberTipline API, a bearer token for https).
 */
import {
  AUTHORITY_KINDS,
  AUTHORITY_TRANSPORTS,
  AuthorityService,
  addDestination,
  disableDestination,
  listDestinations,
} from '@fulcrum/server';
import type { Command } from 'commander';
import { type OperatorStoreFlags, withOperatorStore as withStore } from './operator-store.js';

export interface AuthorityStoreFlags extends OperatorStoreFlags {
  json?: boolean;
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

export function registerAuthorityCommands(
  program: Command,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): void {
  const authority = program
    .command('authority')
    .description('operator: where reports to authorities go (destinations) and what was sent (deliveries)');
  const destination = authority.command('destination').description('the registry of authority destinations');

  storeOptions(
    destination
      .command('add')
      .description('add a destination; new reports of its kind are delivered to it')
      .requiredOption('--kind <kind>', `what it receives: ${AUTHORITY_KINDS.join(', ')}`)
      .requiredOption('--transport <transport>', `how: ${AUTHORITY_TRANSPORTS.join(', ')}`)
      .requiredOption('--target <dir-or-url>', 'an absolute directory (file) or a URL (https; http only for 127.0.0.1)')
      .option('--credentials <ref>', 'where the credentials are: env:NAME (never the credentials themselves)'),
  ).action(
    async (flags: AuthorityStoreFlags & { kind: string; transport: string; target: string; credentials?: string }) => {
      const d = await withStore(flags, (db) =>
        addDestination(
          db.kysely,
          {
            kind: flags.kind,
            transport: flags.transport,
            target: flags.target,
            credentialsRef: flags.credentials ?? null,
          },
          Date.now(),
        ),
      );
      write(flags.json === true ? JSON.stringify(d) : `${d.id} ${d.kind} ${d.transport} ${d.target}`);
    },
  );

  storeOptions(destination.command('list').description('list destinations')).action(
    async (flags: AuthorityStoreFlags) => {
      const list = await withStore(flags, (db) => listDestinations(db.kysely));
      if (flags.json === true) write(JSON.stringify(list));
      else
        for (const d of list) {
          write(
            `${d.id} ${d.kind} ${d.transport} ${d.target} ${d.enabled ? 'enabled' : 'disabled'}${d.credentialsRef === null ? '' : ` ${d.credentialsRef}`}`,
          );
        }
    },
  );

  storeOptions(destination.command('disable <id>').description('stop queueing new reports to a destination')).action(
    async (id: string, flags: AuthorityStoreFlags) => {
      await withStore(flags, (db) => disableDestination(db.kysely, id));
      write(flags.json === true ? JSON.stringify({ id, enabled: false }) : `${id} disabled`);
    },
  );

  storeOptions(
    authority
      .command('deliveries')
      .description('what was sent where, when, how often, and what came back')
      .option('--report <id>', 'only this report (case)'),
  ).action(async (flags: AuthorityStoreFlags & { report?: string }) => {
    const list = await withStore(flags, (db) =>
      new AuthorityService(db, {}, { now: () => Date.now() }).listDeliveries(flags.report),
    );
    if (flags.json === true) write(JSON.stringify(list));
    else
      for (const d of list) {
        write(
          `${d.id} ${d.reportId} ${d.kind} → ${d.destinationId} ${d.state} attempts=${d.attempts}` +
            `${d.responseStatus === null ? '' : ` status=${d.responseStatus}`}${d.lastError === null ? '' : ` error=${d.lastError}`}` +
            `${d.remoteReportId === null ? '' : ` remote=${d.remoteReportId}`}`,
        );
      }
  });

  storeOptions(
    authority
      .command('cancel <delivery-id>')
      .description('cancel an undelivered delivery (retracts an open CyberTipline report)'),
  ).action(async (id: string, flags: AuthorityStoreFlags) => {
    const state = await withStore(flags, (db) =>
      new AuthorityService(db, {}, { now: () => Date.now() }).cancelDelivery(id),
    );
    write(flags.json === true ? JSON.stringify({ id, state }) : `${id} ${state}`);
  });
}
