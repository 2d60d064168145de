// Runs in Chromium (vitest.browser.config.ts): the real IndexedDB and the real scrypt cost.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT, exportDeviceState, importDeviceState } from './device-export.js';
import { IndexedDbClientStore } from './indexeddb-store.js';

const enc = (s: string) => new TextEncoder().encode(s);
const FAST = { N: 2 ** 10, r: 8, p: 1 };
let n = 0;
const opened: IndexedDbClientStore[] = [];

async function fresh(): Promise<IndexedDbClientStore> {
  const s = await IndexedDbClientStore.open(`export-${Date.now()}-${n++}`);
  opened.push(s);
  return s;
}

async function device(): Promise<IndexedDbClientStore> {
  const s = await fresh();
  await s.write([
    { op: 'put', table: 'device', key: 'self', value: enc('{"v":1,"name":"alice"}') },
    { op: 'put', table: 'group_state', key: 'g1', value: new Uint8Array([0, 1, 2, 255]) },
    { op: 'put', table: 'franking_future_table', key: 'k', value: enc('a table added later') },
  ]);
  return s;
}

afterEach(async () => {
  for (const s of opened.splice(0)) {
    await s.close();
    await IndexedDbClientStore.destroy(s.name);
  }
});

describe('passphrase-protected device export (scrypt + XChaCha20-Poly1305)', () => {
  it('round-trips every table, including ones this package does not know', async () => {
    const src = await device();
    const file = await exportDeviceState(src, 'correct horse battery', { scrypt: FAST });
    const text = new TextDecoder().decode(file);
    expect(text).not.toContain('alice'); // sealed, not just encoded
    const dst = await fresh();
    expect(await importDeviceState(dst, file, 'correct horse battery')).toBe(3);
    for (const t of await src.tables()) expect(await dst.list(t)).toEqual(await src.list(t));
  });

  it('a wrong passphrase is client-browser.wrong_passphrase and writes nothing', async () => {
    const file = await exportDeviceState(await device(), 'correct horse battery', { scrypt: FAST });
    const dst = await fresh();
    await expect(importDeviceState(dst, file, 'correct horse batterz')).rejects.toMatchObject({
      code: 'client-browser.wrong_passphrase',
    });
    expect(await dst.tables()).toEqual([]);
  });

  it('a changed KDF parameter or ciphertext byte fails like a wrong passphrase', async () => {
    const file = await exportDeviceState(await device(), 'correct horse battery', { scrypt: FAST });
    const json = JSON.parse(new TextDecoder().decode(file));
    const lowered = enc(JSON.stringify({ ...json, kdf: { ...json.kdf, N: 2 ** 9 } }));
    await expect(importDeviceState(await fresh(), lowered, 'correct horse battery')).rejects.toMatchObject({
      code: 'client-browser.wrong_passphrase',
    });
    const ct = json.ciphertext as string;
    const flipped = enc(JSON.stringify({ ...json, ciphertext: (ct[0] === 'A' ? 'B' : 'A') + ct.slice(1) }));
    await expect(importDeviceState(await fresh(), flipped, 'correct horse battery')).rejects.toMatchObject({
      code: 'client-browser.wrong_passphrase',
    });
  });

  it('refuses what is not an export, hostile KDF costs, short passphrases and a non-empty browser', async () => {
    const dst = await fresh();
    for (const bad of ['not json', '{}', '{"format":"fulcrum-device-export","v":2}']) {
      await expect(importDeviceState(dst, enc(bad), 'whatever1')).rejects.toMatchObject({
        code: 'client-browser.bad_export',
      });
    }
    const src = await device();
    const file = await exportDeviceState(src, 'correct horse battery', { scrypt: FAST });
    const json = JSON.parse(new TextDecoder().decode(file));
    const costly = enc(JSON.stringify({ ...json, kdf: { ...json.kdf, N: 2 ** 30 } }));
    await expect(importDeviceState(dst, costly, 'correct horse battery')).rejects.toMatchObject({
      code: 'client-browser.bad_export',
    });
    await expect(exportDeviceState(src, 'short')).rejects.toMatchObject({ code: 'client-browser.weak_passphrase' });
    await expect(importDeviceState(src, file, 'correct horse battery')).rejects.toMatchObject({
      code: 'client-browser.not_empty',
    });
  });

  it('uses OWASP scrypt cost by default (N = 2^17, r = 8, p = 1)', async () => {
    expect(DEFAULT_SCRYPT).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    const file = await exportDeviceState(await device(), 'correct horse battery');
    const json = JSON.parse(new TextDecoder().decode(file));
    expect(json.kdf).toMatchObject({ name: 'scrypt', N: 2 ** 17, r: 8, p: 1 });
    const dst = await fresh();
    await importDeviceState(dst, file, 'correct horse battery');
    expect(await dst.get('device', 'self')).toBeDefined();
  });
});
