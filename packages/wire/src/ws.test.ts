/** The WebSocket send frames (docs/protocol.md §Live push): shapes, size limits, hostile input. */
import { encodeBase64Url } from '@fulcrum/common';
import { unsafeAssertLinearCost } from '@fulcrum/common/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BODY_LIMITS, base64UrlLength, LIMITS } from './limits.js';
import { createValidator } from './validate.js';
import { WS_MAX_SEND_FRAME_BYTES, WsClientFrame, WsSendFrame, WsServerFrame } from './ws.js';

const b64 = (n: number, fill = 7) => encodeBase64Url(new Uint8Array(n).fill(fill));
const client = createValidator(WsClientFrame);
const server = createValidator(WsServerFrame);
const send = (over: Record<string, unknown> = {}) => ({
  type: 'send',
  id: 1,
  groupId: b64(32),
  clientMessageId: b64(16),
  message: b64(1162),
  ...over,
});

describe('send frame', () => {
  it('accepts a send with a numeric or short string id and round-trips through JSON', () => {
    for (const id of [0, 1, Number.MAX_SAFE_INTEGER, 'a', 'req-7:x.y_z', 'x'.repeat(LIMITS.wsRequestIdMaxChars)]) {
      const frame = send({ id });
      const again = JSON.parse(JSON.stringify(frame));
      const v = client(again);
      expect(v.ok, String(id)).toBe(true);
      if (v.ok) expect(v.value).toEqual(frame);
    }
  });

  it('refuses bad ids, missing or extra fields, and non-canonical sizes', () => {
    for (const id of [
      -1,
      1.5,
      Number.MAX_SAFE_INTEGER + 1,
      '',
      'x'.repeat(LIMITS.wsRequestIdMaxChars + 1),
      'a b',
      null,
    ]) {
      expect(client(send({ id })).ok, String(id)).toBe(false);
    }
    expect(client(send({ extra: 1 })).ok).toBe(false);
    for (const key of ['id', 'groupId', 'clientMessageId', 'message']) {
      const frame: Record<string, unknown> = send();
      delete frame[key];
      expect(client(frame).ok, key).toBe(false);
    }
    expect(client(send({ clientMessageId: b64(15) })).ok).toBe(false);
    expect(client(send({ groupId: b64(LIMITS.groupIdMaxBytes + 1) })).ok).toBe(false);
    expect(client(send({ message: '' })).ok).toBe(false);
    expect(client(send({ message: b64(LIMITS.messageMaxBytes + 1) })).ok).toBe(false);
    expect(client(send({ message: 'AA+/' })).ok).toBe(false);
  });

  it('the largest valid send frame fits the send-frame limit, which is the HTTP body limit plus the frame fields', () => {
    const largest = send({
      id: 'x'.repeat(LIMITS.wsRequestIdMaxChars),
      groupId: b64(LIMITS.groupIdMaxBytes),
      message: b64(LIMITS.messageMaxBytes),
    });
    expect(createValidator(WsSendFrame)(largest).ok).toBe(true);
    const bytes = new TextEncoder().encode(JSON.stringify(largest)).length;
    expect(bytes).toBeLessThanOrEqual(WS_MAX_SEND_FRAME_BYTES);
    expect(WS_MAX_SEND_FRAME_BYTES - BODY_LIMITS.message).toBeLessThan(base64UrlLength(LIMITS.groupIdMaxBytes) + 256);
  });

  it('never accepts a value that is not a well-formed send (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        const v = client(junk);
        if (v.ok) expect(['auth', 'ack', 'send']).toContain((junk as { type: string }).type);
      }),
    );
    fc.assert(
      fc.property(fc.string(), fc.oneof(fc.string(), fc.integer()), (message, id) => {
        const v = client(send({ message, id }));
        if (v.ok) {
          expect(message).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(message.length).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('validation cost grows linearly with the message size', () => {
    const small = send({ message: b64(LIMITS.messageMaxBytes / 8) });
    const large = send({ message: b64(LIMITS.messageMaxBytes) });
    unsafeAssertLinearCost('WsClientFrame validation', {
      small: () => client(small),
      large: () => client(large),
      inputRatio: 8,
    });
  });
});

describe('sent and send_error frames', () => {
  it('carry the HTTP answer or error body with the request id', () => {
    const stamp = { keyId: 'k1', tag: b64(32), serverTime: 1_700_000_000_000, epoch: 1, seq: 4 };
    expect(server({ type: 'sent', id: 'a1', seq: 4 }).ok).toBe(true);
    expect(server({ type: 'sent', id: 7, seq: 4, franking: stamp }).ok).toBe(true);
    expect(server({ type: 'sent', seq: 4 }).ok).toBe(false);
    expect(
      server({ type: 'send_error', id: 7, error: { code: 'group.stale_epoch', message: 'm', detail: { epoch: 2 } } })
        .ok,
    ).toBe(true);
    expect(server({ type: 'send_error', id: 7, code: 'x', message: 'm' }).ok).toBe(false);
  });
});
