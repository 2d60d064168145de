/**
 * The web app's static route (http/web-static.ts): files from the web dist directory at `/`, an
 * SPA fallback for client-side routes, immutable caching only for hashed assets, a strict CSP on
 * the page, and never a shadowed API route — on both storage dialects (the route is the same;
 * the server around it is the real one).
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const INDEX = '<!doctype html><title>Fulcrum</title><div id="app"></div>';
const ASSET = 'console.log("hashed asset")';

describe.each(['sqlite', 'postgres'] as const)('web static route (%s)', (dialect) => {
  let platform: TestPlatform;
  let dir: string;
  let outside: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fulcrum-web-'));
    outside = await mkdtemp(join(tmpdir(), 'fulcrum-outside-'));
    await writeFile(join(outside, 'secret.txt'), 'not for the web');
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), INDEX);
    await writeFile(join(dir, 'assets', 'index-AbC123.js'), ASSET);
    await writeFile(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await symlink(join(outside, 'secret.txt'), join(dir, 'escape.txt'));
    platform = await startTestPlatform({ dialect, server: { webDir: dir } });
  });

  afterAll(async () => {
    await platform?.close();
    await rm(dir, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('serves index.html at / with no-cache, an ETag and a strict CSP', async () => {
    const res = await fetch(`${platform.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe(INDEX);
    const etag = res.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(`${platform.url}/`, { headers: { 'if-none-match': etag as string } });
    expect(again.status).toBe(304);
  });

  it('hashed assets are immutable; other files are revalidated', async () => {
    const res = await fetch(`${platform.url}/assets/index-AbC123.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await res.text()).toBe(ASSET);
    const icon = await fetch(`${platform.url}/favicon.svg`);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('client-side routes get the app (SPA fallback); a missing asset is a 404', async () => {
    for (const path of ['/moderation', '/moderation/cases/42', '/transparency', '/c/some-group']) {
      const res = await fetch(platform.url + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toBe('no-cache');
      expect(await res.text(), path).toBe(INDEX);
    }
    const missing = await fetch(`${platform.url}/assets/gone-123.js`);
    expect(missing.status).toBe(404);
  });

  it('never shadows /v1 or /log: real routes answer, unknown ones get the JSON not_found', async () => {
    const health = await fetch(`${platform.url}/v1/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toMatch(/^application\/json/);
    const key = await fetch(`${platform.url}/log/key`);
    expect(key.status).toBe(200);
    expect(await key.text()).not.toContain('<title>');
    for (const path of ['/v1/nope', '/v1', '/log/nope', '/log']) {
      const res = await fetch(platform.url + path);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code, path).toBe('request.not_found');
    }
  });

  it('does not serve files outside the directory (traversal, encoded traversal, symlink)', async () => {
    for (const path of [
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/..%2f..%2fetc%2fpasswd',
      '/escape.txt',
    ]) {
      const res = await fetch(platform.url + path);
      const text = await res.text();
      expect(text, path).not.toContain('root:');
      expect(text, path).not.toContain('not for the web');
    }
  });
});
