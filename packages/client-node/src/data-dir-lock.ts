/**
 * One process per data directory. Two processes driving the same device would fork its MLS
 * states (and reuse ratchet generations, i.e. AEAD nonces), so the store takes an exclusive lock
 * file `<dataDir>/LOCK` (created with O_EXCL, holding the owner's pid). A lock left by a process
 * that no longer exists (crash, kill -9) is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { clientNodeError } from './errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, 'LOCK');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            if (readFileSync(path, 'utf8') === String(process.pid)) unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw clientNodeError('client-node.store_unavailable', 'cannot create the data directory lock', {
          cause: err,
          detail: { path },
        });
      }
      let pid = Number.NaN;
      try {
        pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        // vanished between open and read: retry
      }
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw clientNodeError('client-node.data_dir_locked', 'another process is using this data directory', {
          detail: { pid, path },
        });
      }
      if (pid === process.pid) {
        throw clientNodeError('client-node.data_dir_locked', 'this process already has this data directory open', {
          detail: { pid, path },
        });
      }
      try {
        unlinkSync(path); // stale lock of a dead process
      } catch {
        // someone else took it over first: retry
      }
    }
  }
  throw clientNodeError('client-node.data_dir_locked', 'could not take the data directory lock', { detail: { path } });
}
