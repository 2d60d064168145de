/**
 * `fulcrum evidence`: signed evidence bundles (docs/protocol.md §Evidence bundles).
 *
 * Operator commands act on the server's store directly, like `fulcrum serve` (SQLite in `--data`,
 * or `--postgres URL`): whoever runs them has the store's credentials, so no staff API is needed
 * and nothing crosses the network. `export` writes a bundle for a report and appends its salted
 * commitment to the transparency log (integrated by the running server); `hold` places a
 * preservation hold; `key` prints the platform's evidence public key (from the store, or from a
 * server's `GET /v1/evidence/key` with `--server`).
 *
 * `verify` is offline: it needs only the bundle and the platform's public key, and prints a clear
 * verdict; any failure exits 1 with its typed code (`evidence.file_tampered`, …).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { encodeHex, FulcrumError, isFulcrumError } from '@fulcrum/common';
import {
  EVIDENCE_PUBLIC_KEY_PREFIX,
  formatEvidencePublicKey,
  parseEvidencePublicKey,
  type VerifiedEvidenceBundle,
  verifyEvidenceBundle,
} from '@fulcrum/evidence';
import { exportEvidence, loadEvidencePublicKey, openEvidenceKey, placeEvidenceHold } from '@fulcrum/server';
import {
  createEd25519NoteVerifier,
  EVIDENCE_BUNDLE_ENTRY,
  evidenceRegistry,
  hashLeaf,
  parseVerifierKey,
  verifyCheckpoint,
  verifyTlogProof,
} from '@fulcrum/tlog';
import { Command, InvalidArgumentError } from 'commander';
import { type OperatorStoreFlags, withOperatorStore as withStore } from './operator-store.js';

/** Codes of `fulcrum evidence` itself (the others come from @fulcrum/evidence and the server). */
export type EvidenceCliErrorCode =
  /** `--key` is neither a key text (`fulcrum-evidence-ed25519:…`) nor a readable file holding one. */
  | 'cli.evidence_key_unreadable'
  /** The output file exists: choose another path or pass `--force`. */
  | 'cli.evidence_out_exists'
  /** The server or log could not be reached, or did not serve what was asked: check the URL (and index). */
  | 'cli.evidence_unreachable'
  /** The log entry at `--log-index` is not this bundle's `evidence.bundle` commitment: wrong index, or not logged. */
  | 'cli.evidence_not_logged'
  /** Options that only work together were given alone (e.g. `--log` without `--log-index` and `--log-key`). */
  | 'cli.evidence_usage';

const cliError = (code: EvidenceCliErrorCode, message: string) => new FulcrumError<EvidenceCliErrorCode>(code, message);

/** Where output goes (tests capture it). */
export interface EvidenceIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
  setExitCode(code: number): void;
  now(): number;
  fetch: typeof fetch;
}

const defaultIo: EvidenceIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  setExitCode: (code) => {
    process.exitCode = code;
  },
  now: () => Date.now(),
  fetch: (...args) => fetch(...args),
};

type StoreFlags = Omit<OperatorStoreFlags, 'dataDir'>;

function storeOptions(cmd: Command): Command {
  return cmd
    .option(
      '--data <dir>',
      'the server data directory (SQLite; default: $FULCRUM_DATA or ~/.local/share/fulcrum/server)',
    )
    .option('--postgres <url>', 'the server store on PostgreSQL at this URL instead')
    .option('--postgres-schema <name>', 'PostgreSQL schema (default: public)');
}

/** A key given as its text form, or as a file that holds it. */
export async function readEvidenceKeyArgument(value: string): Promise<Uint8Array> {
  if (value.trim().startsWith(EVIDENCE_PUBLIC_KEY_PREFIX)) return parseEvidencePublicKey(value);
  if (!existsSync(value)) {
    throw cliError('cli.evidence_key_unreadable', `--key is neither ${EVIDENCE_PUBLIC_KEY_PREFIX}… nor a file`);
  }
  return parseEvidencePublicKey(await readFile(value, 'utf8'));
}

