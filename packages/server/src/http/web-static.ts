/**
 * Serves the built web app (`packages/web/dist`) at `/` when the server is given its directory.
 *
 * One wildcard GET route (HEAD follows): Fastify's router prefers every static and parametric
 * route over it, so it never shadows an API route; and a path under `/v1` or `/log` that no route
 * matched still gets the API's JSON `request.not_found`, never the app's HTML. Cache headers:
 * Vite's content-hashed files under `/assets/` are immutable for a year; `index.html` (and the
 * SPA fallback, for client-side routes such as `/moderation`) is `no-cache` with an ETag, so a new
 * build is picked up on the next load. A missing file with an extension is a 404, not the app
 * (a stale chunk must fail loudly). The page gets a strict Content-Security-Policy: scripts,
 * workers, styles only from this origin; images also from `blob:` (decrypted attachments).
 */
import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { errorBody, errorStatus, wireError } from '@fulcrum/wire';
import type { FastifyInstance, FastifyReply } from 'fastify';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** The page's Content-Security-Policy (README "What the web app may load"). */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const API_PREFIXES = ['/v1', '/log'];

function isApiPath(path: string): boolean {
  return API_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
}

function notFound(reply: FastifyReply) {
  const wire = wireError('request.not_found', 'no such endpoint');
  return reply.code(errorStatus(wire.code)).send(errorBody(wire));
}

/** Registers the static route for `webDir` (a directory holding `index.html`). */
export function webStaticRoutes(app: FastifyInstance, webDir: string): void {
  const root = resolve(webDir);
  let realRoot: Promise<string> | undefined;

  async function fileAt(urlPath: string): Promise<{ path: string; size: number; mtimeMs: number } | undefined> {
    realRoot ??= realpath(root);
    const base = await realRoot;
    const candidate = resolve(base, `.${urlPath}`);
    if (candidate !== base && !candidate.startsWith(base + sep)) return undefined;
    try {
      const real = await realpath(candidate);
      if (!real.startsWith(base + sep)) return undefined; // a symlink out of the directory
      const s = await stat(real);
      return s.isFile() ? { path: real, size: s.size, mtimeMs: s.mtimeMs } : undefined;
    } catch {
      return undefined;
    }
  }

  app.get('/*', async (request, reply) => {
    let path: string;
    try {
      path = decodeURIComponent((request.url.split('?')[0] as string).split('#')[0] as string);
    } catch {
      return notFound(reply);
    }
    if (isApiPath(path) || path.includes('\0')) return notFound(reply);
    let file = path === '/' || path.endsWith('/') ? undefined : await fileAt(path);
    let immutable = file !== undefined && path.startsWith('/assets/');
    if (file === undefined) {
      // Client-side routes (no extension) get the app; a missing asset does not.
      if (extname(path) !== '' && path !== '/') return notFound(reply);
      file = await fileAt('/index.html');
      immutable = false;
      if (file === undefined) return notFound(reply);
    }
    const type = TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream';
    const etag = `"${createHash('sha256').update(`${file.path}:${file.size}:${file.mtimeMs}`).digest('base64url').slice(0, 22)}"`;
    reply
      .header('content-type', type)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('etag', etag);
    if (type.startsWith('text/html')) {
      reply.header('content-security-policy', WEB_CSP).header('x-frame-options', 'DENY');
    }
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.send(await readFile(join(file.path)));
  });
}
