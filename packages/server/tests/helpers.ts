import { randomBytes } from 'node:crypto';
import type { Database, TableName } from '@fulcrum/server';
import { TABLE_NAMES } from '@fulcrum/server';
import { expect } from 'vitest';

/** 16 random bytes, base64url: a device / account / message id. */
export const randomId = (n = 16): string => randomBytes(n).toString('base64url');

/** Every row of every domain table (request_nonces excluded), in a stable order, bytes as hex. */
export async function snapshot(
  db: Database,
  except: TableName[] = ['request_nonces'],
): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLE_NAMES) {
    if (except.includes(table)) continue;
    const rows = (await db.kysely.selectFrom(table).selectAll().execute()) as Record<string, unknown>[];
    out[table] = rows
      .map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v]),
        ),
      )
      .map((r) => JSON.stringify(r))
      .sort();
  }
  return out;
}

/** Asserts `f` rejects with a FulcrumError of `code`; returns the error. */
export async function expectCode(f: Promise<unknown>, code: string): Promise<{ code: string; detail?: unknown }> {
  try {
    await f;
  } catch (err) {
    expect((err as { code?: unknown }).code).toBe(code);
    return err as { code: string; detail?: unknown };
  }
  throw new Error(`expected ${code}, but it succeeded`);
}
