/**
 * The browser Transport: HTTP with `fetch` and the live connection with `WebSocket` (both exist in
 * a page and in a Web Worker). Answers are read as a stream and refused as soon as they pass the
 * caller's limit. Paths are appended verbatim to the origin (the request signature covers them).
 */
import type {
  HttpRequest,
  HttpResponse,
  RequestOptions,
  SocketConnection,
  SocketListener,
  Transport,
} from '@fulcrum/client';
import { readHttpResponse } from '@fulcrum/client';
import { clientBrowserError } from './errors.js';

export interface BrowserTransportOptions {
  /** Per-request timeout (ms); default 30 s. */
  readonly timeoutMs?: number;
}

/** Parses a server origin (`http(s)://host[:port]`, no path); throws `client-browser.bad_server_url`. */
export function parseServerOrigin(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch (cause) {
    throw clientBrowserError('client-browser.bad_server_url', 'not an absolute URL', { cause, detail: { server } });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw clientBrowserError('client-browser.bad_server_url', 'the server URL must be http or https', {
      detail: { server },
    });
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw clientBrowserError('client-browser.bad_server_url', 'the server URL must not have a path', {
      detail: { server },
    });
  }
  return url.origin;
}

export class BrowserTransport implements Transport {
  readonly origin: string;
  readonly #timeoutMs: number;

  constructor(server: string, options: BrowserTransportOptions = {}) {
    this.origin = parseServerOrigin(server);
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  async request(req: HttpRequest, options: RequestOptions): Promise<HttpResponse> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    try {
      const res = await fetch(this.origin + req.path, {
        method: req.method,
        headers: req.headers,
        ...(req.body === undefined ? {} : { body: new Uint8Array(req.body) }),
        signal: controller.signal,
        redirect: 'error',
        credentials: 'omit',
        cache: 'no-store',
      });
      return await readHttpResponse(res, options.maxResponseBytes);
    } finally {
      clearTimeout(timer);
    }
  }

  connect(path: string, listener: SocketListener): SocketConnection {
    const url = this.origin.replace(/^http/, 'ws') + path;
    let closed = false;
    const fireClose = (code: number, reason: string) => {
      if (closed) return;
      closed = true;
      listener.close(code, reason);
    };
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      queueMicrotask(() => fireClose(1006, 'connection failed'));
      return { send: () => false, close() {} };
    }
    // A handshake that never completes (a silent network) counts as a failed connection.
    const handshake = setTimeout(() => {
      if (ws.readyState === WebSocket.CONNECTING) {
        ws.close();
        fireClose(1006, 'connection timed out');
      }
    }, this.#timeoutMs);
    ws.onopen = () => {
      clearTimeout(handshake);
      listener.open();
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (!closed && typeof ev.data === 'string') listener.message(ev.data); // the protocol only uses text frames
    };
    ws.onclose = (ev: CloseEvent) => {
      clearTimeout(handshake);
      fireClose(ev.code, ev.reason);
    };
    ws.onerror = () => {
      if (ws.readyState !== WebSocket.OPEN) {
        clearTimeout(handshake);
        fireClose(1006, 'connection failed');
      }
    };
    return {
      send(text: string) {
        if (ws.readyState !== WebSocket.OPEN) return false;
        ws.send(text);
        return true;
      },
      close(code?: number, reason?: string) {
        if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) {
          // Browsers allow only 1000 and 3000–4999 from script.
          const c = code === undefined || (code !== 1000 && (code < 3000 || code > 4999)) ? 1000 : code;
          ws.close(c, reason);
        }
        fireClose(code ?? 1000, reason ?? '');
      },
    };
  }
}
