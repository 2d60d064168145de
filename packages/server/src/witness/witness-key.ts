import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '@fulcrum/common';
import { createCosignatureV1Signer, formatVerifierKey, type NoteSigner } from '@fulcrum/tlog';
import { writeFileDurably } from './durable-file.js';

/** The file in the witness data directory that holds its cosigning key (mode 0600). */
export const WITNESS_KEY_FILE = 'witness-key.json';

interface StoredKey {
  readonly version: 1;
  /** c2sp.org/tlog-cosignature: cosignature/v1 (Ed25519 over the timestamped checkpoint). */
  readonly type: 'cosignature/v1';
  readonly name: string;
  /** base64 of the 32-byte Ed25519 seed. */
  readonly seed: string;
}

export interface WitnessKey {
  readonly signer: NoteSigner;
  /** `<name>+<keyid>+base64(0x04 ‖ public key)`: the string verifiers pin. */
  readonly vkey: string;
}

/**
 * Loads the witness's cosignature/v1 key from `dataDir`, creating it on first start. A key
 * readable by group or others is refused (as ssh does): whoever reads it can cosign anything.
 * A stored key for another name than `name` is refused, since changing the name changes the key
 * ID every verifier pinned.
 */
export async function openWitnessKey(dataDir: string, name: string | undefined, clock: Clock): Promise<WitnessKey> {
  const path = join(dataDir, WITNESS_KEY_FILE);
  let stored: StoredKey;
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text === undefined) {
    const seed = randomBytes(32);
    stored = { version: 1, type: 'cosignature/v1', name: name ?? DEFAULT_WITNESS_NAME, seed: seed.toString('base64') };
    seed.fill(0);
    await writeFileDurably(path, `${JSON.stringify(stored)}\n`, 0o600);
  } else {
    if (((await stat(path)).mode & 0o077) !== 0) {
      throw new Error(`${path} is readable by other users: chmod 600 it`);
    }
    stored = JSON.parse(text) as StoredKey;
    if (stored.version !== 1 || stored.type !== 'cosignature/v1' || typeof stored.name !== 'string') {
      throw new Error(`${path} is not a Fulcrum witness key`);
    }
    if (name !== undefined && name !== stored.name) {
      throw new Error(`${path} holds the key of witness ${stored.name}, not ${name}`);
    }
  }
  const seed = Buffer.from(stored.seed, 'base64');
  if (seed.length !== 32) throw new Error(`${path} does not hold a 32-byte seed`);
  const signer = createCosignatureV1Signer(stored.name, new Uint8Array(seed), clock);
  seed.fill(0);
  return { signer, vkey: formatVerifierKey(signer) };
}

/** The key name when none is configured on first start. */
export const DEFAULT_WITNESS_NAME = 'fulcrum-witness';
