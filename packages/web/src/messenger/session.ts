/** The one client worker of this page and its typed proxy. */
import { SessionWorkerClient } from '@fulcrum/client-browser';

let session: SessionWorkerClient | undefined;

export function getSession(): SessionWorkerClient {
  if (session === undefined) {
    const worker = new Worker(new URL('../worker.ts', import.meta.url), { type: 'module', name: 'fulcrum-client' });
    session = new SessionWorkerClient(worker);
  }
  return session;
}

/** IndexedDB name: one device per origin (a `?device=` parameter lets one browser profile hold several, for testing). */
export function deviceDbName(): string {
  const d = new URLSearchParams(location.search).get('device');
  return d !== null && /^[a-z0-9-]{1,32}$/.test(d) ? `fulcrum-device-${d}` : 'fulcrum-device';
}
