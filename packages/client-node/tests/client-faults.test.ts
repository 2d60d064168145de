/**
 * More end-to-end behaviour on the real server (SQLite and PostgreSQL): interrupted commits,
 * late-linked devices, KeyPackage upkeep, and hostile key-directory answers.
 */
import { randomBytes } from 'node:crypto';
import type { HttpResponse } from '@fulcrum/client';
import { isFulcrumError } from '@fulcrum/common';
import { deriveAccountId } from '@fulcrum/wire';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupDirs, openDevice, storedRows, type TestDevice, unique, waitFor } from './helpers.js';

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
  } catch (e) {
    return isFulcrumError(e) ? e.code : `not-fulcrum: ${String(e)}`;
  }
  return undefined;
};

const json = (res: HttpResponse) => JSON.parse(new TextDecoder().decode(res.body)) as Record<string, unknown>;
const withJson = (res: HttpResponse, body: unknown): HttpResponse => ({
  ...res,
  headers: { ...res.headers, 'content-length': String(new TextEncoder().encode(JSON.stringify(body)).length) },
  body: new TextEncoder().encode(JSON.stringify(body)),
});

describe.each(['sqlite', 'postgres'] as const)('client SDK under faults (%s)', (dialect) => {
  let platform: TestPlatform;
  const open: TestDevice[] = [];
  const device = async () => {
    const d = await openDevice(platform.url);
    open.push(d);
    return d;
  };
  const registered = async (prefix: string) => {
    const d = await device();
    const name = unique(prefix);
    await d.client.register(name);
    return { d, name };
  };

  beforeAll(async () => {
    platform = await startTestPlatform({ dialect });
  });
  afterAll(async () => {
    for (const d of open) await d.client.close().catch(() => {});
    await platform?.close();
    cleanupDirs();
  });

  it('a registration whose answer was lost is completed by a retry, not burned', async () => {
    const d = await device();
    const name = unique('lost');
    d.transport.rule = (req) => (req.path === '/v1/accounts' ? 'lose-answer' : undefined);
    expect(await codeOf(d.client.register(name))).toBe('client.network');
    d.transport.rule = () => undefined;
    const again = await d.reopen(); // also across a restart
    open.push(again);
    const self = await again.client.register(name);
    expect(again.transport.log.filter((r) => r.path === '/v1/accounts').map((r) => r.status)).toEqual([409]);
    const { d: other } = await registered('other');
    expect((await other.client.lookupAccount(name)).accountId).toBe(self.accountId);
    // Another device (other keys) asking for the same name is still refused.
    const e = await device();
    expect(await codeOf(e.client.register(name))).toBe('account.name_taken');
  });

  it('an interrupted commit is adopted after a restart, and never applied twice', async () => {
    const { d: a1 } = await registered('alice');
    const { d: b1, name: bob } = await registered('bob');
    const { d: c1, name: carol } = await registered('carol');
    const { d: e1, name: erin } = await registered('erin');
    const conv = await a1.client.createConversation({ members: [bob] });
    await b1.client.sync();

    // The server applies the commit but the answer is lost.
    a1.transport.rule = (req) => (req.path.endsWith('/commits') ? 'lose-answer' : undefined);
    expect(await codeOf(a1.client.addMembers(conv.groupId, [carol]))).toBe('client.network');
    let a1b = await a1.reopen();
    open.push(a1b);
    await a1b.client.sync(); // re-posts the persisted commit (same clientMessageId): the server answers the original
    expect((await a1b.client.conversation(conv.groupId)).members.map((m) => m.name).sort()).toEqual(
      [a1b.client.self?.name, bob, carol].sort(),
    );
    // The request never reached the server: the retry applies it the first time.
    a1b.transport.rule = (req) => (req.path.endsWith('/commits') ? 'drop' : undefined);
    expect(await codeOf(a1b.client.addMembers(conv.groupId, [erin]))).toBe('client.network');
    const held = a1b;
    a1b = await a1b.reopen();
    open.push(a1b);
    await a1b.client.sync();
    const statuses = [...a1.transport.log, ...held.transport.log, ...a1b.transport.log]
      .filter((r) => r.path.endsWith('/commits'))
      .map((r) => r.status);
    expect(statuses.slice(-4)).toEqual(['lost', 200, 'dropped', 200]);
    await a1b.client.sendText(conv.groupId, 'all four of us');
    for (const d of [b1, c1, e1]) {
      await d.client.sync();
      expect(d.texts()).toEqual(['all four of us']);
      expect((await d.client.conversation(conv.groupId)).epoch).toBe(
        (await a1b.client.conversation(conv.groupId)).epoch,
      );
      expect(d.events.error).toEqual([]);
    }
  });

  it('a pushed item that fails transiently is replayed in order on a new connection', async () => {
    const { d: a1 } = await registered('alice');
    const { d: b1, name: bob } = await registered('bob');
    await b1.client.connect();
    // b1 has never looked alice up: joining needs one directory lookup, which fails once.
    let failures = 0;
    b1.transport.rule = (req) => {
      if (req.path.startsWith('/v1/accounts/') && failures === 0) {
        failures++;
        return 'drop';
      }
      return undefined;
    };
    const conv = await a1.client.createConversation({ members: [bob] });
    await a1.client.sendText(conv.groupId, 'first');
    await a1.client.sendText(conv.groupId, 'second');
    await waitFor(() => b1.texts().length === 2, 15_000, 'replayed items');
    expect(b1.texts()).toEqual(['first', 'second']);
    expect(failures).toBe(1);
    expect(b1.events.connection.some((e) => e.state === 'closed' && e.code === 4000)).toBe(true);
    expect(b1.events.error.map((e) => (e.error as { code?: string }).code)).toEqual(['client.network']);
    b1.client.disconnect();
  });

  it('a device linked later joins existing conversations when its account is added again', async () => {
    const { d: a1, name: alice } = await registered('alice');
    const { d: b1, name: bob } = await registered('bob');
    const conv = await a1.client.createConversation({ members: [bob], name: 'Old friends' });
    await b1.client.sync();
    const a2 = await device();
    await a2.client.completeLink((await a1.client.certifyDevice(await a2.client.createLinkRequest())).certificate);
    const info = await b1.client.addMembers(conv.groupId, [alice]); // adds only the missing device
    expect(info.members.find((m) => m.name === alice)?.deviceIds).toHaveLength(2);
    await a2.client.sync();
    expect((await a2.client.conversation(conv.groupId)).name).toBe('Old friends');
    await b1.client.sendText(conv.groupId, 'welcome, second device');
    await a2.client.sync();
    expect(a2.texts()).toEqual(['welcome, second device']);
  });

  it('keeps KeyPackages topped up, with one last-resort package', async () => {
    const { d: target, name } = await registered('popular'); // keyPackageTarget 6 (helpers)
    const mine = async () =>
      ((await storedRows(platform)).key_packages as { device_id: string; last_resort: number }[]).filter(
        (k) => k.device_id === target.client.self?.deviceId,
      );
    expect((await mine()).filter((k) => Number(k.last_resort) === 0)).toHaveLength(6);
    expect((await mine()).filter((k) => Number(k.last_resort) === 1)).toHaveLength(1);
    for (let i = 0; i < 5; i++) {
      const { d } = await registered(`friend${i}`);
      await d.client.createConversation({ members: [name] }); // each claims one of target's packages
    }
    expect((await mine()).filter((k) => Number(k.last_resort) === 0)).toHaveLength(1);
    await target.client.sync(); // joins 5 conversations, then tops up
    expect((await target.client.listConversations()).length).toBe(5);
    expect((await mine()).filter((k) => Number(k.last_resort) === 0)).toHaveLength(6);
    expect((await mine()).filter((k) => Number(k.last_resort) === 1)).toHaveLength(1);
  });

  it('refuses hostile key-directory answers', async () => {
    const { name: alice } = await registered('alice');
    const { d: b1 } = await registered('bob');
    const honest = await b1.client.lookupAccount(alice);
    const byName = (path: string) => path.startsWith('/v1/accounts/by-name/');
    // 1. Another identity key for the same account id: the id is derived from the key.
    const otherKey = Buffer.from(ed25519.getPublicKey(new Uint8Array(randomBytes(32)))).toString('base64url');
    b1.transport.rewrite = (req, res) =>
      byName(req.path) ? withJson(res, { ...json(res), identityKey: otherKey }) : res;
    expect(await codeOf(b1.client.lookupAccount(alice))).toBe('client.directory_mismatch');
    // 2. A consistent substitute account (new key, its derived id, certificates it signed) for a
    //    name: accepted as a *different* account — name → account is trust on first use (README).
    // 3. A device whose certificate the account did not sign.
    b1.transport.rewrite = (req, res) => {
      if (!byName(req.path)) return res;
      const body = json(res) as { devices: { certificate: string }[] };
      const forged = Buffer.from(body.devices[0]?.certificate as string, 'base64url');
      forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1; // break the signature
      return withJson(res, {
        ...body,
        devices: [
          ...body.devices,
          {
            ...body.devices[0],
            deviceId: Buffer.from(randomBytes(16)).toString('base64url'),
            certificate: forged.toString('base64url'),
          },
        ],
      });
    };
    expect(await codeOf(b1.client.lookupAccount(alice))).toBe('client.directory_mismatch');
    // 4. Answers that fail the schema (an unknown field; an oversized field).
    b1.transport.rewrite = (req, res) => (byName(req.path) ? withJson(res, { ...json(res), extra: 1 }) : res);
    expect(await codeOf(b1.client.lookupAccount(alice))).toBe('client.bad_response');
    b1.transport.rewrite = (req, res) =>
      byName(req.path) ? withJson(res, { ...json(res), name: 'x'.repeat(5_000_000) }) : res;
    expect(await codeOf(b1.client.lookupAccount(alice))).toBe('client.bad_response');
    // The pinned record is unchanged, and the honest answer is still accepted.
    b1.transport.rewrite = (_req, res) => res;
    expect(await b1.client.lookupAccount(alice)).toEqual(honest);
    expect(deriveAccountId(Buffer.from(otherKey, 'base64url'))).not.toBe(honest.accountId);
  });
});
