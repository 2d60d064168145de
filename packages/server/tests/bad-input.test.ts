/**
 * Every kind of bad input (issue 3, "What bad input gets"): each gets its 4xx with a stable
 * `{ error: { code, message } }` body and changes nothing in storage (request_nonces aside: a
 * refused signed request still spends its nonce, so it cannot be replayed either).
 */
import {
  createTestAccountIdentity,
  createTestDevice,
  type RawResponse,
  rawRequest,
  signRequestHeaders,
  startTestPlatform,
  type TestPlatform,
} from '@fulcrum/testkit';
import { ErrorBody, createValidator, errorStatus, signDeviceRevocation, type WireErrorCode } from '@fulcrum/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, snapshot } from './helpers.js';
import {
  b64,
  claim,
  type Member,
  postCommit,
  postMessage,
  publishKeyPackages,
  registerMember,
  addMemberDevice,
  encryptFranked,
} from './mls-fixtures.js';

const isErrorBody = createValidator(ErrorBody);

describe.each(['sqlite', 'postgres'] as const)('bad input (%s)', (dialect) => {
  let p: TestPlatform;
  let alice: Member;
  let bob: Member;
  let carol2: Member;
  let dave: Member;
  let groupId: string;
  let bobKeyPackage: Uint8Array;

  beforeAll(async () => {
    p = await startTestPlatform({ dialect });
    alice = await registerMember(p.url, 'alice');
    bob = await registerMember(p.url, 'bob');
    dave = await registerMember(p.url, 'dave');
    const carol = await registerMember(p.url, 'carol');
    carol2 = await addMemberDevice(p.url, carol);
    const revocation = signDeviceRevocation(carol.device.identity.secretKey, {
      accountId: carol.device.accountId,
      deviceId: carol2.device.deviceId,
      revokedAt: Date.now(),
    });
    const revoked = await rawRequest(p.url, 'POST', `/v1/devices/${carol2.device.deviceId}/revoke`, {
      signer: carol.device,
      body: { revocation: b64(revocation) },
    });
    expect(revoked.status).toBe(200);
    expect((await publishKeyPackages(alice, 1)).status).toBe(200);
    const kp = await bob.mls.createKeyPackages(bob.state, { count: 1 });
    bob.state = kp.device;
    bobKeyPackage = kp.keyPackages[0]!.keyPackage;
    alice.group = await alice.mls.createGroup(alice.state);
    groupId = b64(alice.group.groupId);
    expect((await rawRequest(p.url, 'POST', '/v1/groups', { signer: alice.device, body: { groupId } })).status).toBe(
      201,
    );
  });
  afterAll(() => p?.close());

  /** Runs `send`, expects `code` (and its status), and that nothing but nonces changed. */
  async function refused(code: WireErrorCode, send: () => Promise<RawResponse>): Promise<RawResponse> {
    const before = await snapshot(p.db);
    const res = await send();
    expect(res.status, JSON.stringify(res.body)).toBe(errorStatus(code));
    expect(isErrorBody(res.body).ok).toBe(true);
    expect((res.body as ErrorBody).error.code).toBe(code);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await snapshot(p.db)).toEqual(before);
    return res;
  }

  const account = (name: string) => {
    const d = createTestDevice(createTestAccountIdentity(), name);
    return { name, identityKey: b64(d.identity.publicKey), deviceCertificate: b64(d.certificate.encoded) };
  };

  it('malformed JSON, empty JSON, and a JSON body that is not an object', async () => {
    await refused('request.malformed_json', () =>
      rawRequest(p.url, 'POST', '/v1/accounts', { rawBody: '{"name":', contentType: 'application/json' }),
    );
    await refused('request.malformed_json', () =>
      rawRequest(p.url, 'POST', '/v1/accounts', { rawBody: '', contentType: 'application/json' }),
    );
    await refused('request.invalid', () => rawRequest(p.url, 'POST', '/v1/accounts', { body: [1, 2] }));
  });

  it('wrong types, missing and extra fields, bad formats, non-canonical base64url', async () => {
    const good = account('erin');
    const r = await refused('request.invalid', () =>
      rawRequest(p.url, 'POST', '/v1/accounts', { body: { ...good, name: 5 } }),
    );
    expect((r.body as ErrorBody).error.detail).toEqual({ path: '/name' });
    await refused('request.invalid', () =>
      rawRequest(p.url, 'POST', '/v1/accounts', { body: { name: good.name, identityKey: good.identityKey } }),
    );
    await refused('request.invalid', () =>
      rawRequest(p.url, 'POST', '/v1/accounts', { body: { ...good, admin: true } }),
    );
    await refused('request.invalid', () =>
      rawRequest(p.url, 'POST', '/v1/accounts', { body: { ...good, name: 'Erin!' } }),
    );
    // 43 characters whose last one has non-zero padding bits: passes the pattern, not the decoder.
    const nonCanonical = `${good.identityKey.slice(0, 42)}${good.identityKey.endsWith('B') ? 'C' : 'B'}`;
    await refused('request.invalid', () =>
      rawRequest(p.url, 'POST', '/v1/accounts', { body: { ...good, identityKey: nonCanonical } }),
    );
    await refused('request.invalid', () =>
      rawRequest(p.url, 'POST', '/v1/queue/ack', { signer: alice.device, body: { upTo: '5' } }),
    );
    await refused('request.invalid', () => rawRequest(p.url, 'GET', '/v1/queue?limit=1000', { signer: alice.device }));
    await refused('request.invalid', () => rawRequest(p.url, 'GET', '/v1/queue?after=abc', { signer: alice.device }));
    await refused('request.invalid', () =>
      rawRequest(p.url, 'GET', '/v1/queue?after=1&after=2', { signer: alice.device }),
    );
    await refused('request.invalid', () => rawRequest(p.url, 'GET', '/v1/groups/not*base64', { signer: alice.device }));
  });

  it('oversized bodies and unsupported media types', async () => {
    await refused('request.too_large', () =>
      rawRequest(p.url, 'POST', '/v1/accounts', { body: { ...account('frank'), pad: 'x'.repeat(70_000) } }),
    );
    await refused('request.too_large', () =>
      rawRequest(p.url, 'POST', `/v1/groups/${groupId}/messages`, {
        signer: alice.device,
        body: { clientMessageId: randomId(), message: 'A'.repeat(400_000) },
      }),
    );
    await refused('request.unsupported_media_type', () =>
      rawRequest(p.url, 'POST', '/v1/accounts', {
        rawBody: JSON.stringify(account('gina')),
        contentType: 'text/plain',
      }),
    );
    await refused('request.unsupported_media_type', () =>
      rawRequest(p.url, 'POST', '/v1/queue/ack', { signer: alice.device, body: new Uint8Array([1, 2, 3]) }),
    );
    await refused('request.not_found', () => rawRequest(p.url, 'GET', '/v1/nothing-here'));
    await refused('request.not_found', () => rawRequest(p.url, 'DELETE', '/v1/accounts'));
  });

  it('missing, malformed, forged, stale and replayed signatures; unknown and revoked devices', async () => {
    await refused('auth.missing', () => rawRequest(p.url, 'GET', '/v1/queue'));
    await refused('auth.missing', () =>
      rawRequest(p.url, 'GET', '/v1/queue', { signer: alice.device, headers: { 'fulcrum-signature': 'short' } }),
    );
    const stranger = createTestDevice(createTestAccountIdentity(), 'stranger');
    await refused('auth.unknown_device', () => rawRequest(p.url, 'GET', '/v1/queue', { signer: stranger }));
    // alice's device id, bob's key.
    await refused('auth.bad_signature', () =>
      rawRequest(p.url, 'GET', '/v1/queue', {
        signer: { deviceId: alice.device.deviceId, requestSigningSecretKey: bob.device.requestSigningSecretKey },
      }),
    );
    // A signature over one body, sent with another.
    const signedFor = new TextEncoder().encode(JSON.stringify({ upTo: 0 }));
    const headers = signRequestHeaders(alice.device, {
      method: 'POST',
      pathAndQuery: '/v1/queue/ack',
      body: signedFor,
    });
    await refused('auth.bad_signature', () =>
      rawRequest(p.url, 'POST', '/v1/queue/ack', { body: { upTo: 99 }, headers }),
    );
    // A signature over another path.
    const other = signRequestHeaders(alice.device, { method: 'GET', pathAndQuery: '/v1/queue?after=1' });
    await refused('auth.bad_signature', () => rawRequest(p.url, 'GET', '/v1/queue?after=2', { headers: other }));
    await refused('auth.stale_timestamp', () =>
      rawRequest(p.url, 'GET', '/v1/queue', { signer: alice.device, sign: { timestamp: Date.now() - 301_000 } }),
    );
    await refused('auth.stale_timestamp', () =>
      rawRequest(p.url, 'GET', '/v1/queue', { signer: alice.device, sign: { timestamp: Date.now() + 301_000 } }),
    );
    const nonce = randomId();
    expect(
      (await rawRequest(p.url, 'GET', '/v1/keypackages/count', { signer: alice.device, sign: { nonce } })).status,
    ).toBe(200);
    await refused('auth.replayed', () =>
      rawRequest(p.url, 'GET', '/v1/keypackages/count', { signer: alice.device, sign: { nonce } }),
    );
    const ackNonce = randomId();
    expect(
      (
        await rawRequest(p.url, 'POST', '/v1/queue/ack', {
          signer: alice.device,
          body: { upTo: 0 },
          sign: { nonce: ackNonce },
        })
      ).status,
    ).toBe(200);
    await refused('auth.replayed', () =>
      rawRequest(p.url, 'POST', '/v1/queue/ack', {
        signer: alice.device,
        body: { upTo: 0 },
        sign: { nonce: ackNonce },
      }),
    );
    await refused('auth.device_revoked', () => rawRequest(p.url, 'GET', '/v1/queue', { signer: carol2.device }));
    // A request refused before its write transaction still spends its nonce.
    const spent = randomId();
    const garbage = {
      clientMessageId: randomId(),
      commit: b64(new Uint8Array(40).fill(9)),
      addedDevices: [],
      removedDevices: [],
    };
    await refused('mls.malformed', () =>
      rawRequest(p.url, 'POST', `/v1/groups/${groupId}/commits`, {
        signer: alice.device,
        body: garbage,
        sign: { nonce: spent },
      }),
    );
    await refused('auth.replayed', () =>
      rawRequest(p.url, 'POST', `/v1/groups/${groupId}/commits`, {
        signer: alice.device,
        body: garbage,
        sign: { nonce: spent },
      }),
    );
  });

  it('accounts and devices: bad certificates, taken names, unknown accounts and devices, foreign revocations', async () => {
    const a = account('henry');
    const other = account('henry');
    await refused('device.bad_certificate', () =>
      rawRequest(p.url, 'POST', '/v1/accounts', { body: { ...a, deviceCertificate: other.deviceCertificate } }),
    );
    await refused('request.invalid', () =>
      rawRequest(p.url, 'POST', '/v1/accounts', { body: { ...a, deviceCertificate: b64(new Uint8Array(5000)) } }),
    );
    await refused('account.name_taken', () => rawRequest(p.url, 'POST', '/v1/accounts', { body: account('alice') }));
    await refused('account.not_found', () =>
      rawRequest(p.url, 'GET', '/v1/accounts/by-name/nobody', { signer: alice.device }),
    );
    await refused('account.not_found', () =>
      rawRequest(p.url, 'GET', `/v1/accounts/${randomId()}`, { signer: alice.device }),
    );
    // A device certified by another account's key.
    const foreign = createTestDevice(bob.device.identity, 'bob');
    await refused('device.bad_certificate', () =>
      rawRequest(p.url, 'POST', '/v1/devices', {
        signer: alice.device,
        body: { deviceCertificate: b64(foreign.certificate.encoded) },
      }),
    );
    await refused('device.exists', () =>
      rawRequest(p.url, 'POST', '/v1/devices', {
        signer: alice.device,
        body: { deviceCertificate: b64(alice.device.certificate.encoded) },
      }),
    );
    const revocation = (deviceId: string, key = alice.device.identity.secretKey) =>
      b64(signDeviceRevocation(key, { accountId: alice.device.accountId, deviceId, revokedAt: Date.now() }));
    await refused('device.not_found', () =>
      rawRequest(p.url, 'POST', `/v1/devices/${randomId()}/revoke`, {
        signer: alice.device,
        body: { revocation: revocation(randomId()) },
      }),
    );
    await refused('auth.forbidden', () =>
      rawRequest(p.url, 'POST', `/v1/devices/${bob.device.deviceId}/revoke`, {
        signer: alice.device,
        body: { revocation: revocation(bob.device.deviceId) },
      }),
    );
    // A revocation not signed by the account's identity key.
    await refused('device.bad_certificate', () =>
      rawRequest(p.url, 'POST', `/v1/devices/${alice.device.deviceId}/revoke`, {
        signer: alice.device,
        body: { revocation: revocation(alice.device.deviceId, bob.device.identity.secretKey) },
      }),
    );
  });

  it('KeyPackages: invalid, another device’s, and double-claimed', async () => {
    await refused('keypackage.invalid', () =>
      rawRequest(p.url, 'POST', '/v1/keypackages', {
        signer: alice.device,
        body: { keyPackages: [{ data: b64(new Uint8Array(300).fill(1)), lastResort: false }] },
      }),
    );
    await refused('keypackage.invalid', () =>
      rawRequest(p.url, 'POST', '/v1/keypackages', {
        signer: alice.device,
        body: { keyPackages: [{ data: b64(bobKeyPackage), lastResort: false }] },
      }),
    );
    // The flag must match the package's own last_resort extension.
    await refused('keypackage.invalid', () =>
      rawRequest(p.url, 'POST', '/v1/keypackages', {
        signer: bob.device,
        body: { keyPackages: [{ data: b64(bobKeyPackage), lastResort: true }] },
      }),
    );
    await refused('keypackage.exhausted', () => claim(bob, dave.device.accountId));
    // alice has exactly one: the first claim gets it, the second finds none.
    expect((await claim(bob, alice.device.accountId)).status).toBe(200);
    await refused('keypackage.exhausted', () => claim(bob, alice.device.accountId));
    await refused('account.not_found', () => claim(bob, randomId()));
    await refused('device.not_found', () => claim(bob, alice.device.accountId, [randomId()]));
  });

  it('groups: exists, not found, not a member, stale epoch, malformed MLS, roster mismatch', async () => {
    await refused('group.exists', () =>
      rawRequest(p.url, 'POST', '/v1/groups', { signer: bob.device, body: { groupId } }),
    );
    await refused('group.not_found', () =>
      rawRequest(p.url, 'GET', `/v1/groups/${randomId(32)}`, { signer: alice.device }),
    );
    await refused('group.not_member', () => rawRequest(p.url, 'GET', `/v1/groups/${groupId}`, { signer: bob.device }));

    const update = await alice.mls.update(alice.group!);
    await refused('group.not_member', () =>
      postCommit(bob, groupId, { commit: update.commit, addedDevices: [], removedDevices: [] }),
    );
    await refused('mls.malformed', () =>
      postCommit(alice, groupId, { commit: new Uint8Array(64).fill(3), addedDevices: [], removedDevices: [] }),
    );
    // A valid commit posted to another group's URL.
    const otherGroup = await alice.mls.createGroup(alice.state);
    const otherId = b64(otherGroup.groupId);
    expect(
      (await rawRequest(p.url, 'POST', '/v1/groups', { signer: alice.device, body: { groupId: otherId } })).status,
    ).toBe(201);
    await refused('mls.malformed', () =>
      postCommit(alice, otherId, { commit: update.commit, addedDevices: [], removedDevices: [] }),
    );
    // An application message is not a commit, and a commit is not an application message.
    const app = await encryptFranked(alice, new TextEncoder().encode('hi'));
    await refused('mls.malformed', () =>
      postCommit(alice, groupId, { commit: app.message, addedDevices: [], removedDevices: [] }),
    );
    await refused('mls.malformed', () => postMessage(alice, groupId, update.commit));
    // A Welcome for one device while claiming to add none / two.
    const bobKp = await bob.mls.createKeyPackages(bob.state, { count: 1 });
    bob.state = bobKp.device;
    const add = await alice.mls.addDevices(alice.group!, [bobKp.keyPackages[0]!.keyPackage]);
    await refused('group.roster_mismatch', () =>
      postCommit(alice, groupId, {
        commit: add.commit,
        welcome: add.welcome!,
        addedDevices: [bob.device.deviceId, dave.device.deviceId],
        removedDevices: [],
      }),
    );
    await refused('request.invalid', () =>
      postCommit(alice, groupId, { commit: add.commit, addedDevices: [bob.device.deviceId], removedDevices: [] }),
    );
    await refused('group.roster_mismatch', () =>
      postCommit(alice, groupId, { commit: add.commit, addedDevices: [], removedDevices: [dave.device.deviceId] }),
    );
    await refused('group.roster_mismatch', () =>
      postCommit(alice, groupId, {
        commit: add.commit,
        welcome: add.welcome!,
        addedDevices: [carol2.device.deviceId],
        removedDevices: [],
      }),
    );
    // The update wins epoch 0; the add (also made at epoch 0) is then stale.
    expect(
      (await postCommit(alice, groupId, { commit: update.commit, addedDevices: [], removedDevices: [] })).status,
    ).toBe(200);
    const stale = await refused('group.stale_epoch', () =>
      postCommit(alice, groupId, {
        commit: add.commit,
        welcome: add.welcome!,
        addedDevices: [bob.device.deviceId],
        removedDevices: [],
      }),
    );
    expect((stale.body as ErrorBody).error.detail).toEqual({ epoch: 1 });
    await refused('group.stale_epoch', () => postMessage(alice, groupId, app.message));
  });
});
