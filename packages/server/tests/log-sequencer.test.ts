/**
 * The sequencer's group commit (appendLogEntry stages rows; the transaction writes them at once
 * before it commits): concurrent appenders share one transaction, indices stay gap-free when
 * operations of the batch are refused (savepoint rollbacks give their indices back, including the
 * one that took the counter lock), and what is acknowledged is exactly what is stored. Both dialects.
 */
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { decodeLogEntry, type LogEntryEnvelope } from '@fulcrum/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendLogEntry, WriteQueue } from '../src/index.js';

const entry = (n: number, size = 8): LogEntryEnvelope => ({
  kind: 'test.sequencer',
  version: 1,
  time: 1_700_000_000_000 + n,
  body: new Uint8Array(size).fill(n % 251),
});

describe.each(['sqlite', 'postgres'] as const)('log sequencer group commit (%s)', (dialect) => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ dialect });
  });
  afterAll(async () => {
    await p?.close();
  });

  const nextIndex = async () =>
    (await p.db.kysely.selectFrom('log_sequence').select('next_index').where('id', '=', 1).executeTakeFirstOrThrow())
      .next_index;
  const rows = async (from: number) =>
    p.db.kysely
      .selectFrom('log_entries')
      .select(['idx', 'entry', 'subject'])
      .where('idx', '>=', from)
      .orderBy('idx')
      .execute();

  it('shares one transaction among concurrent appenders; refused operations give their indices back', async () => {
    const start = await nextIndex();
    const writer = new WriteQueue(p.db, { maxBatch: 1000, maxDelayMs: 20 });
    // 300 appenders; every third appends and then is refused (its savepoint rolls back), and the
    // very first one is refused too: it took the counter lock inside its savepoint.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 300 }, (_, n) =>
        writer.submit(async (tx) => {
          const { index } = await appendLogEntry(tx, entry(n), `subject-${n}`);
          if (n % 3 === 0) throw new Error(`refused ${n}`);
          return { n, index };
        }),
      ),
    );
    await writer.close();
    expect(writer.stats.batches).toBe(1);
    const acked = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(acked).toHaveLength(200);
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(100);
    // Gap-free, in submission order, from where the log was.
    expect(acked.map((a) => a.index)).toEqual(Array.from({ length: 200 }, (_, k) => start + k));
    expect(await nextIndex()).toBe(start + 200);
    const stored = await rows(start);
    expect(stored.map((r) => r.idx)).toEqual(acked.map((a) => a.index));
    for (const [k, r] of stored.entries()) {
      const a = acked[k] as { n: number; index: number };
      expect(r.subject).toBe(`subject-${a.n}`);
      const e = decodeLogEntry(new Uint8Array(r.entry));
      expect(e.time).toBe(entry(a.n).time);
      expect(e.body).toEqual(entry(a.n).body);
    }
  });

  it('in one transaction: an inner savepoint that rolls back frees its index; a refused encoding takes none', async () => {
    const start = await nextIndex();
    const got = await p.db.transaction(async (tx) => {
      const a = await appendLogEntry(tx, entry(1));
      await expect(
        tx.savepoint(async () => {
          await appendLogEntry(tx, entry(2));
          await appendLogEntry(tx, entry(3));
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      // Over 65535 bytes: a typed tlog error before any index is taken.
      await expect(appendLogEntry(tx, entry(4, 70_000))).rejects.toMatchObject({ code: expect.any(String) });
      const b = await appendLogEntry(tx, entry(5));
      return [a.index, b.index];
    });
    expect(got).toEqual([start, start + 1]);
    expect((await rows(start)).map((r) => decodeLogEntry(new Uint8Array(r.entry)).time)).toEqual([
      entry(1).time,
      entry(5).time,
    ]);
    expect(await nextIndex()).toBe(start + 2);
  });

  it('a transaction that fails after appending leaves no entry and no index taken', async () => {
    const start = await nextIndex();
    await expect(
      p.db.transaction(async (tx) => {
        await appendLogEntry(tx, entry(7));
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await nextIndex()).toBe(start);
    expect(await rows(start)).toEqual([]);
    const { index } = await p.db.transaction((tx) => appendLogEntry(tx, entry(8)));
    expect(index).toBe(start);
  });
});
