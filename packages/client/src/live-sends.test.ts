import { isFulcrumError } from '@fulcrum/common';
import { describe, expect, it } from 'vitest';
import { isLiveTransportFailure, LiveSends } from './live-sends.js';
import type { SocketConnection } from './ports/transport.js';

/** An in-memory socket end: records frames; `open` decides whether a send is handed over. */
function socket(open = true): SocketConnection & { frames: Record<string, unknown>[] } {
  const frames: Record<string, unknown>[] = [];
  return {
    frames,
    send(text: string) {
      if (!open) return false;
      frames.push(JSON.parse(text));
      return true;
    },
    close() {},
  };
}

const body = { clientMessageId: 'A'.repeat(22), message: 'AAAA' };
const stamp = { keyId: 'k1', tag: 'B'.repeat(43), serverTime: 5, epoch: 1, seq: 9 };

describe('LiveSends', () => {
  it('sends a frame with a fresh numeric id and resolves with its sent answer', async () => {
    const s = socket();
    const sends = new LiveSends(s);
    const first = sends.send('g1', body);
    const second = sends.send('g2', body);
    expect(s.frames).toEqual([
      { type: 'send', id: 1, groupId: 'g1', ...body },
      { type: 'send', id: 2, groupId: 'g2', ...body },
    ]);
    sends.answer({ type: 'sent', id: 2, seq: 9, franking: stamp });
    sends.answer({ type: 'sent', id: 1, seq: 8 });
    expect(await first).toEqual({ seq: 8 });
    expect(await second).toEqual({ seq: 9, franking: stamp });
    expect(sends.pending).toBe(0);
  });

  it('rejects with the server code (and HTTP status) on send_error: not a transport failure', async () => {
    const sends = new LiveSends(socket());
    const p = sends.send('g', body);
    sends.answer({
      type: 'send_error',
      id: 1,
      error: { code: 'group.stale_epoch', message: 'm', detail: { epoch: 4 } },
    });
    const err = await p.catch((e: unknown) => e);
    expect(isFulcrumError(err, 'group.stale_epoch')).toBe(true);
    expect((err as { detail: unknown }).detail).toEqual({ epoch: 4, status: 409, via: 'ws' });
    expect(isLiveTransportFailure(err)).toBe(false);
  });

  it('fails as a transport failure when the socket is not open, closes, or stays silent', async () => {
    const closed = await new LiveSends(socket(false)).send('g', body).catch((e: unknown) => e);
    expect(isLiveTransportFailure(closed)).toBe(true);

    const sends = new LiveSends(socket());
    const p = sends.send('g', body);
    sends.failAll();
    expect(isLiveTransportFailure(await p.catch((e: unknown) => e))).toBe(true);
    // After the close, nothing more goes out on it.
    expect(isLiveTransportFailure(await sends.send('g', body).catch((e: unknown) => e))).toBe(true);

    const silent = new LiveSends(socket(), 1);
    expect(isLiveTransportFailure(await silent.send('g', body).catch((e: unknown) => e))).toBe(true);
    // A late answer to a send that already failed is ignored.
    silent.answer({ type: 'sent', id: 1, seq: 3 });
    expect(silent.pending).toBe(0);
  });

  it('ignores answers to unknown or string ids', () => {
    const sends = new LiveSends(socket());
    void sends.send('g', body).catch(() => {});
    sends.answer({ type: 'sent', id: 'x', seq: 1 });
    sends.answer({ type: 'sent', id: 99, seq: 1 });
    expect(sends.pending).toBe(1);
    sends.failAll();
  });
});
