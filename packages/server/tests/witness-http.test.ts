import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerTestAccount, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import {
  createConsistencyProof,
  createTileHashReader,
  formatAddCheckpointBody,
  generateEd25519NoteKey,
  parseCheckpointText,
  parseNote,
  parseVerifierKey,
  signCheckpoint,
  type TileSource,
  verifyCheckpoint,
} from '@fulcrum/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWitness, startWitness } from '../src/index.js';

const ORIGIN = 'test.fulcrum/witnessed-log';

/** Reads the log over HTTP only, as any C2SP tlog-tiles client would. */
function httpSource(base: string): TileSource {
  return {
    async read(path) {
      const res = await fetch(`${base}/log/${path}`);
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}

async function checkpointOfAtLeast(base: string, size: number): Promise<{ note: string; size: number }> {
  for (let i = 0; i < 400; i++) {
    const note = await (await fetch(`${base}/log/checkpoint`)).text();
    const cp = parseCheckpointText(parseNote(note).text);
    if (cp.size >= size) return { note, size: cp.size };
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the log did not reach size ${size}`);
}

async function addCheckpoint(w: RunningWitness, body: string) {
  const res = await fetch(`${w.url}/add-checkpoint`, { method: 'POST', body });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe('fulcrum witness: c2sp.org/tlog-witness add-checkpoint over HTTP against a real log', () => {
  let p: TestPlatform;
  let dataDir: string;
  let logVkey: string;
  let witness: RunningWitness;
  const start = () =>
    startWitness({ dataDir, port: 0, name: 'test.fulcrum/witness', logs: [{ origin: ORIGIN, vkey: logVkey }] });

  beforeAll(async () => {
    p = await startTestPlatform({ dialect: 'sqlite', server: { transparencyLog: { origin: ORIGIN } } });
    dataDir = await mkdtemp(join(tmpdir(), 'fulcrum-witness-'));
    logVkey = (await (await fetch(`${p.url}/log/key`)).text()).trim();
    witness = await start();
  });
  afterAll(async () => {
    await witness?.close();
    await p?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('cosigns, extends consistently, refuses rollback (409) and fork (422), and survives a restart', async () => {
    const logVerifier = parseVerifierKey(logVkey);
    const firstVkey = witness.vkey;
    const witnessVerifier = parseVerifierKey(witness.vkey);
    expect(witness.vkey.startsWith('test.fulcrum/witness+')).toBe(true);
    expect(witnessVerifier.type).toBe(0x04);
    // The key file is created 0600.
    expect((await stat(join(dataDir, 'witness-key.json'))).mode & 0o777).toBe(0o600);

    // 1. First checkpoint, from the empty tree: `old 0`, no proof.
    await registerTestAccount(p.url, 'alice');
    const cp1 = await checkpointOfAtLeast(p.url, 3);
    const r1 = await addCheckpoint(
      witness,
      formatAddCheckpointBody({ oldSize: 0, proof: [], checkpointNote: cp1.note }),
    );
    expect(r1.status).toBe(200);
    expect(r1.type).toBe('text/plain; charset=utf-8');
    const v1 = verifyCheckpoint(cp1.note + r1.body, {
      logVerifiers: [logVerifier],
      witnessVerifiers: [witnessVerifier],
    });
    expect(v1.checkpoint.size).toBe(cp1.size);
    expect(v1.cosignatures).toHaveLength(1);
    expect(v1.cosignatures[0]?.name).toBe('test.fulcrum/witness');
    // A cosignature is not accepted under another witness key.
    const other = await startWitness({
      dataDir: join(dataDir, 'other'),
      port: 0,
      name: 'test.fulcrum/witness',
      logs: [{ origin: ORIGIN, vkey: logVkey }],
    });
    const otherVerifier = parseVerifierKey(other.vkey);
    await other.close();
    expect(
      verifyCheckpoint(cp1.note + r1.body, { logVerifiers: [logVerifier], witnessVerifiers: [otherVerifier] })
        .cosignatures,
    ).toHaveLength(0);

    // 2. A later checkpoint with a consistency proof built from the log's tiles.
    await registerTestAccount(p.url, 'bob');
    const cp2 = await checkpointOfAtLeast(p.url, cp1.size + 2);
    const reader = createTileHashReader({ treeSize: cp2.size, source: httpSource(p.url) });
    const proof = await createConsistencyProof(cp1.size, cp2.size, reader);
    expect(proof.length).toBeGreaterThan(0);
    // A tampered proof is refused (422) and changes nothing.
    const bad = proof.map((h, i) => (i === 0 ? h.map((b, j) => (j === 0 ? b ^ 1 : b)) : h));
    const rb = await addCheckpoint(
      witness,
      formatAddCheckpointBody({ oldSize: cp1.size, proof: bad, checkpointNote: cp2.note }),
    );
    expect(rb.status).toBe(422);
    const r2 = await addCheckpoint(
      witness,
      formatAddCheckpointBody({ oldSize: cp1.size, proof, checkpointNote: cp2.note }),
    );
    expect(r2.status).toBe(200);
    expect(
      verifyCheckpoint(cp2.note + r2.body, { logVerifiers: [logVerifier], witnessVerifiers: [witnessVerifier] })
        .cosignatures,
    ).toHaveLength(1);

    // 3. Rollback / stale: the old checkpoint again, from 0 or from its own size → 409 with the latest size.
    for (const oldSize of [0, cp1.size]) {
      const r = await addCheckpoint(witness, formatAddCheckpointBody({ oldSize, proof: [], checkpointNote: cp1.note }));
      expect(r.status).toBe(409);
      expect(r.type).toBe('text/x.tlog.size');
      expect(r.body).toBe(`${cp2.size}\n`);
    }

    // 4. A fork: same size, another root, validly signed by the log key → 422, no cosignature.
    const fork = await signCheckpoint(
      {
        origin: ORIGIN,
        size: parseCheckpointText(parseNote(cp2.note).text).size,
        rootHash: randomBytes(32),
        extensions: [],
      },
      [p.server.log.keys.signer],
    );
    const rf = await addCheckpoint(
      witness,
      formatAddCheckpointBody({ oldSize: cp2.size, proof: [], checkpointNote: fork }),
    );
    expect(rf.status).toBe(422);
    expect(rf.body).not.toContain('—');

    // Unknown origin → 404; a checkpoint not signed by the log key → 403; a malformed body → 400.
    const stranger = await signCheckpoint(
      {
        origin: ORIGIN,
        size: parseCheckpointText(parseNote(cp2.note).text).size,
        rootHash: randomBytes(32),
        extensions: [],
      },
      [generateEd25519NoteKey(ORIGIN).signer],
    );
    expect(
      (
        await addCheckpoint(
          witness,
          formatAddCheckpointBody({ oldSize: cp2.size, proof: [], checkpointNote: stranger }),
        )
      ).status,
    ).toBe(403);
    const elsewhere = await signCheckpoint(
      {
        origin: 'elsewhere.example/log',
        size: parseCheckpointText(parseNote(cp2.note).text).size,
        rootHash: randomBytes(32),
        extensions: [],
      },
      [generateEd25519NoteKey('elsewhere.example/log').signer],
    );
    expect(
      (await addCheckpoint(witness, formatAddCheckpointBody({ oldSize: 0, proof: [], checkpointNote: elsewhere })))
        .status,
    ).toBe(404);
    expect((await addCheckpoint(witness, 'old x\n\nnot a note')).status).toBe(400);

    // The state was on disk before the 200: it names the second checkpoint.
    const onDisk = JSON.parse(await readFile(join(dataDir, 'witness-state.json'), 'utf8'));
    expect(onDisk.logs[ORIGIN].size).toBe(cp2.size);

    // 5. Restart: same key, same state. The rollback is still refused, the fork too, and the
    // witness continues from the cosigned size.
    await witness.close();
    witness = await start();
    expect(witness.vkey).toBe(firstVkey);
    expect(parseVerifierKey(witness.vkey).keyId).toBe(witnessVerifier.keyId);
    const rr = await addCheckpoint(
      witness,
      formatAddCheckpointBody({ oldSize: 0, proof: [], checkpointNote: cp1.note }),
    );
    expect([rr.status, rr.body]).toEqual([409, `${cp2.size}\n`]);
    expect(
      (await addCheckpoint(witness, formatAddCheckpointBody({ oldSize: cp2.size, proof: [], checkpointNote: fork })))
        .status,
    ).toBe(422);
    await registerTestAccount(p.url, 'carol');
    const cp3 = await checkpointOfAtLeast(p.url, cp2.size + 2);
    const proof3 = await createConsistencyProof(
      cp2.size,
      cp3.size,
      createTileHashReader({ treeSize: cp3.size, source: httpSource(p.url) }),
    );
    const r3 = await addCheckpoint(
      witness,
      formatAddCheckpointBody({ oldSize: cp2.size, proof: proof3, checkpointNote: cp3.note }),
    );
    expect(r3.status).toBe(200);
    expect(
      verifyCheckpoint(cp3.note + r3.body, { logVerifiers: [logVerifier], witnessVerifiers: [witnessVerifier] })
        .cosignatures,
    ).toHaveLength(1);
  });
});
