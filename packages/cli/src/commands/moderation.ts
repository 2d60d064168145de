/**
 * `fulcrum mod …` (staff) and `fulcrum appeal` / `fulcrum notices` (the affected user): the
 * moderation API of docs/protocol.md §Moderation, as the device in `--data`. Staff are ordinary
 * accounts; the server checks their roles on every call and answers refusals with typed codes
 * (`moderation.role_required`, `moderation.self_approval`, …), which the CLI prints and exits 1 on.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { FulcrumClient } from '@fulcrum/client';
import { decodeBase64Url, utf8Decode } from '@fulcrum/common';
import { type Command, InvalidArgumentError } from 'commander';
import { type ClientFlags, output, requireRegistered, withClient, withClientOptions } from '../client-context.js';

const ACTIONS = ['dismiss', 'warn', 'restrict', 'suspend', 'ban', 'escalate'] as const;
const KINDS = ['cybertipline', 'dsa_sor', 'art18'] as const;
const ROLES = ['moderator', 'child_safety', 'admin'] as const;
/** A reveal carries files; allow large answers. */
const REVEAL_MAX_BYTES = 256 * 1024 * 1024;

function oneOf<T extends string>(list: readonly T[], what: string) {
  return (value: string): T => {
    if (!(list as readonly string[]).includes(value))
      throw new InvalidArgumentError(`${what}: one of ${list.join(', ')}`);
    return value as T;
  };
}

/** `90s`, `15m`, `12h`, `7d` or plain milliseconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  if (m === null) throw new InvalidArgumentError('a duration like 30m, 12h or 7d');
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms'] as number;
  return Number(m[1]) * unit;
}

async function staffCall<T>(flags: ClientFlags, task: (client: FulcrumClient) => Promise<T>): Promise<T> {
  return withClient(flags, async (client) => {
    requireRegistered(client);
    return task(client);
  });
}

async function accountIdOf(client: FulcrumClient, ref: string): Promise<string> {
  if (/^[A-Za-z0-9_-]{22}$/.test(ref) && !/^[a-z0-9][a-z0-9_.-]{2,31}$/.test(ref)) return ref;
  return (await client.lookupAccount(ref)).accountId;
}

/** The text of a revealed message body (canonical message content JSON), for display. */
function describeBody(body: Uint8Array): string {
  let text: string;
  try {
    text = utf8Decode(body);
  } catch {
    return `(${body.length} bytes, not UTF-8)`;
  }
  try {
    const content = JSON.parse(text) as { type?: string; text?: string; name?: string; mediaType?: string };
    if (content.type === 'text' && typeof content.text === 'string') return content.text;
    if (content.type === 'attachment') return `[file ${content.name} ${content.mediaType}]`;
  } catch {
    // not JSON: show as is
  }
  return text;
}

