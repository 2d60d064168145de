/**
 * The Transport port: how the pure client core reaches the server.
 *
 * An edge package implements it (`client-node` with Node's `fetch` and `ws`; a browser edge with
 * `fetch` and `WebSocket`). Paths are absolute paths with query (`/v1/queue?after=3`); the
 * implementation owns the base URL. The core signs requests itself, so a transport never sees a
 * secret key, only the four signed headers.
 */
export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query, e.g. `/v1/queue?after=0&limit=100`. */
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** Exact body bytes (the signature covers them); absent for GET. */
  readonly body?: Uint8Array;
}

export interface HttpResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

export interface RequestOptions {
  /**
   * Refuse (throw) once the response body exceeds this many bytes, without buffering the rest.
   * The core always passes a limit: every answer is untrusted input.
   */
  readonly maxResponseBytes: number;
}

/** Events of a live socket, called in order by the transport. */
export interface SocketListener {
  open(): void;
  /** One text frame. */
  message(text: string): void;
  /** Called exactly once, also after a failed connection attempt (code 1006). */
  close(code: number, reason: string): void;
}

export interface SocketConnection {
  /**
   * Sends one text frame. Returns false, sending nothing, when the socket is not open (still
   * connecting, closing or closed): a caller waiting for an answer then knows at once that none
   * will come on this socket.
   */
  send(text: string): boolean;
  close(code?: number, reason?: string): void;
}

export interface Transport {
  /**
   * Sends one HTTP request. Resolves with any status (4xx/5xx included); rejects only when no
   * answer arrived (network failure) or the answer exceeded `maxResponseBytes`.
   */
  request(req: HttpRequest, options: RequestOptions): Promise<HttpResponse>;
  /** Opens a WebSocket to `path` (e.g. `/v1/ws`) on the server. */
  connect(path: string, listener: SocketListener): SocketConnection;
}