/** `--until`: an ISO 8601 date/time or ms since the epoch. */
function parseUntil(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isSafeInteger(n))
    throw new InvalidArgumentError('an ISO date (2027-03-01T00:00:00Z) or ms since the epoch');
  return n;
}

function describeFailure(err: unknown): { code: string; message: string } {
  if (isFulcrumError(err)) return { code: err.code, message: err.message };
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

/** Where the bundle's commitment was found in the transparency log (`verify --log`). */
export interface LoggedAt {
  readonly index: number;
  /** ms since the epoch: the entry's time (the export). */
  readonly time: number;
  /** Size of the signed checkpoint the inclusion proof verified against. */
  readonly checkpointSize: number;
}

/**
 * Checks that the log entry at `index` is this bundle's `evidence.bundle` commitment and that it
 * is included in a checkpoint signed by the log key `vkey` (C2SP tlog-proof receipt from
 * `<log>/proof/<index>`).
 */
async function checkLogged(
  io: EvidenceIo,
  log: string,
  index: number,
  vkey: string,
  commitment: Uint8Array,
): Promise<LoggedAt> {
  const base = log.replace(/\/+$/, '');
  const get = async (path: string): Promise<Uint8Array> => {
    const res = await io.fetch(`${base}/${path}`).catch((cause) => {
      throw cliError('cli.evidence_unreachable', `cannot reach ${base}: ${String(cause)}`);
    });
    if (res.status !== 200) throw cliError('cli.evidence_unreachable', `${base}/${path} answered ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  };
  const entry = await get(`entry/${index}`);
  let logged: Uint8Array | undefined;
  let time = 0;
  try {
    const decoded = evidenceRegistry().decode(entry);
    if (decoded.kind === EVIDENCE_BUNDLE_ENTRY.kind) {
      logged = (decoded.value as { commitment: Uint8Array }).commitment;
      time = decoded.time;
    }
  } catch {
    logged = undefined; // another kind of entry
  }
  if (logged === undefined || encodeHex(logged) !== encodeHex(commitment)) {
    throw cliError('cli.evidence_not_logged', `log entry ${index} is not this bundle's evidence.bundle commitment`);
  }
  const key = parseVerifierKey(vkey);
  const verifier = createEd25519NoteVerifier(key.name, key.publicKey);
  const proof = verifyTlogProof(new TextDecoder().decode(await get(`proof/${index}`)), {
    leafHash: hashLeaf(entry),
    verifyCheckpoint: (note) => verifyCheckpoint(note, { logVerifiers: [verifier] }),
  });
  return { index, time, checkpointSize: Number(proof.checkpoint.checkpoint.size) };
}

/** The verdict of `verify`, as printed with `--json`. */
export interface EvidenceVerdict {
  readonly ok: true;
  readonly issuer: string;
  readonly keyId: string;
  readonly createdAt: string;
  readonly files: { name: string; mediaType: string; size: number; sha256: string }[];
  readonly openingsVerified: number;
  readonly commitment: string;
  readonly metadata: unknown;
  readonly logged?: LoggedAt;
}

function verdictOf(v: VerifiedEvidenceBundle): EvidenceVerdict {
  return {
    ok: true,
    issuer: v.manifest.issuer,
    keyId: v.manifest.keyId,
    createdAt: new Date(v.manifest.createdAt).toISOString(),
    files: v.manifest.files.map((f) => ({ ...f })),
    openingsVerified: v.openingsVerified,
    commitment: encodeHex(v.commitment),
    metadata: v.manifest.metadata,
  };
}

export function createEvidenceCommand(io: EvidenceIo = defaultIo): Command {
  const evidence = new Command('evidence').description(
    'signed evidence bundles: export (operator, on the store), verify (offline), hold, key',
  );
  const out = (s: string) => io.stdout.write(`${s}\n`);
  const fail = (json: boolean, err: unknown) => {
    const f = describeFailure(err);
    if (json) out(JSON.stringify({ ok: false, ...f }));
    else io.stderr.write(`FAILED: ${f.message} (${f.code})\n`);
    io.setExitCode(1);
  };

  storeOptions(
    evidence
      .command('export')
      .argument('<report-id>', 'the report (rpt_…)')
      .requiredOption('--out <file>', 'where to write the bundle')
      .option('--by <name>', 'who exports (recorded with the export)', 'operator')
      .option('--issuer <name>', "names the platform in the bundle (default: the transparency log's origin)")
      .option('--force', 'overwrite --out if it exists')
      .option('--json', 'print the result as JSON')
      .description(
        "write a report's signed evidence bundle and log its salted commitment (operator: acts on the server's store)",
      ),
  ).action(
    async (
      reportId: string,
      flags: StoreFlags & { out: string; by: string; issuer?: string; force?: boolean; json?: boolean },
    ) => {
      try {
        const path = resolve(flags.out);
        if (flags.force !== true && existsSync(path)) throw cliError('cli.evidence_out_exists', `${path} exists`);
        const result = await withStore(flags, async (db) => {
          const key = await openEvidenceKey(db, io.now());
          return exportEvidence(db, key, {
            reportId,
            exportedBy: flags.by,
            now: io.now(),
            ...(flags.issuer === undefined ? {} : { issuer: flags.issuer }),
          });
        });
        await mkdir(dirname(path), { recursive: true });
        // The bundle holds revealed content: readable by its owner only.
        await writeFile(path, result.bytes, { mode: 0o600 });
        const summary = {
          ok: true,
          exportId: result.exportId,
          reportId,
          file: path,
          bytes: result.bytes.length,
          files: result.manifest.files.length,
          bundleSha256: encodeHex(result.bundleSha256),
          commitment: encodeHex(result.commitment),
          logIndex: result.logIndex,
        };
        if (flags.json === true) out(JSON.stringify(summary));
        else {
          out(`exported ${reportId} to ${path} (${summary.bytes} bytes, ${summary.files} files)`);
          out(`bundle SHA-256 ${summary.bundleSha256}`);
          out(`logged as evidence.bundle at index ${summary.logIndex} (commitment ${summary.commitment})`);
        }
      } catch (err) {
        fail(flags.json === true, err);
      }
    },
  );

  evidence
    .command('verify')
    .argument('<bundle>', 'the bundle file')
    .requiredOption(
      '--key <key-or-file>',
      `the platform's evidence public key (${EVIDENCE_PUBLIC_KEY_PREFIX}…) or a file holding it`,
    )
    .option('--extract <dir>', 'after verifying, write the files into this directory')
    .option('--log <url>', "also check the bundle's evidence.bundle entry in this log (e.g. http://host:8080/log)")
    .option('--log-index <n>', 'the entry index the export printed (with --log)', (v) => {
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError('a log index is a non-negative integer');
      return Number(v);
    })
    .option('--log-key <vkey>', "the log's verifier key (C2SP vkey, as GET /log/key serves it; with --log)")
    .option('--json', 'print the verdict as JSON')
    .description('verify a bundle offline: signature, every file digest, every franking opening')
    .action(
      async (
        file: string,
        flags: { key: string; extract?: string; json?: boolean; log?: string; logIndex?: number; logKey?: string },
      ) => {
        try {
          const key = await readEvidenceKeyArgument(flags.key);
          const v = verifyEvidenceBundle(new Uint8Array(await readFile(file)), key);
          let verdict = verdictOf(v);
          if (flags.log !== undefined) {
            if (flags.logIndex === undefined || flags.logKey === undefined)
              throw cliError('cli.evidence_usage', '--log needs --log-index and --log-key');
            verdict = {
              ...verdict,
              logged: await checkLogged(io, flags.log, flags.logIndex, flags.logKey, v.commitment),
            };
          }
          if (flags.extract !== undefined) {
            const root = resolve(flags.extract);
            for (const f of v.files) {
              // Names are relative paths without `..` (checked by the format): they stay under root.
              const target = join(root, ...f.name.split('/'));
              await mkdir(dirname(target), { recursive: true });
              await writeFile(target, f.content, { mode: 0o600, flag: 'wx' });
            }
          }
          if (flags.json === true) out(JSON.stringify(verdict));
          else {
            out(
              `OK: evidence bundle verified (signed by ${verdict.issuer}, key ${verdict.keyId}, ${verdict.createdAt})`,
            );
            for (const f of verdict.files)
              out(`  ${f.sha256}  ${String(f.size).padStart(10)}  ${f.mediaType}  ${f.name}`);
            out(`  franking openings verified: ${verdict.openingsVerified}`);
            out(`  log commitment: ${verdict.commitment}`);
            if (verdict.logged !== undefined)
              out(
                `  logged: evidence.bundle entry ${verdict.logged.index} (${new Date(verdict.logged.time).toISOString()}), included in the signed checkpoint of size ${verdict.logged.checkpointSize}`,
              );
            if (flags.extract !== undefined) out(`  files written to ${resolve(flags.extract)}`);
          }
        } catch (err) {
          fail(flags.json === true, err);
        }
      },
    );

  storeOptions(
    evidence
      .command('hold')
      .argument('<report-id>', 'the report (rpt_…)')
      .requiredOption('--until <date>', 'keep the content until then (ISO 8601, or ms since the epoch)', parseUntil)
      .requiredOption('--reason <text>', 'why (recorded with the hold)')
      .option('--by <name>', 'who places the hold', 'operator')
      .option('--json', 'print the hold as JSON')
      .description("place a preservation hold: retention keeps the report's content until --until"),
  ).action(
    async (reportId: string, flags: StoreFlags & { until: number; reason: string; by: string; json?: boolean }) => {
      try {
        const hold = await withStore(flags, (db) =>
          placeEvidenceHold(db, {
            reportId,
            reason: flags.reason,
            until: flags.until,
            createdBy: flags.by,
            now: io.now(),
          }),
        );
        if (flags.json === true) out(JSON.stringify({ ok: true, ...hold }));
        else out(`hold ${hold.id} on ${reportId} until ${new Date(hold.until).toISOString()}`);
      } catch (err) {
        fail(flags.json === true, err);
      }
    },
  );

  storeOptions(
    evidence
      .command('key')
      .option('--server <url>', "read it from a server's GET /v1/evidence/key instead of the store")
      .description("print the platform's evidence public key (verifiers pass it to `fulcrum evidence verify --key`)"),
  ).action(async (flags: StoreFlags & { server?: string }) => {
    try {
      let text: string;
      if (flags.server !== undefined) {
        const res = await io.fetch(`${flags.server.replace(/\/+$/, '')}/v1/evidence/key`).catch((cause) => {
          throw cliError('cli.evidence_unreachable', `cannot reach ${flags.server}: ${String(cause)}`);
        });
        if (res.status !== 200) throw cliError('cli.evidence_unreachable', `the server answered ${res.status}`);
        text = formatEvidencePublicKey(parseEvidencePublicKey(await res.text()));
      } else {
        text = await withStore(flags, async (db) => {
          await openEvidenceKey(db, io.now());
          const key = await loadEvidencePublicKey(db.kysely);
          if (key === undefined) throw new Error('no evidence key');
          return formatEvidencePublicKey(key.publicKey);
        });
      }
      out(text);
    } catch (err) {
      fail(false, err);
    }
  });

  return evidence;
}

export function registerEvidenceCommands(program: Command): void {
  program.addCommand(createEvidenceCommand());
}
