import { Command } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceptDashLeadingIds } from './dash-operands.js';

/** A tree shaped like the CLI's: a versioned root, a leaf, a group added with addCommand, options with values. */
function program(seen: unknown[]): Command {
  const root = new Command('fulcrum').version('0.1.0').exitOverride();
  root.configureOutput({ writeOut: () => {}, writeErr: () => {} });
  root
    .command('unblock <account>')
    .option('--json', 'json')
    .action((account: string, opts: { json?: boolean }) => {
      seen.push(['unblock', account, opts.json === true]);
    });
  const mod = new Command('mod');
  mod
    .command('decide <case> <decision>')
    .requiredOption('--reason <text>', 'why')
    .option('--postgres-schema-name-x <name>', 'a long flag of 22 chars')
    .action((id: string, decision: string, opts: { reason: string; postgresSchemaNameX?: string }) => {
      seen.push(['decide', id, decision, opts.reason, opts.postgresSchemaNameX]);
    });
  root.addCommand(mod);
  acceptDashLeadingIds(root);
  return root;
}

async function run(...args: string[]): Promise<unknown[]> {
  const seen: unknown[] = [];
  await program(seen).parseAsync(args, { from: 'user' });
  return seen;
}

describe('ids that begin with a dash', () => {
  it('are operands wherever they stand, before or after options, at any depth', async () => {
    expect(await run('unblock', '-gzYhYUroN6l6KCu7LxIGA', '--json')).toEqual([
      ['unblock', '-gzYhYUroN6l6KCu7LxIGA', true],
    ]);
    expect(await run('unblock', '--json', '-VzYhYUroN6l6KCu7LxIGA')).toEqual([
      ['unblock', '-VzYhYUroN6l6KCu7LxIGA', true],
    ]);
    expect(await run('unblock', '--gzYhYUroN6l6KCu7LxIG')).toEqual([['unblock', '--gzYhYUroN6l6KCu7LxIG', false]]);
    const id43 = `-${'a'.repeat(42)}`;
    expect(await run('mod', 'decide', id43, 'warn', '--reason', 'x')).toEqual([
      ['decide', id43, 'warn', 'x', undefined],
    ]);
    expect(await run('mod', 'decide', '--reason', 'x', '-hXYhYUroN6l6KCu7LxIGA', 'warn')).toEqual([
      ['decide', '-hXYhYUroN6l6KCu7LxIGA', 'warn', 'x', undefined],
    ]);
  });

  it('leave option values, real options and the `--` separator as commander has them', async () => {
    // The value of an option is taken verbatim, even when it looks like an id.
    expect(await run('mod', 'decide', 'c1', 'warn', '--reason', '-gzYhYUroN6l6KCu7LxIGA')).toEqual([
      ['decide', 'c1', 'warn', '-gzYhYUroN6l6KCu7LxIGA', undefined],
    ]);
    // A real long flag of an id's length stays a flag.
    expect(await run('mod', 'decide', 'c1', 'warn', '--reason', 'r', '--postgres-schema-name-x', 'n')).toEqual([
      ['decide', 'c1', 'warn', 'r', 'n'],
    ]);
    expect(await run('unblock', '--json', '--', '-gzYhYUroN6l6KCu7LxIGA')).toEqual([
      ['unblock', '-gzYhYUroN6l6KCu7LxIGA', true],
    ]);
    // Short tokens are still options: unknown ones are refused, -V prints the version.
    await expect(run('unblock', '-x')).rejects.toMatchObject({ code: 'commander.unknownOption' });
    await expect(run('-V')).rejects.toMatchObject({ code: 'commander.version' });
  });

  it('property: any 16- or 32-byte base64url id reaches the command unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean(), async (bytes, after) => {
        const id = Buffer.from(bytes).toString('base64url');
        const args = after ? ['unblock', '--json', id] : ['unblock', id, '--json'];
        expect(await run(...args)).toEqual([['unblock', id, true]]);
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (bytes) => {
        const id = Buffer.from(bytes).toString('base64url');
        expect(await run('mod', 'decide', id, 'warn', '--reason', 'r')).toEqual([
          ['decide', id, 'warn', 'r', undefined],
        ]);
      }),
      { numRuns: 300 },
    );
  });
});
