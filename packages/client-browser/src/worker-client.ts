/**
 * The page side: `SessionWorkerClient` wraps a Worker running `serveSessionInWorker` and exposes
 * `call(method, ...args)` with MessengerSession's own types, plus its events. A failed call
 * rejects with a FulcrumError carrying the worker's code; if the worker dies every pending call
 * rejects with `client-browser.worker_failed`.
 */
import { FulcrumError } from '@fulcrum/common';
import { clientBrowserError } from './errors.js';
import type { SessionEvents } from './messenger-session.js';
import type { SessionArgs, SessionMethod, SessionResult, WorkerToPage } from './worker-protocol.js';

/** What this needs of a Worker (a real one, or a MessagePort in tests). */
export interface WorkerLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message' | 'error', listener: (ev: MessageEvent | ErrorEvent) => void): void;
}

export class SessionWorkerClient {
  #next = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  readonly #listeners = new Map<string, Set<(data: never) => void>>();
  #dead: FulcrumError | undefined;

  constructor(private readonly worker: WorkerLike) {
    worker.addEventListener('message', (ev) => this.#onMessage((ev as MessageEvent).data as WorkerToPage));
    worker.addEventListener('error', () => {
      this.#dead = clientBrowserError('client-browser.worker_failed', 'the client worker stopped');
      for (const p of this.#pending.values()) p.reject(this.#dead);
      this.#pending.clear();
    });
  }

  call<M extends SessionMethod>(method: M, ...args: SessionArgs<M>): Promise<SessionResult<M>> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    const id = this.#next++;
    return new Promise<SessionResult<M>>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ type: 'call', id, method, args });
    });
  }

  on<K extends keyof SessionEvents>(name: K, listener: (data: SessionEvents[K]) => void): () => void {
    let set = this.#listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener as (data: never) => void);
    return () => set.delete(listener as (data: never) => void);
  }

  #onMessage(msg: WorkerToPage): void {
    if (msg === null || typeof msg !== 'object') return;
    if (msg.type === 'event') {
      for (const l of this.#listeners.get(msg.name) ?? []) {
        try {
          (l as (d: unknown) => void)(msg.data);
        } catch (err) {
          console.error('session listener failed', err);
        }
      }
      return;
    }
    if (msg.type !== 'result') return;
    const p = this.#pending.get(msg.id);
    if (p === undefined) return;
    this.#pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else {
      p.reject(
        new FulcrumError(
          msg.error.code,
          msg.error.message,
          msg.error.detail === undefined ? undefined : { detail: { ...msg.error.detail } },
        ),
      );
    }
  }
}
