import { encodeBase64Url } from '@fulcrum/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CreateAccountRequest } from './accounts.js';
import { base64UrlBytes } from './base64url.js';
import { CommitRequest } from './groups.js';
import { ClaimKeyPackagesRequest, UploadKeyPackagesRequest } from './keypackages.js';
import { base64UrlLength, LIMITS } from './limits.js';
import { AckRequest, QueueItem, QueueQuery } from './queue.js';
import { buildPath, routes } from './routes.js';
import { createValidator, parseWire } from './validate.js';
import { WsClientFrame, WsServerFrame } from './ws.js';

const b64 = (n: number, fill = 7) => encodeBase64Url(new Uint8Array(n).fill(fill));

describe('base64url fields', () => {
  it('base64UrlLength matches the encoder for every length', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2000 }), (n) => {
        expect(base64UrlLength(n)).toBe(encodeBase64Url(new Uint8Array(n)).length);
      }),
    );
  });

  it('bound the decoded size and the alphabet', () => {
    const v = createValidator(base64UrlBytes(2, 5));
    expect(v(b64(1)).ok).toBe(false);
    expect(v(b64(2)).ok).toBe(true);
    expect(v(b64(5)).ok).toBe(true);
    expect(v(b64(6)).ok).toBe(false);
    expect(v('AA+/').ok).toBe(false);
    expect(v('AAA=').ok).toBe(false);
    expect(v(42).ok).toBe(false);
  });
});

describe('request schemas', () => {
  const account = { name: 'alice', identityKey: b64(32), deviceCertificate: b64(200) };

  it('accept a valid body and refuse wrong types, extra fields and bad names', () => {
    const v = createValidator(CreateAccountRequest);
    expect(v(account).ok).toBe(true);
    expect(v({ ...account, extra: 1 }).ok).toBe(false);
    expect(v({ ...account, name: 'Alice' }).ok).toBe(false);
    expect(v({ ...account, name: 'al' }).ok).toBe(false);
    expect(v({ ...account, identityKey: b64(31) }).ok).toBe(false);
    const bad = v({ ...account, deviceCertificate: 5 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.path).toBe('/deviceCertificate');
    expect(v(null).ok).toBe(false);
    expect(v([]).ok).toBe(false);
  });

  it('bounds KeyPackage uploads and claims', () => {
    const v = createValidator(UploadKeyPackagesRequest);
    const kp = { data: b64(300), lastResort: false };
    expect(v({ keyPackages: [kp] }).ok).toBe(true);
    expect(v({ keyPackages: [] }).ok).toBe(false);
    expect(v({ keyPackages: Array(LIMITS.keyPackagesPerUpload + 1).fill(kp) }).ok).toBe(false);
    expect(v({ keyPackages: [{ data: b64(LIMITS.keyPackageMaxBytes + 1), lastResort: false }] }).ok).toBe(false);
    expect(v({ keyPackages: [{ data: b64(10), lastResort: 'no' }] }).ok).toBe(false);
    const c = createValidator(ClaimKeyPackagesRequest);
    expect(c({ accountId: b64(16) }).ok).toBe(true);
    expect(c({ accountId: b64(16), deviceIds: [b64(16, 1), b64(16, 1)] }).ok).toBe(false);
  });

  it('commits carry unique device lists', () => {
    const v = createValidator(CommitRequest);
    const ok = { clientMessageId: b64(16), commit: b64(100), addedDevices: [b64(16, 1)], removedDevices: [] };
    expect(v(ok).ok).toBe(true);
    expect(v({ ...ok, welcome: b64(50) }).ok).toBe(true);
    expect(v({ ...ok, addedDevices: [b64(16, 1), b64(16, 1)] }).ok).toBe(false);
    expect(v({ ...ok, clientMessageId: b64(15) }).ok).toBe(false);
  });

  it('never coerces a JSON body, but coerces query strings', () => {
    expect(createValidator(AckRequest)({ upTo: '5' }).ok).toBe(false);
    expect(createValidator(AckRequest)({ upTo: -1 }).ok).toBe(false);
    expect(createValidator(AckRequest)({ upTo: 1.5 }).ok).toBe(false);
    const q = createValidator(QueueQuery, { coerce: true })({ after: '5', limit: '10' });
    expect(q).toEqual({ ok: true, value: { after: 5, limit: 10 } });
    expect(createValidator(QueueQuery, { coerce: true })({ limit: '501' }).ok).toBe(false);
    expect(createValidator(QueueQuery, { coerce: true })({ after: 'x' }).ok).toBe(false);
  });

  it('parseWire throws request.invalid with the path', () => {
    expect(() => parseWire(AckRequest, { upTo: 'x' })).toThrowError(
      expect.objectContaining({ code: 'request.invalid', detail: { path: '/upTo' } }),
    );
  });
});

describe('queue items and WebSocket frames', () => {
  it('validate both directions', () => {
    const item = {
      seq: 1,
      groupId: b64(32),
      kind: 'application',
      senderDeviceId: b64(16),
      payload: b64(40),
      serverTime: 1,
    };
    expect(createValidator(QueueItem)(item).ok).toBe(true);
    expect(createValidator(QueueItem)({ ...item, kind: 'other' }).ok).toBe(false);
    const server = createValidator(WsServerFrame);
    expect(server({ type: 'item', item }).ok).toBe(true);
    expect(server({ type: 'challenge', nonce: b64(32) }).ok).toBe(true);
    expect(server({ type: 'challenge', nonce: b64(16) }).ok).toBe(false);
    const client = createValidator(WsClientFrame);
    expect(client({ type: 'auth', deviceId: b64(16), signature: b64(64) }).ok).toBe(true);
    expect(client({ type: 'ack', upTo: 3 }).ok).toBe(true);
    expect(client({ type: 'ack', upTo: 3, x: 1 }).ok).toBe(false);
    expect(client({ type: 'hello' }).ok).toBe(false);
  });
});

describe('routes', () => {
  it('fills path parameters', () => {
    expect(buildPath(routes.getGroup.path, { groupId: 'abc_-' })).toBe('/v1/groups/abc_-');
    expect(() => buildPath(routes.getGroup.path, {})).toThrowError(
      expect.objectContaining({ code: 'request.invalid' }),
    );
  });

  it('every JSON body has a limit large enough for its largest valid body', () => {
    for (const [name, r] of Object.entries(routes)) {
      if ('body' in r && typeof r.body === 'object') expect(r.bodyLimit, name).toBeGreaterThan(1000);
    }
    expect(routes.commit.bodyLimit).toBeGreaterThan(base64UrlLength(LIMITS.welcomeMaxBytes + LIMITS.commitMaxBytes));
  });
});
