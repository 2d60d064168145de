/**
 * Rate limits (README §Limits): a flooding device is throttled with 429 `rate.limited` and a
 * `retry-after`, other devices are not, forged requests cannot drain a device's bucket, an
 * account cannot multiply its budget by adding devices (per-account limit) while other accounts
 * are not throttled, and unauthenticated account creation is limited per client address. Time is the server's injected
 * clock, moved by the test, so nothing depends on wall-clock speed.
 */
import { RateLimiter, takeEach } from '../src/http/rate-limit.js';
import {
  addTestDevice,
  rawRequest,
  registerTestAccount,
  startTestPlatform,
  type TestDevice,
  type TestPlatform,
} from '@fulcrum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('rate limits (sqlite; the limiter is in memory, so the dialect does not matter)', () => {
  let p: TestPlatform;
  // The server's clock: the start time plus an offset the test moves forward (within the ±300 s
  // timestamp window, so signed requests stay valid). Frozen otherwise, so real time passing on
  // a slow machine refills nothing between the requests the test counts.
  let offset = 0;
  const base = Date.now();
  const clock = { now: () => base + offset };
  let flooder: TestDevice;
  let other: TestDevice;

  const queue = (d: TestDevice) => rawRequest(p.url, 'GET', '/v1/queue', { signer: d });

  beforeAll(async () => {
    p = await startTestPlatform({
      dialect: 'sqlite',
      server: {
        clock,
        rateLimit: { device: { burst: 5, perSecond: 1 }, accountCreation: { burst: 3, perSecond: 0.1 } },
      },
    });
    flooder = await registerTestAccount(p.url, 'flooder');
    other = await registerTestAccount(p.url, 'other');
  });
  afterAll(() => p?.close());

  it('throttles a flooding device, not another one, and lets it through again after the refill', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await queue(flooder)).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    const refused = await queue(flooder);
    expect(refused.status).toBe(429);
    expect((refused.body as { error: { code: string } }).error.code).toBe('rate.limited');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);

    // Another device is unaffected.
    for (let i = 0; i < 5; i++) expect((await queue(other)).status).toBe(200);

    // After `retry-after` seconds of server time a token is back: exactly one more request passes.
    offset += retryAfter * 1000;
    expect((await queue(flooder)).status).toBe(200);
    expect((await queue(flooder)).status).toBe(429);
    // A full refill restores the whole burst.
    offset += 10_000;
    for (let i = 0; i < 5; i++) expect((await queue(flooder)).status).toBe(200);
    expect((await queue(flooder)).status).toBe(429);
  });

  it("does not let forged requests drain another device's bucket", async () => {
    offset += 10_000; // everyone full again
    const victim = await registerTestAccount(p.url, 'victim');
    const impostor = await registerTestAccount(p.url, 'impostor');
    for (let i = 0; i < 20; i++) {
      // The victim's device id with the impostor's signature: refused as a bad signature, not counted.
      const forged = await rawRequest(p.url, 'GET', '/v1/queue', {
        signer: { ...impostor, deviceId: victim.deviceId },
      });
      expect(forged.status).toBe(401);
      expect((forged.body as { error: { code: string } }).error.code).toBe('auth.bad_signature');
    }
    for (let i = 0; i < 5; i++) expect((await queue(victim)).status).toBe(200);
  });

  it('limits unauthenticated account creation per client address', async () => {
    offset += 60_000;
    for (let i = 0; i < 3; i++) await registerTestAccount(p.url, `burst-${i}`);
    const refused = await registerTestAccount(p.url, 'one-too-many').then(
      () => undefined,
      (err: Error) => err,
    );
    expect(refused?.message).toMatch(/ 429 /);
    // Authenticated devices are not affected by the address limit.
    expect((await queue(other)).status).toBe(200);
    offset += 10_000; // 0.1 token a second: one more account
    await registerTestAccount(p.url, 'after-refill');
  });
});