export function registerModerationCommands(program: Command): void {
  const mod = program.command('mod').description('moderation staff: queue, cases, decisions, approvals, appeals');

  withClientOptions(mod.command('roles'))
    .description("this account's staff roles")
    .action(async (opts: ClientFlags) => {
      const out = output(opts);
      const me = await staffCall(opts, (c) => c.callApi('modMe'));
      out.emit(me, me.roles.length === 0 ? 'not staff' : me.roles.join(', '));
    });

  withClientOptions(mod.command('queue'))
    .description('cases waiting for work that your roles may see, most urgent first')
    .option('--category <category>', 'only this category')
    .option('--limit <n>', 'at most this many (1-200)', (v) => Number(v))
    .action(async (opts: ClientFlags & { category?: string; limit?: number }) => {
      const out = output(opts);
      const query: Record<string, string | number> = {};
      if (opts.category !== undefined) query.category = opts.category;
      if (opts.limit !== undefined) query.limit = opts.limit;
      const { cases } = await staffCall(opts, (c) => c.callApi('modQueue', { query }));
      if (out.json) for (const c of cases) out.emit(c, '');
      else if (cases.length === 0) out.emit([], 'the queue is empty');
      for (const c of out.json ? [] : cases) {
        const lease =
          c.lease === undefined ? '' : ` held by ${c.lease.holder} until ${new Date(c.lease.expiresAt).toISOString()}`;
        const pending = c.pending === undefined ? '' : ` — ${c.pending.action} ${c.pending.decisionId} awaits approval`;
        out.emit(
          c,
          `${c.reportId}  p${c.priority} ${c.category} ${c.status} ${new Date(c.createdAt).toISOString()}${lease}${pending}`,
        );
      }
    });

  withClientOptions(mod.command('show <reportId>'))
    .description("a case's verified metadata (no content: see `mod reveal`)")
    .action(async (reportId: string, opts: ClientFlags) => {
      const out = output(opts);
      const view = await staffCall(opts, (c) => c.callApi('modCase', { params: { reportId } }));
      const lines = [
        `${view.reportId}: ${view.category} (priority ${view.priority}), ${view.status}, reported ${new Date(view.createdAt).toISOString()}`,
        `reported account ${view.reportedAccountId}, by ${view.reporterAccountId}${view.contentDeleted ? ' (content deleted)' : ''}`,
        ...view.messages.map(
          (m) =>
            `  #${m.position} ${m.role} from ${m.senderAccountId} seq ${m.serverSeq} epoch ${m.epoch} at ${new Date(m.serverTime).toISOString()}: franking verified, ${m.bodyBytes ?? 0} bytes`,
        ),
        ...view.files.map((f) => `  file on #${f.position}: ${f.mediaType}, ${f.size} bytes`),
        ...view.decisions.map(
          (d) => `  decision ${d.decisionId}: ${d.action} (${d.status}) by ${d.decidedBy}: ${d.reason}`,
        ),
        ...view.appeals.map((a) => `  appeal ${a.appealId}: ${a.status}: ${a.statement}`),
      ];
      out.emit(view, lines.join('\n'));
    });

  withClientOptions(mod.command('reveal <reportId>'))
    .description("show a case's reported content (audited and logged)")
    .option('--save <dir>', 'write the reported files into this directory')
    .action(async (reportId: string, opts: ClientFlags & { save?: string }) => {
      const out = output(opts);
      const shown = await staffCall(opts, (c) =>
        c.callApi('modReveal', { params: { reportId }, body: {}, maxResponseBytes: REVEAL_MAX_BYTES }),
      );
      const saved: string[] = [];
      if (opts.save !== undefined) {
        await mkdir(opts.save, { recursive: true });
        for (const f of shown.files) {
          if (f.content === undefined) continue;
          const path = join(opts.save, `${f.position}-${basename(f.name)}`);
          await writeFile(path, decodeBase64Url(f.content), { flag: 'wx' });
          saved.push(path);
        }
      }
      const lines = [
        ...(shown.note === undefined ? [] : [`note: ${shown.note}`]),
        ...(shown.contentDeleted ? ['(content deleted under the retention policy)'] : []),
        ...shown.messages.map(
          (m) => `#${m.position}: ${m.body === undefined ? '(deleted)' : describeBody(decodeBase64Url(m.body))}`,
        ),
        ...shown.files.map((f) => `file on #${f.position}: ${f.name} ${f.mediaType} ${f.size} bytes`),
        ...saved.map((p) => `saved ${p}`),
      ];
      out.emit(opts.save === undefined ? shown : { ...shown, saved }, lines.join('\n'));
    });

  withClientOptions(mod.command('claim <reportId>'))
    .description('take a case (a lease of 15 minutes; claim again to renew)')
    .action(async (reportId: string, opts: ClientFlags) => {
      const out = output(opts);
      const r = await staffCall(opts, (c) => c.callApi('modClaim', { params: { reportId }, body: {} }));
      out.emit(r, `claimed ${r.reportId} until ${new Date(r.lease.expiresAt).toISOString()}`);
    });

  withClientOptions(mod.command('release <reportId>'))
    .description('give a claimed case back to the queue')
    .action(async (reportId: string, opts: ClientFlags) => {
      const out = output(opts);
      const r = await staffCall(opts, (c) => c.callApi('modRelease', { params: { reportId }, body: {} }));
      out.emit(r, r.released ? `released ${reportId}` : `you did not hold ${reportId}`);
    });

  withClientOptions(mod.command('assign <reportId> <account>'))
    .description('admin: hand a case to a staff member (name or account id)')
    .action(async (reportId: string, account: string, opts: ClientFlags) => {
      const out = output(opts);
      const r = await staffCall(opts, async (c) =>
        c.callApi('modAssign', { params: { reportId }, body: { accountId: await accountIdOf(c, account) } }),
      );
      out.emit(r, `assigned ${reportId} to ${r.lease.holder} until ${new Date(r.lease.expiresAt).toISOString()}`);
    });

  withClientOptions(mod.command('decide <reportId> <action>'))
    .description(`decide a case you hold: ${ACTIONS.join(', ')} (ban and escalate need a second approval)`)
    .requiredOption('--reason <text>', 'why (shown to the affected account for warn, restrict, suspend, ban)')
    .option('--kinds <list>', `escalate: comma-separated ${KINDS.join(', ')}`)
    .option('--duration <d>', 'restrict or suspend: for how long (30m, 12h, 7d; default indefinitely)', parseDuration)
    .action(
      async (
        reportId: string,
        actionText: string,
        opts: ClientFlags & { reason: string; kinds?: string; duration?: number },
      ) => {
        const out = output(opts);
        const action = oneOf(ACTIONS, 'action')(actionText);
        const kinds = opts.kinds?.split(',').map((k) => oneOf(KINDS, 'kind')(k.trim()));
        const d = await staffCall(opts, (c) =>
          c.callApi('modDecide', {
            params: { reportId },
            body: {
              action,
              reason: opts.reason,
              ...(kinds === undefined ? {} : { kinds }),
              ...(opts.duration === undefined ? {} : { durationMs: opts.duration }),
            },
          }),
        );
        out.emit(
          d,
          d.status === 'awaiting_approval'
            ? `decision ${d.decisionId}: ${d.action}, awaiting a second staff member's approval`
            : `decision ${d.decisionId}: ${d.action}, in effect`,
        );
      },
    );

  withClientOptions(mod.command('approve <decisionId>'))
    .description("approve (or with --reject, reject) another staff member's ban or escalation")
    .requiredOption('--reason <text>', 'why')
    .option('--reject', 'reject it instead: it never takes effect and the case goes back to the queue')
    .action(async (decisionId: string, opts: ClientFlags & { reason: string; reject?: boolean }) => {
      const out = output(opts);
      const d = await staffCall(opts, (c) =>
        c.callApi('modApprove', {
          params: { decisionId },
          body: { approve: opts.reject !== true, reason: opts.reason },
        }),
      );
      out.emit(d, `decision ${d.decisionId}: ${d.action}, ${d.status}`);
    });

  withClientOptions(mod.command('appeals'))
    .description('open appeals you may decide')
    .action(async (opts: ClientFlags) => {
      const out = output(opts);
      const { appeals } = await staffCall(opts, (c) => c.callApi('modAppeals'));
      if (appeals.length === 0 && !out.json) out.emit([], 'no open appeals');
      for (const a of appeals) {
        out.emit(
          a,
          `${a.appeal.appealId} on ${a.decision.decisionId} (${a.decision.action}, ${a.category}, by ${a.decision.decidedBy}): ${a.appeal.statement}`,
        );
      }
    });

  withClientOptions(mod.command('appeal <appealId> <outcome>'))
    .description('decide an appeal: uphold or overturn (not if you took or approved the decision)')
    .requiredOption('--reason <text>', 'why (shown to the appellant)')
    .action(async (appealId: string, outcomeText: string, opts: ClientFlags & { reason: string }) => {
      const out = output(opts);
      const outcome = oneOf(['uphold', 'overturn'] as const, 'outcome')(outcomeText);
      const a = await staffCall(opts, (c) =>
        c.callApi('modDecideAppeal', { params: { appealId }, body: { outcome, reason: opts.reason } }),
      );
      out.emit(a, `appeal ${a.appealId}: ${a.status}`);
    });

  for (const grant of [true, false]) {
    withClientOptions(mod.command(`${grant ? 'grant' : 'revoke'} <account> <role>`))
      .description(`admin: ${grant ? 'grant' : 'revoke'} a staff role (${ROLES.join(', ')})`)
      .action(async (account: string, roleText: string, opts: ClientFlags) => {
        const out = output(opts);
        const role = oneOf(ROLES, 'role')(roleText);
        const r = await staffCall(opts, async (c) =>
          c.callApi(grant ? 'grantStaffRole' : 'revokeStaffRole', {
            body: { accountId: await accountIdOf(c, account), role },
          }),
        );
        out.emit(r, `${account}: ${r.roles.join(', ') || '(no roles)'}`);
      });
  }

  withClientOptions(program.command('appeal <decisionId>'))
    .description('appeal a moderation decision about your account (see `fulcrum notices`)')
    .requiredOption('--statement <text>', 'why the decision is wrong')
    .action(async (decisionId: string, opts: ClientFlags & { statement: string }) => {
      const out = output(opts);
      const a = await staffCall(opts, (c) =>
        c.callApi('fileAppeal', { body: { decisionId, statement: opts.statement } }),
      );
      out.emit(a, `appeal ${a.appealId} filed; you will be told the outcome`);
    });

  withClientOptions(program.command('notices'))
    .description('moderation decisions about your account and their reasons, newest first')
    .action(async (opts: ClientFlags) => {
      const out = output(opts);
      const { notices } = await staffCall(opts, (c) => c.callApi('listNotices'));
      if (notices.length === 0 && !out.json) out.emit([], 'no notices');
      for (const n of notices) {
        const until = n.durationMs === undefined ? '' : ` for ${Math.round(n.durationMs / 60_000)} min`;
        out.emit(n, `${new Date(n.at).toISOString()} ${n.action}${until}: ${n.reason} (decision ${n.decisionId})`);
      }
    });
}
