/**
 * The registry of authority destinations (`authority_destinations`), managed by the operator with
 * `fulcrum authority destination add|list|disable` on the store. Credentials are never stored:
 * a destination names where they are (`env:NAME`), and the sender reads them at send time.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Tx } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';
import type { AuthorityKind, AuthorityTransport } from '../db/tables/authority-destinations.js';
import { serverAuthorityError } from './errors.js';

export type { AuthorityKind, AuthorityTransport } from '../db/tables/authority-destinations.js';

type Reader = Kysely<DatabaseSchema> | Tx['db'];
type Writer = Kysely<DatabaseSchema> | Tx['db'];

export const AUTHORITY_KINDS: readonly AuthorityKind[] = ['cybertipline', 'dsa_sor', 'art18'];
export const AUTHORITY_TRANSPORTS: readonly AuthorityTransport[] = ['file', 'https', 'cybertipline_api'];

export interface AuthorityDestination {
  id: string;
  kind: AuthorityKind;
  transport: AuthorityTransport;
  target: string;
  credentialsRef: string | null;
  enabled: boolean;
  createdAt: number;
}

export interface NewDestination {
  kind: string;
  transport: string;
  target: string;
  credentialsRef?: string | null;
}

/** http is allowed only to the loopback host (tests, a local relay); everything else is https. */
function checkUrl(target: string): void {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw serverAuthorityError('authority.bad_destination', 'target is not a URL');
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw serverAuthorityError('authority.bad_destination', 'target must be https (http only for 127.0.0.1)');
  }
  if (url.username !== '' || url.password !== '') {
    throw serverAuthorityError(
      'authority.bad_destination',
      'put credentials in --credentials env:NAME, not in the URL',
    );
  }
}

export function validateDestination(d: NewDestination): {
  kind: AuthorityKind;
  transport: AuthorityTransport;
  target: string;
  credentialsRef: string | null;
} {
  if (!(AUTHORITY_KINDS as readonly string[]).includes(d.kind)) {
    throw serverAuthorityError('authority.bad_destination', `kind must be one of ${AUTHORITY_KINDS.join(', ')}`);
  }
  if (!(AUTHORITY_TRANSPORTS as readonly string[]).includes(d.transport)) {
    throw serverAuthorityError(
      'authority.bad_destination',
      `transport must be one of ${AUTHORITY_TRANSPORTS.join(', ')}`,
    );
  }
  const kind = d.kind as AuthorityKind;
  const transport = d.transport as AuthorityTransport;
  if (transport === 'cybertipline_api' && kind !== 'cybertipline') {
    throw serverAuthorityError(
      'authority.bad_destination',
      'the cybertipline_api transport carries only cybertipline reports',
    );
  }
  if (transport === 'file') {
    if (!d.target.startsWith('/'))
      throw serverAuthorityError('authority.bad_destination', 'a file target is an absolute directory');
  } else checkUrl(d.target);
  const ref = d.credentialsRef ?? null;
  if (ref !== null && !/^env:[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(ref)) {
    throw serverAuthorityError('authority.bad_destination', 'credentials must be a reference: env:NAME');
  }
  return { kind, transport, target: d.target, credentialsRef: ref };
}

export async function addDestination(db: Writer, d: NewDestination, now: number): Promise<AuthorityDestination> {
  const v = validateDestination(d);
  const id = `dst_${randomBytes(16).toString('base64url')}`;
  await db
    .insertInto('authority_destinations')
    .values({
      id,
      kind: v.kind,
      transport: v.transport,
      target: v.target,
      credentials_ref: v.credentialsRef,
      enabled: 1,
      created_at: now,
    })
    .execute();
  return { id, ...v, enabled: true, createdAt: now };
}

function fromRow(r: DatabaseSchema['authority_destinations']): AuthorityDestination {
  return {
    id: r.id,
    kind: r.kind,
    transport: r.transport,
    target: r.target,
    credentialsRef: r.credentials_ref,
    enabled: Number(r.enabled) === 1,
    createdAt: Number(r.created_at),
  };
}

export async function listDestinations(db: Reader): Promise<AuthorityDestination[]> {
  const rows = await db.selectFrom('authority_destinations').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(fromRow);
}

export async function getDestination(db: Reader, id: string): Promise<AuthorityDestination | undefined> {
  const r = await db.selectFrom('authority_destinations').selectAll().where('id', '=', id).executeTakeFirst();
  return r === undefined ? undefined : fromRow(r);
}

/** Disables a destination: no new deliveries go to it; pending ones stay (cancel them explicitly). */
export async function disableDestination(db: Writer, id: string): Promise<void> {
  const r = await db.updateTable('authority_destinations').set({ enabled: 0 }).where('id', '=', id).executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0)
    throw serverAuthorityError('authority.destination_not_found', 'no such destination');
}

/** Reads a destination's credentials at send time from `env`. */
export function resolveCredentials(
  ref: string | null,
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  if (ref === null) return null;
  const name = ref.slice('env:'.length);
  const value = env[name];
  if (value === undefined || value === '') {
    throw serverAuthorityError('authority.no_credentials', `credentials ${ref} are not set`, { ref });
  }
  return value;
}
