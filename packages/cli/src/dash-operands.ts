import type { Command, Option } from 'commander';

/**
 * Fulcrum ids (accounts, devices, groups, reports, decisions…) are unpadded base64url, so one in
 * 64 begins with `-`: `fulcrum unblock -gzYhYUroN6l6KCu7LxIGA` must not fail with "unknown option"
 * (nor, for an id that begins with `-V`, print the version). This lets every command of `program`
 * take such a token as an operand:
 *
 * - a single-dash token of 16 or more base64url characters (no option of the CLI looks like that:
 *   short options are one letter), and
 * - a double-dash token of an id's exact length (22 or 43 characters: 16 or 32 bytes) that is not
 *   the flag of any option anywhere in the command tree,
 *
 * unless it is the value of the option just before it (commander already takes that verbatim).
 * `--` works as well, as in any POSIX command line.
 */
export function acceptDashLeadingIds(program: Command): void {
  const longFlags = new Set<string>();
  const all: Command[] = [];
  const walk = (cmd: Command) => {
    all.push(cmd);
    for (const option of cmd.options) if (option.long !== undefined) longFlags.add(option.long);
    for (const sub of cmd.commands) walk(sub);
  };
  walk(program);
  const looksLikeId = (arg: string): boolean =>
    SINGLE_DASH_ID.test(arg) || (DOUBLE_DASH_ID.test(arg) && !longFlags.has(arg));
  for (const cmd of all) {
    const parseOptions = cmd.parseOptions.bind(cmd);
    cmd.parseOptions = (args: string[]) => {
      const takesValue = (arg: string | undefined) =>
        arg !== undefined &&
        cmd.options.some((o: Option) => (o.long === arg || o.short === arg) && (o.required || o.optional));
      const marked = args.map((arg, i) => (looksLikeId(arg) && !takesValue(args[i - 1]) ? `${MARK}${arg}` : arg));
      const parsed = parseOptions(marked);
      return { operands: parsed.operands.map(unmark), unknown: parsed.unknown.map(unmark) };
    };
  }
}

/** Does not begin with `-`, so commander files the token as an operand; never typed by a user. */
const MARK = '\u0000fulcrum-operand:';
const SINGLE_DASH_ID = /^-[A-Za-z0-9_][A-Za-z0-9_-]{14,}$/;
const DOUBLE_DASH_ID = /^--(?:[A-Za-z0-9_-]{20}|[A-Za-z0-9_-]{41})$/;

const unmark = (arg: string): string => (arg.startsWith(MARK) ? arg.slice(MARK.length) : arg);
