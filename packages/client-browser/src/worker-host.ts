/**
 * The worker side: `serveSessionInWorker(self)` in a dedicated worker runs one MessengerSession
 * and answers the page's calls (worker-protocol.ts). Calls run concurrently; the client core
 * serialises whatever touches device state.
 */
import { FulcrumError } from '@fulcrum/common';
import { clientBrowserError } from './errors.js';
import { MessengerSession, type SessionEvents } from './messenger-session.js';
import { type CallMessage, type PlainError, SESSION_METHODS, type WorkerToPage } from './worker-protocol.js';

/** What this needs of a DedicatedWorkerGlobalScope (typed here so the package compiles with the DOM lib). */
export interface WorkerScope {
  postMessage(message: WorkerToPage, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
}

export function toPlainError(err: unknown): PlainError {
  if (err instanceof FulcrumError) {
    const detail = err.detail === undefined ? undefined : safeDetail(err.detail);
    return detail === undefined
      ? { code: err.code, message: err.message }
      : { code: err.code, message: err.message, detail };
  }
  return { code: 'unknown', message: err instanceof Error ? err.message : 'unknown failure' };
}

function safeDetail(detail: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(detail)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

export function serveSessionInWorker(scope: WorkerScope): MessengerSession {
  const session = new MessengerSession(<K extends keyof SessionEvents>(name: K, data: SessionEvents[K]) => {
    scope.postMessage({ type: 'event', name, data } as WorkerToPage);
  });
  const allowed = new Set<string>(SESSION_METHODS);
  scope.addEventListener('message', (ev: MessageEvent) => {
    const msg = ev.data as CallMessage;
    if (msg === null || typeof msg !== 'object' || msg.type !== 'call' || typeof msg.id !== 'number') return;
    void (async () => {
      try {
        if (!allowed.has(msg.method) || !Array.isArray(msg.args)) {
          throw clientBrowserError('client-browser.worker_failed', 'unknown method', {
            detail: { method: String(msg.method) },
          });
        }
        const fn = session[msg.method] as (...args: unknown[]) => unknown;
        const value = await fn.apply(session, msg.args as unknown[]);
        const transfer = value instanceof Uint8Array && value.byteOffset === 0 ? [value.buffer as ArrayBuffer] : [];
        scope.postMessage({ type: 'result', id: msg.id, ok: true, value }, transfer);
      } catch (err) {
        scope.postMessage({ type: 'result', id: msg.id, ok: false, error: toPlainError(err) });
      }
    })();
  });
  return session;
}
