// Runs in Chromium (vitest.browser.config.ts): the real IndexedDB.
import { afterEach, describe, expect, it } from 'vitest';
import { IndexedDbClientStore } from './indexeddb-store.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
let n = 0;
const opened: IndexedDbClientStore[] = [];

async function fresh(): Promise<IndexedDbClientStore> {
  const name = `test-${Date.now()}-${n++}`;
  const s = await IndexedDbClientStore.open(name);
  opened.push(s);
  return s;
}

afterEach(async () => {
  for (const s of opened.splice(0)) {
    await s.close();
    await IndexedDbClientStore.destroy(s.name);
  }
});

describe('IndexedDbClientStore', () => {
  it('puts, gets and deletes in atomic batches; later operations on a key win', async () => {
    const s = await fresh();
    expect(await s.get('t', 'a')).toBeUndefined();
    await s.write([
      { op: 'put', table: 't', key: 'a', value: enc('1') },
      { op: 'put', table: 't', key: 'a', value: enc('2') },
      { op: 'put', table: 'u', key: 'a', value: enc('other table') },
    ]);
    expect(dec((await s.get('t', 'a')) as Uint8Array)).toBe('2');
    expect(dec((await s.get('u', 'a')) as Uint8Array)).toBe('other table');
    await s.write([{ op: 'delete', table: 't', key: 'a' }]);
    expect(await s.get('t', 'a')).toBeUndefined();
    expect(await s.tables()).toEqual(['u']);
  });

  it('lists in key order with prefix, after, reverse and limit (as the port defines)', async () => {
    const s = await fresh();
    const keys = ['g1/0002', 'g1/0001', 'g1/0010', 'g10/0001', 'g2/0001', 'g1', 'g1/\uffff'];
    await s.write(keys.map((key) => ({ op: 'put' as const, table: 'messages', key, value: enc(key) })));
    await s.write([{ op: 'put', table: 'messages2', key: 'g1/0003', value: enc('x') }]);
    const list = async (o: Parameters<IndexedDbClientStore['list']>[1]) =>
      (await s.list('messages', o)).map((e) => e.key);
    expect(await list({})).toEqual([...keys].sort());
    expect(await list({ prefix: 'g1/' })).toEqual(['g1/0001', 'g1/0002', 'g1/0010', 'g1/\uffff']);
    expect(await list({ prefix: 'g1/', reverse: true, limit: 2 })).toEqual(['g1/\uffff', 'g1/0010']);
    expect(await list({ prefix: 'g1/', after: 'g1/0001' })).toEqual(['g1/0002', 'g1/0010', 'g1/\uffff']);
    expect(await list({ prefix: 'g1/', after: 'g1/0010', reverse: true })).toEqual(['g1/0002', 'g1/0001']);
    expect(await list({ prefix: 'g1/', after: 'zzz' })).toEqual([]);
    expect(await list({ prefix: 'g1/', limit: 0 })).toEqual([]);
    expect(await list({ prefix: 'nothing' })).toEqual([]);
  });

  it('a batch that fails midway leaves nothing behind', async () => {
    const s = await fresh();
    await s.write([{ op: 'put', table: 't', key: 'keep', value: enc('v') }]);
    const bad = { op: 'put', table: 't', key: null, value: enc('x') } as unknown as Parameters<
      IndexedDbClientStore['write']
    >[0][number];
    await expect(
      s.write([{ op: 'put', table: 't', key: 'y', value: enc('y') }, bad, { op: 'delete', table: 't', key: 'keep' }]),
    ).rejects.toMatchObject({ code: 'client-browser.store_unavailable' });
    expect(await s.get('t', 'y')).toBeUndefined();
    expect(dec((await s.get('t', 'keep')) as Uint8Array)).toBe('v');
  });

  it('survives closing and reopening (another page load)', async () => {
    const s = await fresh();
    await s.write([{ op: 'put', table: 'device', key: 'self', value: enc('me') }]);
    await s.close();
    const again = await IndexedDbClientStore.open(s.name);
    opened.unshift(again);
    expect(dec((await again.get('device', 'self')) as Uint8Array)).toBe('me');
    await expect(s.get('device', 'self')).rejects.toMatchObject({ code: 'client-browser.store_unavailable' });
  });
});
