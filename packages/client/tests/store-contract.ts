/**
 * The ClientStore contract, run against every backend (memory here, SQLite in client-node):
 * atomic batches, ordering, prefix/after/limit/reverse listing, copies in and out.
 */
import type { ClientStore, StoreWrite } from '@fulcrum/client';
import { describe, expect, it } from 'vitest';

const b = (s: string) => new TextEncoder().encode(s);
const s = (u: Uint8Array | undefined) => (u === undefined ? undefined : new TextDecoder().decode(u));

export function describeStoreContract(name: string, open: () => Promise<ClientStore>): void {
  describe(`ClientStore contract: ${name}`, () => {
    it('puts, gets, deletes; later operations in a batch win', async () => {
      const store = await open();
      await store.write([
        { op: 'put', table: 't', key: 'a', value: b('1') },
        { op: 'put', table: 't', key: 'a', value: b('2') },
        { op: 'put', table: 'u', key: 'a', value: b('other table') },
      ]);
      expect(s(await store.get('t', 'a'))).toBe('2');
      expect(s(await store.get('u', 'a'))).toBe('other table');
      await store.write([
        { op: 'delete', table: 't', key: 'a' },
        { op: 'put', table: 't', key: 'b', value: b('3') },
      ]);
      expect(await store.get('t', 'a')).toBeUndefined();
      expect(s(await store.get('t', 'b'))).toBe('3');
      expect(await store.get('missing', 'x')).toBeUndefined();
      await store.close();
    });

    it('lists in key order with prefix, after, limit and reverse', async () => {
      const store = await open();
      const keys = ['g1/0002', 'g1/0001', 'g1/0010', 'g2/0001', 'g10/0001', 'G1/0001', 'g1_0001'];
      await store.write(keys.map((k): StoreWrite => ({ op: 'put', table: 'm', key: k, value: b(k) })));
      const list = async (o: Parameters<ClientStore['list']>[1]) => (await store.list('m', o)).map((e) => e.key);
      expect(await list({})).toEqual(['G1/0001', 'g1/0001', 'g1/0002', 'g1/0010', 'g10/0001', 'g1_0001', 'g2/0001']);
      expect(await list({ prefix: 'g1/' })).toEqual(['g1/0001', 'g1/0002', 'g1/0010']);
      expect(await list({ prefix: 'g1/', after: 'g1/0001', limit: 1 })).toEqual(['g1/0002']);
      expect(await list({ prefix: 'g1/', reverse: true, limit: 2 })).toEqual(['g1/0010', 'g1/0002']);
      expect(await list({ prefix: 'g1/', reverse: true, after: 'g1/0010' })).toEqual(['g1/0002', 'g1/0001']);
      expect(await list({ prefix: 'g1_' })).toEqual(['g1_0001']); // `_` is not a wildcard
      expect(await list({ prefix: 'nope' })).toEqual([]);
      const [first] = await store.list('m', { limit: 1 });
      expect(s(first?.value)).toBe('G1/0001');
      await store.close();
    });

    it('hands out copies: mutating returned or written bytes changes nothing stored', async () => {
      const store = await open();
      const v = b('abc');
      await store.write([{ op: 'put', table: 't', key: 'k', value: v }]);
      v[0] = 0;
      const got = (await store.get('t', 'k')) as Uint8Array;
      got[1] = 0;
      expect(s(await store.get('t', 'k'))).toBe('abc');
      await store.close();
    });

    it('stores arbitrary bytes exactly', async () => {
      const store = await open();
      const v = new Uint8Array(70_000).map((_, i) => (i * 7) & 255);
      await store.write([{ op: 'put', table: 't', key: 'bin', value: v }]);
      expect(await store.get('t', 'bin')).toEqual(v);
      await store.close();
    });
  });
}
