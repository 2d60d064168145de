/**
 * Sends over the authenticated WebSocket (docs/protocol.md §Live push, `send` frames), on both
 * dialects: a send reaches the recipient's queue and is pushed, with the same franking stamp as
 * the HTTP route; idempotency by `clientMessageId` across both transports; every refusal answers
 * the HTTP route's code and changes nothing; the per-socket in-flight bound; a suspended account
 * cannot send; the per-device rate limit is the HTTP one (shared buckets).
 */
import { randomBytes } from 'node:crypto';
import { utf8Encode } from '@fulcrum/common';
import {
  addTestDevice,
  connectTestWs,
  rawRequest,
  registerTestAccount,
  startTestPlatform,
  type TestPlatform,
  type TestWsClient,
} from '@fulcrum/testkit';
import {
  createValidator,
  LIMITS,
  routes,
  SendMessageResponse,
  WS_MAX_SEND_FRAME_BYTES,
  type WsSendErrorFrame,
  type WsSentFrame,
  WsServerFrame,
  signDeviceRevocation,
} from '@fulcrum/wire';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus, BusEvent } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/in-process-bus.js';
import { WS_MAX_PAYLOAD_BYTES } from '../src/http/ws.js';
import { grantStaffRole } from '../src/moderation/staff.js';
import { createReportId, insertVerifiedReport } from '../src/reports/store.js';
import { snapshot } from './helpers.js';
import {
  addMemberDevice,
  b64,
  catchUp,
  claim,
  createGroupWith,
  encryptFranked,
  fetchItems,
  type Member,
  postCommit,
  postMessage,
  publishKeyPackages,
  registerMember,
} from './mls-fixtures.js';

const isServerFrame = createValidator(WsServerFrame);
const isSendAnswer = createValidator(SendMessageResponse);
const cmid = () => randomBytes(16).toString('base64url');
let ids = 0;
const nextId = () => `r${++ids}`;

function errorOf(answer: WsSentFrame | WsSendErrorFrame): { code: string; detail?: Record<string, unknown> } {
  expect(answer.type).toBe('send_error');
  return (answer as WsSendErrorFrame).error;
}

function sentOf(answer: WsSentFrame | WsSendErrorFrame): WsSentFrame {
  expect(answer, JSON.stringify(answer)).toMatchObject({ type: 'sent' });
  return answer as WsSentFrame;
}

/** The answer body without the frame's `type` and `id`: what HTTP answers. */
function bodyOf(answer: WsSentFrame): SendMessageResponse {
  const { type: _t, id: _i, ...body } = answer;
  return body;
}

