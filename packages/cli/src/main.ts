import { Command, CommanderError } from 'commander';
import { registerAuthorityCommands } from './commands/authority.js';
import { registerBlockCommands } from './commands/blocks.js';
import { registerClientCommands } from './commands/client.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerEvidenceCommands } from './commands/evidence.js';
import { registerLogCommands } from './commands/log.js';
import { registerModerationCommands } from './commands/moderation.js';
import { registerPdqCommands } from './commands/pdq.js';
import { registerReportCommand } from './commands/report.js';
import { registerServeCommand } from './commands/serve.js';
import { registerStaffCommands } from './commands/staff.js';
import { registerWitnessCommand } from './commands/witness.js';
import { acceptDashLeadingIds } from './dash-operands.js';

/** Builds the `fulcrum` command tree. Each area registers its own subcommands. */
export function createProgram(): Command {
  const program = new Command('fulcrum')
    .description('Fulcrum: an end-to-end encrypted messenger that is safe by design')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerAuthorityCommands(program);
  registerBlockCommands(program);
  registerClientCommands(program);
  registerDemoCommand(program);
  registerEvidenceCommands(program);
  registerLogCommands(program);
  registerModerationCommands(program);
  registerPdqCommands(program);
  registerReportCommand(program);
  registerServeCommand(program);
  registerStaffCommands(program);
  registerWitnessCommand(program);
  acceptDashLeadingIds(program); // ids are base64url: one in 64 begins with '-'
  return program;
}

/** Runs the CLI; returns the process exit code (never calls process.exit itself). */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'internal';
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`fulcrum: ${message} (${code})\n`);
    return 1;
  }
}