describe('per-account rate limit (sqlite; in memory)', () => {
  let p: TestPlatform;
  let offset = 0;
  // Frozen apart from what the test adds: real time must not refill buckets on a slow machine
  // (the offset stays well inside the ±300 s window for signed requests' timestamps).
  const base = Date.now();
  const clock = { now: () => base + offset };
  let devices: TestDevice[]; // one account's three devices
  let other: TestDevice; // another account

  const queue = (d: TestDevice) => rawRequest(p.url, 'GET', '/v1/queue', { signer: d });
  const statuses = async (ds: readonly TestDevice[]) => {
    const out: number[] = [];
    for (const d of ds) out.push((await queue(d)).status);
    return out;
  };

  beforeAll(async () => {
    p = await startTestPlatform({
      dialect: 'sqlite',
      server: {
        clock,
        // Each device alone may make 5 requests; the account, all devices together, 8.
        rateLimit: { device: { burst: 5, perSecond: 1 }, account: { burst: 8, perSecond: 1 } },
      },
    });
    const first = await registerTestAccount(p.url, 'many-devices');
    devices = [first, await addTestDevice(p.url, first), await addTestDevice(p.url, first)];
    other = await registerTestAccount(p.url, 'bystander');
  });
  afterAll(() => p?.close());

  it('caps an account’s devices together at the account budget; another account is not throttled', async () => {
    offset += 60_000; // every bucket full
    // Round robin over the three devices: 12 requests, at most 4 per device (each under its own 5).
    const got = await statuses(Array.from({ length: 12 }, (_, i) => devices[i % 3]!));
    expect(got).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429, 429, 429, 429]);
    const refused = await queue(devices[2]!);
    expect(refused.status).toBe(429);
    expect((refused.body as { error: { code: string } }).error.code).toBe('rate.limited');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
    // Another account's device has its whole device budget (and then its device limit applies).
    expect(await statuses(Array(6).fill(other))).toEqual([200, 200, 200, 200, 200, 429]);
    // After `retry-after` seconds the account has exactly one token again, whichever device uses it.
    offset += retryAfter * 1000;
    expect(await statuses([devices[1]!, devices[0]!])).toEqual([200, 429]);
  });

  it('charges neither bucket for a refused request', async () => {
    offset += 60_000;
    // One device floods past its own limit: 5 pass, 20 are refused by the device bucket …
    const flood = await statuses(Array(25).fill(devices[0]));
    expect(flood).toEqual([...Array(5).fill(200), ...Array(20).fill(429)]);
    // … and those refusals cost the account nothing: 8 − 5 = 3 are left for the other devices.
    expect(await statuses([devices[1]!, devices[2]!, devices[1]!, devices[2]!])).toEqual([200, 200, 200, 429]);
    // Refused by the account, device 2 kept its own tokens: after one second (one account token,
    // device buckets +1) it passes, then the account is empty again.
    offset += 1000;
    expect(await statuses([devices[2]!, devices[1]!])).toEqual([200, 429]);
  });
});

describe('RateLimiter', () => {
  it('refills continuously, caps at the burst, ignores a clock going backwards, and forgets the least recently used key', () => {
    let t = 1_000_000;
    const limiter = new RateLimiter({ burst: 2, perSecond: 4 }, { now: () => t }, 2);
    expect(limiter.take('a')).toEqual({ ok: true });
    expect(limiter.take('a')).toEqual({ ok: true });
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    t += 250; // one token at 4/s
    expect(limiter.take('a')).toEqual({ ok: true });
    expect(limiter.take('a').ok).toBe(false);
    t -= 10_000; // backwards: no refill, no negative balance
    expect(limiter.take('a').ok).toBe(false);
    t += 10_000 + 3_600_000; // long idle: capped at the burst
    expect([limiter.take('a').ok, limiter.take('a').ok, limiter.take('a').ok]).toEqual([true, true, false]);
    limiter.take('b');
    limiter.take('c'); // evicts 'a', the least recently used
    expect(limiter.size).toBe(2);
    const slow = new RateLimiter({ burst: 1, perSecond: 0.1 }, { now: () => t });
    slow.take('x');
    expect(slow.take('x')).toEqual({ ok: false, retryAfterSeconds: 10 });
  });
});

describe('takeEach', () => {
  it('takes from every bucket or from none, and reports the longest wait', () => {
    const t = 1_000_000;
    const clock = { now: () => t };
    const device = new RateLimiter({ burst: 2, perSecond: 1 }, clock);
    const account = new RateLimiter({ burst: 3, perSecond: 0.5 }, clock);
    const both = (d: string) =>
      takeEach([
        [device, d],
        [account, 'acct'],
      ]);
    expect(both('d1')).toEqual({ ok: true });
    expect(both('d1')).toEqual({ ok: true });
    // d1's own bucket is empty: refused, and the account is not charged.
    expect(both('d1')).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(both('d2')).toEqual({ ok: true }); // the account's third token
    // Now the account is empty (2 s per token): refused with the longer wait, d2 keeps its token.
    expect(both('d2')).toEqual({ ok: false, retryAfterSeconds: 2 });
    expect(device.take('d2')).toEqual({ ok: true });
    expect(device.take('d2').ok).toBe(false);
    // An absent limiter is skipped.
    expect(takeEach([[undefined, 'x']])).toEqual({ ok: true });
  });
});