describe.each(['sqlite', 'postgres'] as const)('WebSocket sends (%s)', (dialect) => {
  let p: TestPlatform;
  let alice: Member;
  let bob: Member;
  let carol: Member;
  let groupId: string;
  let aliceWs: TestWsClient;
  let bobWs: TestWsClient;

  async function message(text: string): Promise<Uint8Array> {
    const m = await encryptFranked(alice, utf8Encode(text));
    alice.group = m.group;
    return m.message;
  }
  const send = (ws: TestWsClient, msg: Uint8Array | string, over: Record<string, unknown> = {}) =>
    ws.request({
      type: 'send',
      id: nextId(),
      groupId,
      clientMessageId: cmid(),
      message: typeof msg === 'string' ? msg : b64(msg),
      ...over,
    });

  beforeAll(async () => {
    p = await startTestPlatform({ dialect, server: { rateLimit: false } });
    alice = await registerMember(p.url, 'alice');
    bob = await registerMember(p.url, 'bob');
    carol = await registerMember(p.url, 'carol');
    await publishKeyPackages(bob, 1);
    groupId = await createGroupWith(alice, [bob.device.accountId]);
    await catchUp(bob); // joins from the Welcome
    aliceWs = await connectTestWs(p.wsUrl, alice.device);
    bobWs = await connectTestWs(p.wsUrl, bob.device);
    await bobWs.waitForItems(1); // the Welcome
  });
  afterAll(async () => {
    await aliceWs?.close();
    await bobWs?.close();
    await p?.close();
  });

  it('a send over the socket is queued for the recipient, pushed to it, and stamped as over HTTP', async () => {
    const before = bobWs.items().length;
    const viaWs = await message('over the socket');
    const answer = sentOf(await send(aliceWs, viaWs));
    expect(isServerFrame(answer).ok).toBe(true);
    expect(isSendAnswer(bodyOf(answer)).ok).toBe(true);
    const [pushed] = (await bobWs.waitForItems(before + 1)).slice(before);
    expect(pushed).toMatchObject({
      kind: 'application',
      groupId,
      senderDeviceId: alice.device.deviceId,
      payload: b64(viaWs),
      franking: answer.franking,
    });
    // The same franking stamp shape as the HTTP route's answer, for a message sent over HTTP.
    const viaHttp = await postMessage(alice, groupId, await message('over HTTP'));
    expect(viaHttp.status).toBe(200);
    expect(Object.keys(viaHttp.body).sort()).toEqual(Object.keys(bodyOf(answer)).sort());
    expect(Object.keys(viaHttp.body.franking ?? {}).sort()).toEqual(Object.keys(answer.franking ?? {}).sort());
    expect(viaHttp.body.seq).toBe(answer.seq + 1);
    expect(answer.franking).toMatchObject({ seq: answer.seq, epoch: 1 });
    // Bob decrypts both and each stamp verifies against the server's key (catchUp checks it).
    expect(await catchUp(bob)).toEqual(['over the socket', 'over HTTP']);
  });

  it('idempotency by clientMessageId holds across retries and across the two transports', async () => {
    const queued = async () => (await fetchItems(bob, 0)).length;
    // Socket, then socket again, then HTTP: one item, one answer.
    const m1 = await message('once');
    const id1 = cmid();
    const first = bodyOf(sentOf(await send(aliceWs, m1, { clientMessageId: id1 })));
    const n = await queued();
    expect(bodyOf(sentOf(await send(aliceWs, m1, { clientMessageId: id1 })))).toEqual(first);
    const http = await postMessage(alice, groupId, m1, id1);
    expect([http.status, http.body]).toEqual([200, first]);
    // HTTP first, then the socket (a client whose socket came up after a lost HTTP answer).
    const m2 = await message('twice');
    const id2 = cmid();
    const viaHttp = await postMessage(alice, groupId, m2, id2);
    expect(viaHttp.status).toBe(200);
    expect(bodyOf(sentOf(await send(aliceWs, m2, { clientMessageId: id2 })))).toEqual(viaHttp.body);
    // A retry on a new socket (the first one's answer lost) gets the same answer too.
    const other = await connectTestWs(p.wsUrl, alice.device);
    expect(bodyOf(sentOf(await send(other, m2, { clientMessageId: id2 })))).toEqual(viaHttp.body);
    await other.close();
    expect(await queued()).toBe(n + 1);
    await catchUp(bob);
  });

  it('refuses each bad send with the HTTP code and changes nothing; the socket stays usable', async () => {
    const fresh = await message('valid, for other groups and devices');
    // A message of the group's next epoch is made below; this one stays at the current epoch.
    const before = await snapshot(p.db);
    const refused = async (over: Record<string, unknown>, msg: Uint8Array | string = fresh, ws = aliceWs) =>
      errorOf(await send(ws, msg, over));

    // Bad base64url: not the alphabet / length (schema), and non-canonical padding bits.
    expect(await refused({}, 'AA+/')).toMatchObject({ code: 'request.invalid', detail: { path: '/message' } });
    expect(await refused({}, 'AB')).toMatchObject({ code: 'request.invalid', detail: { path: '/message' } });
    expect(await refused({ clientMessageId: 'short' })).toMatchObject({
      code: 'request.invalid',
      detail: { path: '/clientMessageId' },
    });
    expect(await refused({ extra: true })).toMatchObject({ code: 'request.invalid' });
    // Not an MLS message; a message of another group than the frame names.
    expect((await refused({}, b64(utf8Encode('not mls at all')))).code).toBe('mls.malformed');
    const otherGroupId = b64(randomBytes(32));
    expect((await refused({ groupId: otherGroupId })).code).toBe('mls.malformed');
    // A group the server does not know: Carol's local group, never created on the server.
    const local = await carol.mls.createGroup(carol.state);
    const sealed = await encryptFranked({ ...carol, group: local }, utf8Encode('hello?'));
    expect((await refused({ groupId: b64(local.groupId) }, sealed.message)).code).toBe('group.not_found');
    // Carol is not a member of Alice's group (she replays Alice's ciphertext as her own).
    const carolWs = await connectTestWs(p.wsUrl, carol.device);
    expect((await refused({}, fresh, carolWs)).code).toBe('group.not_member');
    // An application message that is not franked.
    const unfranked = await alice.mls.encryptMessage(alice.group!, utf8Encode('plain'));
    alice.group = unfranked.group;
    expect((await refused({}, unfranked.message)).code).toBe('franking.bad_commitment');
    // Oversized: a message over the limit (schema), a frame over the send-frame limit.
    expect(await refused({}, b64(new Uint8Array(LIMITS.messageMaxBytes + 1)))).toMatchObject({
      code: 'request.invalid',
      detail: { path: '/message' },
    });
    expect(await refused({ pad: 'x'.repeat(WS_MAX_SEND_FRAME_BYTES) })).toMatchObject({
      code: 'request.too_large',
      detail: { limit: WS_MAX_SEND_FRAME_BYTES },
    });
    expect(await snapshot(p.db)).toEqual(before);

    // Still open and usable after every refusal.
    expect(sentOf(await send(aliceWs, fresh)).seq).toBeGreaterThan(0);
    await carolWs.close();
    await catchUp(bob);
  });

  it('refuses a message of an old epoch with group.stale_epoch and the current epoch', async () => {
    const stale = await message('from epoch 1');
    // Alice adds Bob's second device: the group moves to epoch 2.
    const bob2 = await addMemberDevice(p.url, bob);
    await publishKeyPackages(bob2, 1);
    const kps = (await claim(alice, bob.device.accountId, [bob2.device.deviceId])).body.keyPackages;
    const add = await alice.mls.addDevices(
      alice.group!,
      kps.map((k) => new Uint8Array(Buffer.from(k.data, 'base64url'))),
    );
    expect(
      (
        await postCommit(alice, groupId, {
          commit: add.commit,
          welcome: add.welcome!,
          addedDevices: [bob2.device.deviceId],
          removedDevices: [],
        })
      ).status,
    ).toBe(200);
    alice.group = add.group;
    const before = await snapshot(p.db);
    expect(errorOf(await send(aliceWs, stale))).toMatchObject({ code: 'group.stale_epoch', detail: { epoch: 2 } });
    expect(await snapshot(p.db)).toEqual(before);
    expect(sentOf(await send(aliceWs, await message('from epoch 2'))).franking).toMatchObject({ epoch: 2 });
    await catchUp(bob);
  });

  it('answers a send before authentication with auth.missing, and closes on an unreadable id or a huge frame', async () => {
    const early = await connectTestWs(p.wsUrl); // the challenge arrived; no auth
    const before = await snapshot(p.db);
    const answer = await early.request({
      type: 'send',
      id: 1,
      groupId,
      clientMessageId: cmid(),
      message: b64(await message('too early')),
    });
    expect(errorOf(answer).code).toBe('auth.missing');
    expect(await snapshot(p.db)).toEqual(before);
    await early.close();

    const noId = await connectTestWs(p.wsUrl, alice.device);
    noId.send({ type: 'send', id: { nested: true }, groupId, clientMessageId: cmid(), message: 'AAAA' });
    expect(await noId.closed).toMatchObject({ code: 4400 });
    expect(noId.frames.at(-1)).toMatchObject({ type: 'error', error: { code: 'request.invalid' } });

    // Past the largest frame the server reads at all: `ws` closes with 1009 (message too big).
    const raw = new WebSocket(p.wsUrl);
    const closed = new Promise<number>((resolve) => raw.on('close', (code) => resolve(code)));
    raw.on('error', () => {});
    raw.on('open', () => raw.send(JSON.stringify({ type: 'send', id: 1, pad: 'x'.repeat(WS_MAX_PAYLOAD_BYTES) })));
    expect(await closed).toBe(1009);
  });

  it('bounds unanswered sends per socket: the 65th of a burst is refused rate.limited, the others are answered', async () => {
    const ws = await connectTestWs(p.wsUrl, alice.device);
    const msg = b64(await message('burst'));
    const frames = Array.from({ length: LIMITS.wsMaxInFlightSends + 1 }, (_, i) => ({
      type: 'send',
      id: i,
      groupId,
      clientMessageId: cmid(),
      message: msg,
    }));
    // One TCP write: the server reads all 65 frames before any of them can be committed.
    ws.sendBurst(frames);
    const answers = await Promise.all(frames.map((f) => ws.answer(f.id, 30_000)));
    const refused = answers.filter((a) => a.type === 'send_error');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      id: LIMITS.wsMaxInFlightSends,
      error: { code: 'rate.limited', detail: { maxInFlight: LIMITS.wsMaxInFlightSends } },
    });
    expect(answers.filter((a) => a.type === 'sent')).toHaveLength(LIMITS.wsMaxInFlightSends);
    // Once answered, the socket takes sends again.
    expect(sentOf(await send(ws, msg)).seq).toBeGreaterThan(0);
    await ws.close();
  });

  it('refuses sends of a suspended account (account.suspended) and queues nothing', async () => {
    const mod = await registerTestAccount(p.url, `mod${dialect[0]}`);
    await p.db.transaction((tx) =>
      grantStaffRole(tx, { accountId: mod.accountId, role: 'moderator', by: null, now: Date.now() }),
    );
    expect(sentOf(await send(aliceWs, await message('before the suspension'))).seq).toBeGreaterThan(0);
    const reportId = createReportId();
    const now = Date.now();
    await p.db.transaction((tx) =>
      insertVerifiedReport(tx, {
        id: reportId,
        reporterAccountId: bob.device.accountId,
        reporterDeviceId: bob.device.deviceId,
        reportedAccountId: alice.device.accountId,
        conversationId: groupId,
        category: 'threats',
        note: null,
        createdAt: now,
        retainUntil: now + 86_400_000,
        messages: [
          {
            role: 'reported',
            senderAccountId: alice.device.accountId,
            senderDeviceId: alice.device.deviceId,
            serverSeq: 1,
            epoch: 1,
            serverTime: now - 1000,
            keyId: 'k1',
            body: utf8Encode('reported'),
            frankingKey: new Uint8Array(randomBytes(32)),
            commitment: new Uint8Array(randomBytes(32)),
            tag: new Uint8Array(randomBytes(32)),
          },
        ],
        files: [],
      }),
    );
    const call = (path: string, body: unknown) => rawRequest(p.url, 'POST', path, { signer: mod, body });
    expect((await call(routes.modClaim.path.replace(':reportId', reportId), {})).status).toBe(200);
    const decided = await call(routes.modDecide.path.replace(':reportId', reportId), {
      action: 'suspend',
      reason: 'threats',
    });
    expect(decided.status).toBe(201);
    // The socket authenticated before the suspension: its next send is refused all the same.
    const before = await snapshot(p.db);
    const refused = errorOf(await send(aliceWs, await message('after the suspension')));
    expect(refused.code).toBe('account.suspended');
    expect(await snapshot(p.db)).toEqual(before);
    // The same refusal over HTTP; the socket itself stays open (its queue and notices still come).
    const http = await postMessage(alice, groupId, await message('over HTTP'));
    expect([http.status, (http.body as unknown as { error: { code: string } }).error.code]).toEqual([
      403,
      'account.suspended',
    ]);
  });
});

