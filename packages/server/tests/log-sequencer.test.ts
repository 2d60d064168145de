/**
 * The sequencer's group commit (appendLogEntry stages rows; the transaction writes them at once
 * before it commits): concurrent appenders share one transaction, indices stay gap-free when
 * operations of the batch are refused (savepoint rollbacks give their indices back, including the
 * one that took the counter lock), and what is acknowledged is exactly what is stored; the same for
 * staged-only operations (`submit(run, { stagedOnly: true })`: no savepoint, a refused one's staged
 * rows are forgotten). Both dialects.
 */
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { decodeLogEntry, type LogEntryEnvelope } from '@fulcrum/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendLogEntry, type Tx, WriteQueue } from '../src/index.js';

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

  it('staged-only appends (no savepoint): a refused one in the batch leaves no entry and no gap', async () => {
    const start = await nextIndex();
    const writer = new WriteQueue(p.db, { maxBatch: 1000, maxDelayMs: 20 });
    const events: number[] = [];
    const unsubscribe = p.server.bus.subscribe('staged-only-test', (e) => {
      if (e.type === 'queue.appended') events.push(e.lastSeq);
    });
    // 300 log-only operations in one batch: every third appends, publishes an event and is then
    // refused; every tenth carries an entry too large to encode; the very first is refused after
    // taking the counter lock, with no savepoint to release it. Every 25th is an ordinary
    // (savepoint) operation that appends and is refused: both kinds mix in one transaction.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 300 }, (_, n) => {
        const run = async (tx: Tx) => {
          const { index } = await appendLogEntry(tx, entry(n, n % 10 === 5 ? 70_000 : 8), `subject-${n}`);
          tx.publish({ type: 'queue.appended', deviceId: 'staged-only-test', lastSeq: n });
          if (n % 3 === 0) throw new Error(`refused ${n}`);
          return { n, index };
        };
        return n % 25 === 24 ? writer.submit(run) : writer.submit(run, { stagedOnly: true });
      }),
    );
    await writer.close();
    unsubscribe();
    expect(writer.stats.batches).toBe(1);
    const refused = (n: number) => n % 3 === 0 || n % 10 === 5;
    const expected = Array.from({ length: 300 }, (_, n) => n).filter((n) => !refused(n));
    const acked = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(acked.map((a) => a.n)).toEqual(expected);
    for (const [n, o] of outcomes.entries()) {
      if (n % 10 === 5) expect(o).toMatchObject({ status: 'rejected', reason: { code: 'tlog.entry_too_large' } });
      else if (n % 3 === 0) expect(o).toMatchObject({ status: 'rejected', reason: { message: `refused ${n}` } });
    }
    // Gap-free, in submission order, from where the log was; the counter matches.
    expect(acked.map((a) => a.index)).toEqual(expected.map((_, k) => start + k));
    expect(await nextIndex()).toBe(start + expected.length);
    const stored = await rows(start);
    expect(stored.map((r) => r.idx)).toEqual(acked.map((a) => a.index));
    for (const [k, r] of stored.entries()) {
      const a = acked[k] as { n: number; index: number };
      expect(r.subject).toBe(`subject-${a.n}`);
      expect(decodeLogEntry(new Uint8Array(r.entry)).time).toBe(entry(a.n).time);
    }
    // A refused operation's events are not published; the others' are, after the commit.
    expect(events).toEqual(expected);
  });

  it('staged-only: a batch whose only append is refused writes no entry and leaves the counter', async () => {
    const start = await nextIndex();
    const writer = new WriteQueue(p.db, { maxDelayMs: 20 });
    const outcomes = await Promise.allSettled([
      // Takes the counter lock (an UPDATE that stays: no savepoint), then is refused.
      writer.submit(
        async (tx) => {
          await appendLogEntry(tx, entry(11));
          throw new Error('refused');
        },
        { stagedOnly: true },
      ),
      writer.submit(async () => 'no append', { stagedOnly: true }),
    ]);
    await writer.close();
    expect(writer.stats.batches).toBe(1);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled']);
    expect(await nextIndex()).toBe(start);
    expect(await rows(start)).toEqual([]);
    const { index } = await p.db.transaction((tx) => appendLogEntry(tx, entry(12)));
    expect(index).toBe(start);
  });

  it('staged-only means no savepoint: a statement of its own is NOT undone when it is refused', async () => {
    // The contract (`Tx.stagedOnly`): such an operation may write only staged rows. This pins that
    // no savepoint is taken: a row it writes directly survives its refusal (the whole transaction
    // is then rolled back, so the test leaves nothing behind).
    const start = await nextIndex();
    const direct = { idx: start + 1000, entry: Buffer.from([1]), subject: 'direct', created_at: 0 };
    let survived: unknown[] = [];
    await expect(
      p.db.transaction(async (tx) => {
        const refused = tx.stagedOnly(async () => {
          await tx.db.insertInto('log_entries').values(direct).execute();
          throw new Error('refused');
        });
        await expect(refused).rejects.toThrow('refused');
        survived = await tx.db.selectFrom('log_entries').select('subject').where('idx', '=', direct.idx).execute();
        throw new Error('roll the test back');
      }),
    ).rejects.toThrow('roll the test back');
    expect(survived).toEqual([{ subject: 'direct' }]);
    expect(await rows(start)).toEqual([]);
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
