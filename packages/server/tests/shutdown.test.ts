/** Shutdown is bounded: `close()` finishes even when a client keeps a connection open after a download. */
import { randomBytes } from 'node:crypto';
import { rawRequest, registerTestAccount, signRequestHeaders, startTestPlatform } from '@fulcrum/testkit';
import { describe, expect, it } from 'vitest';

describe.each(['sqlite', 'postgres'] as const)('server shutdown (%s)', (dialect) => {
  it('closes promptly after an attachment download on a keep-alive connection', async () => {
    const p = await startTestPlatform({ dialect });
    let closed = false;
    try {
      const alice = await registerTestAccount(p.url, 'alice');
      const blob = randomBytes(300_000);
      const up = await rawRequest<{ attachmentId: string }>(p.url, 'POST', '/v1/attachments', {
        signer: alice,
        body: blob,
      });
      expect(up.status).toBe(201);
      const path = `/v1/attachments/${up.body.attachmentId}`;
      // Read exactly the announced length and stop, as a client with a size limit does: the
      // response is complete, the keep-alive connection stays open.
      const res = await fetch(`${p.url}${path}`, {
        headers: signRequestHeaders(alice, { method: 'GET', pathAndQuery: path }),
      });
      const reader = res.body!.getReader();
      let got = 0;
      while (got < blob.length) {
        const { value, done } = await reader.read();
        if (done) break;
        got += value.length;
      }
      expect(got).toBe(blob.length);
      const started = performance.now();
      await Promise.race([
        p.close().then(() => {
          closed = true;
        }),
        new Promise((resolve) => setTimeout(resolve, 15_000)),
      ]);
      expect(closed, 'close() must not hang on an open keep-alive connection').toBe(true);
      // The grace period is 2 s; allow for a loaded machine.
      expect(performance.now() - started).toBeLessThan(8_000);
    } finally {
      if (!closed) await p.close();
    }
  });
});