describe('WebSocket sends share the HTTP rate limits (sqlite; the limiter is in memory)', () => {
  let p: TestPlatform;
  let alice: Member;
  let groupId: string;
  let offset = 0;
  const base = Date.now();
  const clock = { now: () => base + offset };

  beforeAll(async () => {
    p = await startTestPlatform({
      dialect: 'sqlite',
      server: { clock, rateLimit: { device: { burst: 12, perSecond: 1 }, account: { burst: 100, perSecond: 1 } } },
    });
    alice = await registerMember(p.url, 'alice'); // 1 request (account creation: its own bucket)
    alice.group = await alice.mls.createGroup(alice.state);
    groupId = b64(alice.group.groupId);
    // 1 signed request of the device's 12.
    expect((await rawRequest(p.url, 'POST', '/v1/groups', { signer: alice.device, body: { groupId } })).status).toBe(
      201,
    );
  });
  afterAll(() => p?.close());

  it('charges socket sends to the device bucket the signed requests use, and refuses with retryAfterSeconds', async () => {
    const ws = await connectTestWs(p.wsUrl, alice.device);
    const statuses: string[] = [];
    for (let i = 0; i < 12; i++) {
      const m = await encryptFranked(alice, utf8Encode(`m${i}`));
      alice.group = m.group;
      const a = await ws.request({ type: 'send', id: i, groupId, clientMessageId: cmid(), message: b64(m.message) });
      statuses.push(a.type === 'sent' ? 'sent' : a.error.code);
    }
    // 12 tokens: 1 spent on the group creation, 11 sends, then refused.
    expect(statuses).toEqual([...Array(11).fill('sent'), 'rate.limited']);
    const last = await ws.request({ type: 'send', id: 'x', groupId, clientMessageId: cmid(), message: 'AAAA' });
    const error = errorOf(last);
    expect(error).toMatchObject({ code: 'rate.limited' });
    const retryAfter = error.detail?.retryAfterSeconds as number;
    expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
    // The signed HTTP requests of the device are refused too: one bucket.
    expect((await rawRequest(p.url, 'GET', '/v1/queue', { signer: alice.device })).status).toBe(429);
    // After the refill, exactly one more send passes.
    offset += retryAfter * 1000;
    const m = await encryptFranked(alice, utf8Encode('after the refill'));
    alice.group = m.group;
    const again = await ws.request({
      type: 'send',
      id: 'y',
      groupId,
      clientMessageId: cmid(),
      message: b64(m.message),
    });
    expect(again.type).toBe('sent');
    await ws.close();
  });
});

