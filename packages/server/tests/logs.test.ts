/** Logs name routes and outcomes, never bodies, names, keys, signatures, nonces, tokens or hashes. */
import { createHash, randomBytes } from 'node:crypto';
import { connectTestWs, rawRequest, signRequestHeaders, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  b64,
  claim,
  postCommit,
  postMessage,
  publishKeyPackages,
  registerMember,
  type Member,
  encryptFranked,
} from './mls-fixtures.js';

describe.each(['sqlite', 'postgres'] as const)('logs (%s)', (dialect) => {
  let p: TestPlatform;
  const lines: string[] = [];
  const secrets: string[] = [];

  beforeAll(async () => {
    p = await startTestPlatform({
      dialect,
      server: { log: { level: 'trace', destination: { write: (line: string) => void lines.push(line) } } },
    });
  });
  afterAll(() => p?.close());

  it('hold none of what went over the wire', async () => {
    const name = 'zorro_private';
    const alice: Member = await registerMember(p.url, name);
    const bob = await registerMember(p.url, 'bob_private');
    secrets.push(name, 'bob_private');
    for (const m of [alice, bob]) {
      secrets.push(
        b64(m.device.identity.publicKey),
        b64(m.device.certificate.encoded),
        b64(m.device.keys.requestSigningPublicKey),
      );
    }
    await publishKeyPackages(bob, 2);
    const claimed = await claim(alice, bob.device.accountId);
    const kp = claimed.body.keyPackages[0]!;
    secrets.push(kp.data);
    alice.group = await alice.mls.createGroup(alice.state);
    const groupId = b64(alice.group.groupId);
    await rawRequest(p.url, 'POST', '/v1/groups', { signer: alice.device, body: { groupId } });
    const add = await alice.mls.addDevices(alice.group, [new Uint8Array(Buffer.from(kp.data, 'base64url'))]);
    await postCommit(alice, groupId, {
      commit: add.commit,
      welcome: add.welcome!,
      addedDevices: [kp.deviceId],
      removedDevices: [],
    });
    alice.group = add.group;
    secrets.push(b64(add.commit), b64(add.welcome!));
    const msg = await encryptFranked(alice, new TextEncoder().encode('the plaintext'));
    await postMessage(alice, groupId, msg.message);
    secrets.push(b64(msg.message), 'the plaintext');
    // A request whose signature, nonce and body digest we know.
    const body = new TextEncoder().encode(JSON.stringify({ upTo: 0 }));
    const headers = signRequestHeaders(alice.device, {
      method: 'POST',
      pathAndQuery: '/v1/queue/ack',
      body,
      contentSha256Header: true,
    });
    await rawRequest(p.url, 'POST', '/v1/queue/ack', { rawBody: body, contentType: 'application/json', headers });
    secrets.push(headers['fulcrum-signature']!, headers['fulcrum-nonce']!, headers['fulcrum-content-sha256']!);
    // Refused requests, a lookup by name, an upload, a socket.
    await rawRequest(p.url, 'POST', '/v1/queue/ack', { rawBody: body, contentType: 'application/json', headers });
    await rawRequest(p.url, 'GET', `/v1/accounts/by-name/${name}`, { signer: bob.device });
    await rawRequest(p.url, 'POST', '/v1/accounts', {
      rawBody: '{"name":"leaky_name_in_body"',
      contentType: 'application/json',
    });
    secrets.push('leaky_name_in_body');
    const blob = randomBytes(5000);
    await rawRequest(p.url, 'POST', '/v1/attachments', { signer: alice.device, body: blob });
    secrets.push(
      blob.toString('base64url'),
      blob.toString('hex').slice(0, 64),
      createHash('sha256').update(blob).digest('base64url'),
    );
    const ws = await connectTestWs(p.wsUrl, bob.device);
    await ws.waitForItems(2);
    const challenge = ws.frames[0];
    if (challenge?.type === 'challenge') secrets.push(challenge.nonce);
    await ws.close();

    const text = lines.join('');
    expect(lines.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThan(10);
    expect(text).toContain('"route":"/v1/accounts/by-name/:name"');
    for (const s of secrets) expect(text.includes(s), `log contains ${s.slice(0, 24)}…`).toBe(false);
  });
});
