import { routes, wireError } from '@fulcrum/wire';
import { type Kysely, sql } from 'kysely';
import { Statement, type Tx } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';

type Reader = Kysely<DatabaseSchema> | Tx['db'];

/** What authentication needs to know about a device, and its account's standing. */
export interface DeviceAuthStanding {
  deviceId: string;
  accountId: string;
  requestKey: Uint8Array;
  revoked: boolean;
  /** The most severe suspension or ban in force, if any. */
  sanctions: ActiveSanction[];
}

// One correlated subquery: the most severe suspension or ban in force ('ban' sorts before
// 'suspend'), as `kind:until` (until empty when indefinite). Compiled once (`Statement`): this
// runs on every signed request.
const DEVICE_WITH_STANDING = new Statement((db, p: { deviceId: string; now: number }) =>
  db
    .selectFrom('devices')
    .select(['device_id', 'account_id', 'request_key', 'revoked_at'])
    .select(
      sql<string | null>`(select s.kind || ':' || coalesce(cast(s.until as text), '') from account_sanctions s
        where s.account_id = devices.account_id and s.kind in ('ban', 'suspend')
        and (s.until is null or s.until > ${p.now}) order by s.kind limit 1)`.as('standing'),
    )
    .where('device_id', '=', p.deviceId),
);

/**
 * The device (as `findDeviceForAuth`) and, in the same query, whether its account is banned or
 * suspended at `now` (a correlated subquery on `account_sanctions`' primary key): the auth path
 * pays no extra round trip for moderation.
 */
export async function findDeviceWithStanding(
  db: Reader,
  deviceId: string,
  now: number,
): Promise<DeviceAuthStanding | undefined> {
  const [row] = await DEVICE_WITH_STANDING.runOn(db, { deviceId, now });
  if (row === undefined) return undefined;
  const sanctions: ActiveSanction[] = [];
  if (row.standing !== null) {
    const [kind, until] = row.standing.split(':') as [string, string];
    sanctions.push({ kind: kind === 'ban' ? 'ban' : 'suspend', until: until === '' ? null : Number(until) });
  }
  return {
    deviceId: row.device_id,
    accountId: row.account_id,
    requestKey: row.request_key,
    revoked: row.revoked_at !== null,
    sanctions,
  };
}

/** A sanction in force. */
export interface ActiveSanction {
  kind: 'restrict' | 'suspend' | 'ban';
  until: number | null;
}

/**
 * The sanctions in force on an account at `now` (one indexed lookup on the primary key prefix;
 * the auth path runs it on every signed request).
 */
export async function activeSanctions(db: Reader, accountId: string, now: number): Promise<ActiveSanction[]> {
  const rows = await db
    .selectFrom('account_sanctions')
    .select(['kind', 'until'])
    .where('account_id', '=', accountId)
    .where((eb) => eb.or([eb('until', 'is', null), eb('until', '>', now)]))
    .execute();
  return rows;
}

/**
 * Refuses a suspended or banned account (`account.banned`, `account.suspended`), unless the
 * route is one a sanctioned account keeps (reading its queue and notices, appealing).
 */
export function refuseSuspended(sanctions: readonly ActiveSanction[]): void {
  if (sanctions.some((s) => s.kind === 'ban')) {
    throw wireError('account.banned', 'this account is banned: see your moderation notices; you may appeal');
  }
  const suspended = sanctions.find((s) => s.kind === 'suspend');
  if (suspended !== undefined) {
    throw wireError(
      'account.suspended',
      'this account is suspended: see your moderation notices; you may appeal',
      suspended.until === null ? undefined : { until: suspended.until },
    );
  }
}

/**
 * Restriction (decision documented in docs/protocol.md §Moderation): a restricted account keeps
 * its conversations and can still send in them, but cannot create conversations or add members
 * (`account.restricted`) — what limits reaching new people, the usual abuse pattern.
 */
export async function refuseRestricted(db: Reader, accountId: string, now: number): Promise<void> {
  const row = await db
    .selectFrom('account_sanctions')
    .select('kind')
    .where('account_id', '=', accountId)
    .where('kind', 'in', ['restrict', 'suspend', 'ban'])
    .where((eb) => eb.or([eb('until', 'is', null), eb('until', '>', now)]))
    .executeTakeFirst();
  if (row !== undefined) {
    throw wireError('account.restricted', 'this account may not create conversations or add members');
  }
}

/**
 * What a suspended or banned account can still do: read (and acknowledge) its queue, where its
 * notices arrive, list its notices, and appeal. Everything else is refused in the auth path.
 */
export const SANCTIONED_ALLOWED_ROUTES: ReadonlySet<string> = new Set([
  routes.fetchQueue.path,
  routes.ackQueue.path,
  routes.listNotices.path,
  routes.fileAppeal.path,
]);