describe.each(['sqlite', 'postgres'] as const)('WebSocket sends of a device revoked meanwhile (%s)', (dialect) => {
  // A bus that loses every `device.revoked` event (as a NATS outage could): the revoked device's
  // socket is not closed by the bus, so only the per-send check stands between it and a send.
  const inner = new InProcessBus();
  const lossy: Bus = {
    publish: (events: readonly BusEvent[]) => inner.publish(events.filter((e) => e.type !== 'device.revoked')),
    subscribe: (deviceId, handler) => inner.subscribe(deviceId, handler),
    close: () => inner.close(),
  };
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ dialect, server: { bus: lossy, rateLimit: false } });
  });
  afterAll(() => p?.close());

  it('refuses the send with auth.device_revoked and closes the socket with 4403', async () => {
    const alice = await registerMember(p.url, 'alice');
    const second = await addTestDevice(p.url, alice.device);
    alice.group = await alice.mls.createGroup(alice.state);
    const groupId = b64(alice.group.groupId);
    await rawRequest(p.url, 'POST', '/v1/groups', { signer: alice.device, body: { groupId } });
    const ws = await connectTestWs(p.wsUrl, second);
    const revocation = signDeviceRevocation(alice.device.identity.secretKey, {
      accountId: alice.device.accountId,
      deviceId: second.deviceId,
      revokedAt: Date.now(),
    });
    const revoked = await rawRequest(p.url, 'POST', `/v1/devices/${second.deviceId}/revoke`, {
      signer: alice.device,
      body: { revocation: b64(revocation) },
    });
    expect(revoked.status).toBe(200);
    const before = await snapshot(p.db);
    const m = await encryptFranked(alice, utf8Encode('from a revoked device'));
    const answer = await ws.request({ type: 'send', id: 1, groupId, clientMessageId: cmid(), message: b64(m.message) });
    expect(errorOf(answer).code).toBe('auth.device_revoked');
    expect(await ws.closed).toMatchObject({ code: 4403 });
    expect(await snapshot(p.db)).toEqual(before);
  });
});
