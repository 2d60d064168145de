/** Runs `fulcrum` in-process as one user (its own `--data` directory) and captures what it prints. */
import { vi } from 'vitest';
import { runCli } from '../src/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Every stdout line that is a JSON object (`--json` output), parsed. */
  json: Record<string, unknown>[];
}

/** `fulcrum <args> --server <server> --data <dataDir>`; process.exitCode is restored afterwards. */
export async function runCliAs(server: string, dataDir: string, args: readonly string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const before = process.exitCode;
  try {
    const code = await runCli(['node', 'fulcrum', ...args, '--server', server, '--data', dataDir]);
    const json = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { code, stdout, stderr, json };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = before;
  }
}
