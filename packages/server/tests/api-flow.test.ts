/**
 * The API end to end with real MLS (e2ee over ts-mls): two accounts, three devices, KeyPackage
 * claims, a group with a Welcome, application messages, the stale-epoch race, idempotent retries,
 * revocation — and what the server stores is exactly the opaque bytes it was sent.
 */
import { rawRequest, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import {
  AccountRecord,
  ClaimKeyPackagesResponse,
  CommitResponse,
  createValidator,
  GroupRecord,
  QueueResponse,
  SendMessageResponse,
  signDeviceRevocation,
} from '@fulcrum/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, snapshot } from './helpers.js';
import {
  addMemberDevice,
  b64,
  catchUp,
  claim,
  fetchItems,
  type Member,
  postCommit,
  postMessage,
  publishKeyPackages,
  registerMember,
  unb64,
  encryptFranked,
} from './mls-fixtures.js';

const conforms = (schema: Parameters<typeof createValidator>[0], value: unknown) => {
  const r = createValidator(schema)(value);
  expect(r.ok, JSON.stringify(r)).toBe(true);
};

describe.each(['sqlite', 'postgres'] as const)('API flow with real MLS (%s)', (dialect) => {
  let p: TestPlatform;
  let alice1: Member;
  let alice2: Member;
  let bob: Member;
  let groupId: string;
  const sentPayloads: Uint8Array[] = [];

  beforeAll(async () => {
    p = await startTestPlatform({ dialect });
    alice1 = await registerMember(p.url, 'alice');
    alice2 = await addMemberDevice(p.url, alice1);
    bob = await registerMember(p.url, 'bob');
  });
  afterAll(() => p?.close());

  it('serves the key directory', async () => {
    const res = await rawRequest(p.url, 'GET', '/v1/accounts/by-name/alice', { signer: bob.device });
    expect(res.status).toBe(200);
    conforms(AccountRecord, res.body);
    const rec = res.body as AccountRecord;
    expect(rec.accountId).toBe(alice1.device.accountId);
    expect(rec.devices.map((d) => d.deviceId).sort()).toEqual([alice1.device.deviceId, alice2.device.deviceId].sort());
    expect(rec.identityKey).toBe(b64(alice1.device.identity.publicKey));
    const byId = await rawRequest(p.url, 'GET', `/v1/accounts/${bob.device.accountId}`, { signer: alice1.device });
    expect((byId.body as AccountRecord).devices[0]!.certificate).toBe(b64(bob.device.certificate.encoded));
  });

  it('stores validated KeyPackages and counts them', async () => {
    for (const m of [alice1, alice2, bob]) {
      const up = await publishKeyPackages(m, 3);
      expect(up.status).toBe(200);
      expect(up.body).toEqual({ stored: 3, available: 3 });
      expect((await publishKeyPackages(m, 1, true)).body).toEqual({ stored: 1, available: 3 });
    }
    const count = await rawRequest(p.url, 'GET', '/v1/keypackages/count', { signer: bob.device });
    expect(count.body).toEqual({ available: 3, lastResort: true });
  });

  it('creates a group, adds two devices with one commit and Welcome, and relays messages', async () => {
    alice1.group = await alice1.mls.createGroup(alice1.state);
    groupId = b64(alice1.group.groupId);
    const created = await rawRequest(p.url, 'POST', '/v1/groups', { signer: alice1.device, body: { groupId } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ groupId, epoch: 0 });

    // Claims: alice's other devices (the caller excluded), and bob's one device.
    const own = await claim(alice1, alice1.device.accountId);
    conforms(ClaimKeyPackagesResponse, own.body);
    expect(own.body.keyPackages.map((k) => k.deviceId)).toEqual([alice2.device.deviceId]);
    const bobs = await claim(alice1, bob.device.accountId);
    expect(bobs.body.keyPackages).toMatchObject([{ deviceId: bob.device.deviceId, lastResort: false }]);

    const added = await alice1.mls.addDevices(
      alice1.group,
      [...own.body.keyPackages, ...bobs.body.keyPackages].map((k) => unb64(k.data)),
    );
    const res = await postCommit(alice1, groupId, {
      commit: added.commit,
      welcome: added.welcome!,
      addedDevices: [alice2.device.deviceId, bob.device.deviceId],
      removedDevices: [],
    });
    expect(res.status).toBe(200);
    conforms(CommitResponse, res.body);
    expect(res.body).toEqual({ seq: 1, epoch: 1 });
    alice1.group = added.group;
    added.wipeConsumed();
    sentPayloads.push(added.commit, added.welcome!);

    const group = await rawRequest(p.url, 'GET', `/v1/groups/${groupId}`, { signer: bob.device });
    conforms(GroupRecord, group.body);
    expect((group.body as GroupRecord).members).toHaveLength(3);

    await catchUp(alice2);
    await catchUp(bob);
    expect(alice2.group?.epoch).toBe(1n);
    expect(bob.group?.epoch).toBe(1n);

    const hello = await encryptFranked(alice1, new TextEncoder().encode('hello from alice'));
    alice1.group = hello.group;
    const sent = await postMessage(alice1, groupId, hello.message);
    expect(sent.status).toBe(200);
    conforms(SendMessageResponse, sent.body);
    sentPayloads.push(hello.message);
    expect(await catchUp(bob)).toEqual(['hello from alice']);
    expect(await catchUp(alice2)).toEqual(['hello from alice']);
    expect(await fetchItems(alice1, 0)).toEqual([]); // a sender gets no copy of its own message
  });

  it('refuses the loser of a commit race with group.stale_epoch and the current epoch, changing nothing', async () => {
    const bobUpdate = await bob.mls.update(bob.group!);
    const aliceUpdate = await alice2.mls.update(alice2.group!);
    const won = await postCommit(bob, groupId, { commit: bobUpdate.commit, addedDevices: [], removedDevices: [] });
    expect(won.body).toEqual({ seq: 3, epoch: 2 });
    bob.group = bobUpdate.group;
    sentPayloads.push(bobUpdate.commit);
    const before = await snapshot(p.db);
    const lost = await postCommit(alice2, groupId, {
      commit: aliceUpdate.commit,
      addedDevices: [],
      removedDevices: [],
    });
    expect(lost.status).toBe(409);
    expect(lost.body).toEqual({
      error: { code: 'group.stale_epoch', message: expect.any(String), detail: { epoch: 2 } },
    });
    expect(await snapshot(p.db)).toEqual(before);
    // A message alice1 encrypted in epoch 1 before seeing the commit is refused as stale too.
    const staleMsg = await encryptFranked(alice1, new TextEncoder().encode('too late'));
    const refused = await postMessage(alice1, groupId, staleMsg.message);
    expect(refused.status).toBe(409);
    expect((refused.body as unknown as { error: { detail: unknown } }).error.detail).toEqual({ epoch: 2 });
    // The loser processes the winning commit and rebases its message onto the new epoch.
    await catchUp(alice2);
    await catchUp(alice1);
    const msg = await encryptFranked(alice2, new TextEncoder().encode('after the race'));
    alice2.group = msg.group;
    expect((await postMessage(alice2, groupId, msg.message)).status).toBe(200);
    sentPayloads.push(msg.message);
    expect(await catchUp(bob)).toEqual(['after the race']);
    expect(await catchUp(alice1)).toEqual(['after the race']);
  });

  it('answers a retried send with the first answer and queues nothing twice', async () => {
    const msg = await encryptFranked(bob, new TextEncoder().encode('exactly once, please'));
    bob.group = msg.group;
    const id = randomId();
    const first = await postMessage(bob, groupId, msg.message, id);
    const again = await postMessage(bob, groupId, msg.message, id);
    expect(first.status).toBe(200);
    expect(again.body).toEqual(first.body);
    sentPayloads.push(msg.message);
    expect(await catchUp(alice1)).toEqual(['exactly once, please']);
    expect(await catchUp(alice2)).toEqual(['exactly once, please']);
  });

  it('stores exactly the opaque bytes it was sent, and never a plaintext', async () => {
    const rows = await p.db.kysely.selectFrom('queue_items').select(['payload', 'kind']).execute();
    const stored = rows.filter((r) => r.kind !== 'event').map((r) => Buffer.from(r.payload).toString('hex'));
    for (const s of stored) {
      expect(sentPayloads.some((sent) => Buffer.from(sent).toString('hex') === s)).toBe(true);
    }
    const dump = JSON.stringify(await snapshot(p.db, []));
    for (const plaintext of ['hello from alice', 'after the race', 'exactly once, please']) {
      expect(dump).not.toContain(Buffer.from(plaintext).toString('hex'));
      expect(dump).not.toContain(plaintext);
    }
  });

  it('acknowledges items and keeps FIFO across fetches', async () => {
    const all = await fetchItems(bob, 0);
    expect(all.map((i) => i.seq)).toEqual([...all.map((i) => i.seq)].sort((a, b) => a - b));
    conforms(QueueResponse, { items: all });
    const upTo = all[1]!.seq;
    const ack = await rawRequest(p.url, 'POST', '/v1/queue/ack', { signer: bob.device, body: { upTo } });
    expect(ack.body).toEqual({ acked: 2 });
    expect((await fetchItems(bob, 0)).map((i) => i.seq)).toEqual(all.slice(2).map((i) => i.seq));
  });

  it('revokes a device: it can no longer act and every co-member gets a device_revoked event', async () => {
    const revocation = signDeviceRevocation(alice1.device.identity.secretKey, {
      accountId: alice1.device.accountId,
      deviceId: alice2.device.deviceId,
      revokedAt: Date.now(),
    });
    const forbidden = await rawRequest(p.url, 'POST', `/v1/devices/${alice2.device.deviceId}/revoke`, {
      signer: bob.device,
      body: { revocation: b64(revocation) },
    });
    expect(forbidden.status).toBe(403);
    const res = await rawRequest(p.url, 'POST', `/v1/devices/${alice2.device.deviceId}/revoke`, {
      signer: alice1.device,
      body: { revocation: b64(revocation) },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ deviceId: alice2.device.deviceId });
    const refused = await rawRequest(p.url, 'GET', '/v1/queue', { signer: alice2.device });
    expect(refused.status).toBe(403);
    expect((refused.body as { error: { code: string } }).error.code).toBe('auth.device_revoked');
    const event = `event:${JSON.stringify({ type: 'device_revoked', accountId: alice1.device.accountId, deviceId: alice2.device.deviceId })}`;
    expect(await catchUp(bob)).toEqual([event]);
    expect(await catchUp(alice1)).toEqual([event]);
    const dir = await rawRequest<AccountRecord>(p.url, 'GET', `/v1/accounts/${alice1.device.accountId}`, {
      signer: bob.device,
    });
    const revoked = dir.body.devices.find((d) => d.deviceId === alice2.device.deviceId)!;
    expect(revoked.revokedAt).toBeTypeOf('number');
    expect(revoked.revocation).toBe(b64(revocation));
    // A member commits its removal; the revoked device gets nothing more.
    const removal = await bob.mls.removeDevices(bob.group!, [
      { accountId: alice2.device.certificate.accountId, deviceId: alice2.device.certificate.deviceId },
    ]);
    const removed = await postCommit(bob, groupId, {
      commit: removal.commit,
      addedDevices: [],
      removedDevices: [alice2.device.deviceId],
    });
    expect(removed.status).toBe(200);
    bob.group = removal.group;
    const rows = await p.db.kysely
      .selectFrom('queue_items')
      .selectAll()
      .where('device_id', '=', alice2.device.deviceId)
      .execute();
    expect(rows).toEqual([]);
  });
});
