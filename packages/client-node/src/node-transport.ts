/**
 * The Node Transport: HTTP with Node 20's built-in `fetch` (undici) and WebSocket with `ws`.
 *
 * Responses are read as a stream and refused as soon as they exceed the caller's limit, so a
 * hostile or broken server cannot make the client buffer more than it asked for. Request bodies
 * are sent as given (the core signs their exact bytes). Paths are appended verbatim to the
 * server's origin: the signature covers the path and query exactly as sent.
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
import WebSocket from 'ws';
import { clientNodeError } from './errors.js';

export interface NodeTransportOptions {
  /** Per-request timeout (ms); default 30 s. */
  readonly timeoutMs?: number;
}

/** Parses and normalises a server base URL (`http(s)://host[:port]`, no path). */
export function parseServerUrl(server: string): URL {
  let url: URL;
  try {
    url = new URL(server);
  } catch (cause) {
    throw clientNodeError('client-node.bad_server_url', 'not an absolute URL', { cause, detail: { server } });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw clientNodeError('client-node.bad_server_url', 'the server URL must be http or https', { detail: { server } });
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw clientNodeError('client-node.bad_server_url', 'the server URL must not have a path, query or fragment', {
      detail: { server },
    });
  }
  return url;
}

export class NodeTransport implements Transport {
  readonly origin: string;
  private readonly timeoutMs: number;

  constructor(server: string, options: NodeTransportOptions = {}) {
    this.origin = parseServerUrl(server).origin;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  async request(req: HttpRequest, options: RequestOptions): Promise<HttpResponse> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const res = await fetch(this.origin + req.path, {
        method: req.method,
        headers: req.headers,
        // A view on a plain ArrayBuffer (BodyInit does not take a SharedArrayBuffer-backed view).
        ...(req.body === undefined ? {} : { body: new Uint8Array(req.body) }),
        signal: controller.signal,
        redirect: 'error',
      });
      return await readHttpResponse(res, options.maxResponseBytes);
    } finally {
      clearTimeout(timer);
    }
  }

  connect(path: string, listener: SocketListener): SocketConnection {
    const url = this.origin.replace(/^http/, 'ws') + path;
    const ws = new WebSocket(url, { maxPayload: 8 * 1024 * 1024, handshakeTimeout: this.timeoutMs });
    let closed = false;
    const fireClose = (code: number, reason: string) => {
      if (closed) return;
      closed = true;
      listener.close(code, reason);
    };
    ws.on('open', () => listener.open());
    ws.on('message', (data, isBinary) => {
      if (isBinary) return; // the protocol only uses text frames
      const buf = Array.isArray(data)
        ? Buffer.concat(data)
        : data instanceof ArrayBuffer
          ? Buffer.from(new Uint8Array(data))
          : data;
      const text = buf.toString('utf8');
      listener.message(text);
    });
    ws.on('close', (code, reason) => fireClose(code, reason.toString('utf8')));
    ws.on('error', () => {
      // 'close' follows an 'error' when the socket was open; not when the handshake failed.
      if (ws.readyState !== WebSocket.OPEN) fireClose(1006, 'connection failed');
    });
    return {
      send(text: string) {
        if (ws.readyState !== WebSocket.OPEN) return false;
        ws.send(text);
        return true;
      },
      close(code?: number, reason?: string) {
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(code ?? 1000, reason);
      },
    };
  }
}
