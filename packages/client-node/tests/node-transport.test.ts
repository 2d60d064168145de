import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isFulcrumError } from '@fulcrum/common';
import { NodeTransport, parseServerUrl } from '@fulcrum/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const codeOf = async (p: Promise<unknown> | (() => unknown)): Promise<string | undefined> => {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return isFulcrumError(e) ? e.code : `other: ${String(e)}`;
  }
  return undefined;
};

describe('NodeTransport', () => {
  let server: Server;
  let url: string;
  const seen: { method?: string; url?: string; headers: Record<string, unknown>; body: Buffer }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
        if (req.url === '/big') {
          // No content-length: the limit must hold while streaming.
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' });
          const chunk = Buffer.alloc(64 * 1024, 1);
          for (let i = 0; i < 32; i++) res.write(chunk);
          res.end();
        } else if (req.url === '/declared') {
          res.writeHead(200, { 'content-length': String(10_000_000) });
          res.end();
        } else if (req.url === '/redirect') {
          res.writeHead(302, { location: '/elsewhere' });
          res.end();
        } else {
          res.writeHead(418, { 'x-thing': 'Yes' });
          res.end('teapot');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends the exact path, headers and body and returns any status with lower-case headers', async () => {
    const t = new NodeTransport(url);
    const res = await t.request(
      {
        method: 'POST',
        path: '/v1/x?after=3&limit=2',
        headers: { 'fulcrum-nonce': 'abc' },
        body: new Uint8Array([1, 2, 3]),
      },
      { maxResponseBytes: 100 },
    );
    expect(res.status).toBe(418);
    expect(res.headers['x-thing']).toBe('Yes');
    expect(new TextDecoder().decode(res.body)).toBe('teapot');
    const last = seen.at(-1);
    expect(last?.url).toBe('/v1/x?after=3&limit=2');
    expect(last?.headers['fulcrum-nonce']).toBe('abc');
    expect([...(last?.body ?? [])]).toEqual([1, 2, 3]);
  });

  it('refuses answers over the limit, streamed or declared, and redirects', async () => {
    const t = new NodeTransport(url);
    expect(await codeOf(t.request({ method: 'GET', path: '/big', headers: {} }, { maxResponseBytes: 100_000 }))).toBe(
      'client.bad_response',
    );
    expect(await codeOf(t.request({ method: 'GET', path: '/declared', headers: {} }, { maxResponseBytes: 1000 }))).toBe(
      'client.bad_response',
    );
    expect(
      await codeOf(t.request({ method: 'GET', path: '/redirect', headers: {} }, { maxResponseBytes: 1000 })),
    ).toMatch(/^other: TypeError/);
  });

  it('accepts only http(s) origins without a path', async () => {
    expect(parseServerUrl('http://127.0.0.1:8080').origin).toBe('http://127.0.0.1:8080');
    for (const bad of ['ftp://x', 'not a url', 'http://h/path', 'http://h/?q=1']) {
      expect(await codeOf(() => parseServerUrl(bad)), bad).toBe('client-node.bad_server_url');
    }
  });
});
