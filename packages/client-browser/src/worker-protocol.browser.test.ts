// Runs in Chromium: the page ↔ worker protocol over a real MessageChannel (the same structured
// clone as a Worker), with a real MessengerSession on IndexedDB behind it.
import { describe, expect, it } from 'vitest';
import { serveSessionInWorker, type WorkerScope } from './worker-host.js';
import { SessionWorkerClient, type WorkerLike } from './worker-client.js';

function connect(): SessionWorkerClient {
  const { port1, port2 } = new MessageChannel();
  serveSessionInWorker(port1 as unknown as WorkerScope);
  port1.start();
  const client = new SessionWorkerClient(port2 as unknown as WorkerLike);
  port2.start();
  return client;
}

describe('page ↔ worker protocol', () => {
  it('answers typed calls and carries error codes across (never a bare Error)', async () => {
    const client = connect();
    await expect(client.call('self')).rejects.toMatchObject({ code: 'client-browser.not_ready' });
    const dbName = `proto-${Date.now()}`;
    const opened = await client.call('init', { server: location.origin, dbName });
    expect(opened).toEqual({ self: undefined, maxAttachmentBytes: 25 * 1024 * 1024 });
    await expect(client.call('init', { server: location.origin, dbName })).rejects.toMatchObject({
      code: 'client-browser.not_ready',
    });
    expect(await client.call('contacts')).toEqual([]);
    await expect(client.call('exportState', 'short')).rejects.toMatchObject({ code: 'client-browser.weak_passphrase' });
    const big = new Uint8Array(25 * 1024 * 1024 + 1);
    await expect(client.call('sendAttachment', 'g', { data: big, name: 'x', mediaType: 'x/y' })).rejects.toMatchObject({
      code: 'client-browser.file_too_large',
      detail: { limit: 25 * 1024 * 1024 },
    });
    await client.call('close');
  });

  it('refuses methods outside the allow-list', async () => {
    const client = connect();
    const untyped = client.call.bind(client) as unknown as (method: string) => Promise<unknown>;
    await expect(untyped('constructor')).rejects.toMatchObject({ code: 'client-browser.worker_failed' });
  });

  it('one tab per device: a second session on the same store is refused', async () => {
    const dbName = `lock-${Date.now()}`;
    const first = connect();
    await first.call('init', { server: location.origin, dbName });
    const second = connect();
    await expect(second.call('init', { server: location.origin, dbName })).rejects.toMatchObject({
      code: 'client-browser.store_locked',
    });
  });
});
