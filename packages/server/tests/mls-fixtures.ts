import {
  createDeviceState,
  createMlsClient,
  type DeviceState,
  type EncryptResult,
  type GroupState,
  type MlsClient,
} from '@fulcrum/e2ee';
import {
  commitMessage,
  createFrankingKey,
  decodeFrankedEnvelope,
  encodeFrankedEnvelope,
  encodeFrankingAad,
  parseFrankingAad,
  verifyReceivedMessage,
} from '@fulcrum/franking';
import { rawRequest, registerTestAccount, serverKeyDirectory, type TestDevice, addTestDevice } from '@fulcrum/testkit';
import type { ClaimKeyPackagesResponse, QueueItem, QueueResponse, SendMessageResponse } from '@fulcrum/wire';
import { expect } from 'vitest';

export const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
export const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64url'));

/** A device with its MLS client and state, talking to a test server over raw HTTP. */
export interface Member {
  readonly url: string;
  readonly device: TestDevice;
  readonly mls: MlsClient;
  state: DeviceState;
  group?: GroupState;
  /** The highest queue seq processed. */
  seen: number;
}

async function member(url: string, device: TestDevice): Promise<Member> {
  const mls = await createMlsClient({ directory: serverKeyDirectory(url, device) });
  return { url, device, mls, state: createDeviceState(device.keys, device.certificate), seen: 0 };
}

export async function registerMember(url: string, name: string): Promise<Member> {
  return member(url, await registerTestAccount(url, name));
}

export async function addMemberDevice(url: string, existing: Member): Promise<Member> {
  return member(url, await addTestDevice(url, existing.device));
}

/** Creates KeyPackages with e2ee and uploads them; returns the raw answer. */
export async function publishKeyPackages(m: Member, count: number, lastResort = false) {
  const { device, keyPackages } = await m.mls.createKeyPackages(m.state, { count, lastResort });
  m.state = device;
  return rawRequest<{ stored: number; available: number }>(m.url, 'POST', '/v1/keypackages', {
    signer: m.device,
    body: { keyPackages: keyPackages.map((k) => ({ data: b64(k.keyPackage), lastResort: k.lastResort })) },
  });
}

export async function claim(m: Member, accountId: string, deviceIds?: string[]) {
  return rawRequest<ClaimKeyPackagesResponse>(m.url, 'POST', '/v1/keypackages/claim', {
    signer: m.device,
    body: deviceIds === undefined ? { accountId } : { accountId, deviceIds },
  });
}

export async function fetchItems(m: Member, after = m.seen): Promise<QueueItem[]> {
  const res = await rawRequest<QueueResponse>(m.url, 'GET', `/v1/queue?after=${after}&limit=500`, { signer: m.device });
  expect(res.status).toBe(200);
  return res.body.items;
}

/**
 * Encrypts `body` as a franked application message (docs/protocol.md §Franking): the MLS plaintext
 * is `0x01 ‖ fresh franking key ‖ body`, the authenticated data `0x01 ‖ commitment`.
 */
export async function encryptFranked(m: Member, body: Uint8Array): Promise<EncryptResult> {
  const group = m.group as GroupState;
  const frankingKey = createFrankingKey();
  const commitment = commitMessage({ frankingKey, conversationId: group.groupId, body });
  return m.mls.encryptMessage(group, encodeFrankedEnvelope({ frankingKey, body }), encodeFrankingAad(commitment));
}

/** The body of a franked MLS plaintext (no check; `catchUp` checks the commitment and stamp). */
export function openFranked(plaintext: Uint8Array): Uint8Array {
  return decodeFrankedEnvelope(plaintext).body;
}

/** Fetches and processes everything queued for `m` (Welcome → join; commits and messages → process). */
export async function catchUp(m: Member): Promise<string[]> {
  const texts: string[] = [];
  for (const item of await fetchItems(m)) {
    m.seen = item.seq;
    const payload = unb64(item.payload);
    if (item.kind === 'welcome') {
      const joined = await m.mls.joinFromWelcome(m.state, payload);
      m.state = joined.device;
      m.group = joined.group;
    } else if (item.kind === 'event') {
      texts.push(`event:${Buffer.from(payload).toString()}`);
    } else if (m.group !== undefined) {
      const r = await m.mls.processMessage(m.group, payload);
      m.group = r.group;
      if (r.kind === 'application') {
        // Every relayed application message carries the server's stamp, and its commitment opens.
        const stamp = item.franking;
        expect(stamp).toBeDefined();
        const { frankingKey, body } = decodeFrankedEnvelope(r.plaintext);
        verifyReceivedMessage({
          body,
          frankingKey,
          commitment: parseFrankingAad(r.authenticatedData),
          context: {
            conversationId: m.group.groupId,
            epoch: stamp!.epoch,
            senderDeviceId: item.senderDeviceId ?? '',
            serverSeq: stamp!.seq,
            serverTime: stamp!.serverTime,
            keyId: stamp!.keyId,
          },
          mlsSenderDeviceId: r.sender.certificate.deviceId,
        });
        texts.push(new TextDecoder().decode(body));
      }
    }
  }
  return texts;
}

export async function postCommit(
  m: Member,
  groupId: string,
  body: {
    commit: Uint8Array;
    welcome?: Uint8Array;
    addedDevices: string[];
    removedDevices: string[];
    clientMessageId?: string;
  },
) {
  return rawRequest<{ seq: number; epoch: number }>(m.url, 'POST', `/v1/groups/${groupId}/commits`, {
    signer: m.device,
    body: {
      clientMessageId: body.clientMessageId ?? b64(crypto.getRandomValues(new Uint8Array(16))),
      commit: b64(body.commit),
      ...(body.welcome === undefined ? {} : { welcome: b64(body.welcome) }),
      addedDevices: body.addedDevices,
      removedDevices: body.removedDevices,
    },
  });
}

/**
 * `owner` creates an MLS group, registers it with the server (201), and adds every device of
 * `accountIds` with one commit and its Welcome (200); `owner.group` is then the new state.
 * Returns the group id.
 */
export async function createGroupWith(owner: Member, accountIds: readonly string[]): Promise<string> {
  owner.group = await owner.mls.createGroup(owner.state);
  const groupId = b64(owner.group.groupId);
  const created = await rawRequest(owner.url, 'POST', '/v1/groups', { signer: owner.device, body: { groupId } });
  expect(created.status).toBe(201);
  const kps: ClaimKeyPackagesResponse['keyPackages'] = [];
  for (const accountId of accountIds) kps.push(...(await claim(owner, accountId)).body.keyPackages);
  const add = await owner.mls.addDevices(
    owner.group,
    kps.map((k) => unb64(k.data)),
  );
  const committed = await postCommit(owner, groupId, {
    commit: add.commit,
    welcome: add.welcome!,
    addedDevices: kps.map((k) => k.deviceId),
    removedDevices: [],
  });
  expect(committed.status).toBe(200);
  owner.group = add.group;
  return groupId;
}

export async function postMessage(m: Member, groupId: string, message: Uint8Array, clientMessageId?: string) {
  return rawRequest<SendMessageResponse>(m.url, 'POST', `/v1/groups/${groupId}/messages`, {
    signer: m.device,
    body: {
      clientMessageId: clientMessageId ?? b64(crypto.getRandomValues(new Uint8Array(16))),
      message: b64(message),
    },
  });
}
