/**
 * The moderation console (route `/moderation`). Staff sign in with their own account: the device
 * this browser holds (the messenger's IndexedDB store), so every call is a signed device request
 * and the server checks the account's roles on each one (docs/protocol.md §Moderation). The
 * console only renders what the API lets the caller see: a moderator without the child-safety
 * role never receives child-safety cases, and a refusal reads as a sentence.
 *
 * Safeguards for the people doing the work: the case view shows the verified metadata first and
 * no content; content is fetched only by an explicit, audited reveal (`POST …/reveal`), and
 * revealed images stay blurred and greyscaled until clicked (a per-moderator setting); reveals
 * are counted (this session, today) and break prompts appear after N reveals or M minutes.
 */
import type { SelfInfo } from '@fulcrum/client';
import { decodeBase64Url, utf8Decode } from '@fulcrum/common';
import type {
  AuthorityKind,
  CaseAuthorityResponse,
  CaseView,
  DecisionAction,
  DecisionRecord,
  ModAppealsResponse,
  QueueCase,
  RevealResponse,
} from '@fulcrum/wire';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { errorSentence } from '../error-text.js';
import { deviceDbName, getSession } from '../messenger/session.js';
import { api } from './api.js';
import { ACTION_LABELS, CATEGORY_LABELS, formatDuration } from './labels.js';
import { errorCode, modErrorSentence } from './mod-errors.js';
import {
  breakDue,
  clampInt,
  countRevealToday,
  loadSettings,
  type ModeratorSettings,
  revealsToday,
  saveSettings,
} from './wellbeing.js';
import './moderation.css';

type Phase =
  | { kind: 'loading' }
  | { kind: 'no-account' }
  | { kind: 'fatal'; message: string }
  | { kind: 'ready'; self: SelfInfo };

/** The session of this page (the messenger may already have opened it in this tab). */
async function openSession(): Promise<SelfInfo | undefined> {
  const session = getSession();
  try {
    return await session.call('self');
  } catch {
    const r = await session.call('init', { server: location.origin, dbName: deviceDbName() });
    return r.self;
  }
}

export const SHORTCUTS: readonly (readonly [string, string])[] = [
  ['j / k', 'Next / previous case in the queue'],
  ['c', 'Claim the open case (or renew your claim)'],
  ['v', 'Reveal the case’s content (recorded in the audit log)'],
  ['d', 'Decide: dismiss'],
  ['w', 'Decide: warn'],
  ['r', 'Decide: restrict'],
  ['s', 'Decide: suspend'],
  ['b', 'Decide: ban (needs a second moderator)'],
  ['e', 'Decide: escalate to the authorities (needs a second moderator)'],
  ['a', 'Review the decision waiting for your approval'],
  ['Ctrl+Enter', 'Submit the form you are typing in'],
  ['?', 'Show or hide this list'],
];

const ACTION_KEYS: Readonly<Record<string, DecisionAction>> = {
  d: 'dismiss',
  w: 'warn',
  r: 'restrict',
  s: 'suspend',
  b: 'ban',
  e: 'escalate',
};

const CHILD_SAFETY = new Set(['child_sexual_exploitation', 'grooming']);

const ROLE_LABELS: Readonly<Record<string, string>> = {
  moderator: 'moderator',
  child_safety: 'child-safety specialist',
  admin: 'administrator',
};

export default function ModerationConsole() {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  useEffect(() => {
    document.title = 'Moderation · Fulcrum';
    openSession().then(
      (self) => setPhase(self === undefined ? { kind: 'no-account' } : { kind: 'ready', self }),
      (err) => setPhase({ kind: 'fatal', message: errorSentence(err) }),
    );
  }, []);
  if (phase.kind === 'loading') return <p class="loading">Opening your staff account…</p>;
  if (phase.kind === 'fatal') {
    return (
      <main class="mod-signin">
        <h1>Moderation console</h1>
        <p role="alert">{phase.message}</p>
      </main>
    );
  }
  if (phase.kind === 'no-account') {
    return (
      <main class="mod-signin">
        <h1>Moderation console</h1>
        <p>
          Staff sign in with their own Fulcrum account. This browser holds no account yet:{' '}
          <a href="/">create or restore your account in the messenger</a>, then ask an administrator to grant it a staff
          role, and come back to this page.
        </p>
      </main>
    );
  }
  return <Console self={phase.self} />;
}

type Tab = 'queue' | 'appeals' | 'settings';

function Console(props: { self: SelfInfo }) {
  const { self } = props;
  const [tab, setTab] = useState<Tab>('queue');
  const [settings, setSettingsState] = useState(() => loadSettings(self.accountId));
  const setSettings = (s: ModeratorSettings) => {
    saveSettings(self.accountId, s);
    setSettingsState(s);
  };
  const [queue, setQueue] = useState<QueueCase[] | undefined>();
  const [queueError, setQueueError] = useState<string | undefined>();
  const [selected, setSelected] = useState<string | undefined>();
  const [queueTick, setQueueTick] = useState(0);
  const [showHelp, setShowHelp] = useState(false);
  // Exposure: reveals this session, today (this browser), and since the last break.
  const [sessionReveals, setSessionReveals] = useState(0);
  const [dayReveals, setDayReveals] = useState(() => revealsToday(self.accountId));
  const [sinceBreak, setSinceBreak] = useState({ reveals: 0, startedAt: Date.now() });
  const [now, setNow] = useState(Date.now());
  const [snoozeUntil, setSnoozeUntil] = useState(0);
  const sessionStart = useRef(Date.now());
  const [actionKey, setActionKey] = useState<{ key: string; n: number } | undefined>();

  const reloadQueue = useCallback(() => setQueueTick((t) => t + 1), []);
  const [roles, setRoles] = useState<readonly string[] | undefined>();
  useEffect(() => {
    api('modMe').then(
      (r) => setRoles(r.roles),
      () => {},
    );
  }, []);

  useEffect(() => {
    let live = true;
    api('modQueue', { query: { limit: 200 } }).then(
      (r) => {
        if (!live) return;
        // Severity first (0 = child safety), then oldest: the server's order, kept stable here.
        setQueue([...r.cases].sort((a, b) => a.priority - b.priority || a.createdAt - b.createdAt));
        setQueueError(undefined);
      },
      (err) => live && setQueueError(modErrorSentence(err)),
    );
    return () => {
      live = false;
    };
  }, [queueTick]);

  useEffect(() => {
    const t = setInterval(() => {
      setNow(Date.now());
      reloadQueue();
    }, 15_000);
    return () => clearInterval(t);
  }, [reloadQueue]);

  const onRevealed = useCallback(() => {
    setSessionReveals((n) => n + 1);
    setDayReveals(countRevealToday(self.accountId));
    setSinceBreak((s) => ({ ...s, reveals: s.reveals + 1 }));
    setNow(Date.now());
  }, [self.accountId]);

  const due = now >= snoozeUntil ? breakDue(settings, sinceBreak, now) : undefined;

  // Keyboard shortcuts (not while typing, and not while a dialog is open).
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (t !== null && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
      if (document.querySelector('dialog[open]') !== null && e.key !== '?') return;
      if (e.key === '?') {
        setShowHelp((v) => !v);
        e.preventDefault();
        return;
      }
      if (tab !== 'queue') return;
      if ((e.key === 'j' || e.key === 'k') && queue !== undefined && queue.length > 0) {
        const i = queue.findIndex((c) => c.reportId === selected);
        const next = e.key === 'j' ? Math.min(queue.length - 1, i + 1) : Math.max(0, i - 1);
        setSelected(queue[next]?.reportId);
        e.preventDefault();
        return;
      }
      if (selected !== undefined && ['c', 'v', 'a', ...Object.keys(ACTION_KEYS)].includes(e.key)) {
        setActionKey((k) => ({ key: e.key, n: (k?.n ?? 0) + 1 }));
        e.preventDefault();
      }
    };
    addEventListener('keydown', on);
    return () => removeEventListener('keydown', on);
  }, [tab, queue, selected]);

  const minutes = Math.floor((now - sessionStart.current) / 60_000);
  return (
    <div class="mod-layout" data-case={selected !== undefined ? 'open' : 'none'}>
      <a class="skip" href="#mod-main">
        Skip to content
      </a>
      <header class="mod-header">
        <h1>Moderation console</h1>
        <span class="hint">
          Signed in as <strong>{self.name}</strong>
          {roles !== undefined && (
            <>
              {' · '}
              {roles.length === 0 ? 'no staff role' : roles.map((r) => ROLE_LABELS[r] ?? r).join(', ')}
            </>
          )}
        </span>
        <output class="exposure" aria-live="polite" data-testid="exposure">
          Viewed: {sessionReveals} this session · {dayReveals} today · {minutes} min on shift
        </output>
        <nav class="mod-tabs" aria-label="Console sections">
          {(['queue', 'appeals', 'settings'] as const).map((t) => (
            <button
              key={t}
              type="button"
              class={tab === t ? '' : 'secondary'}
              aria-current={tab === t ? 'page' : undefined}
              onClick={() => setTab(t)}
            >
              {t === 'queue' ? 'Queue' : t === 'appeals' ? 'Appeals' : 'Settings'}
            </button>
          ))}
          <button type="button" class="secondary" aria-expanded={showHelp} onClick={() => setShowHelp(!showHelp)}>
            Shortcuts (?)
          </button>
        </nav>
      </header>
      {showHelp && <ShortcutHelp />}
      {due !== undefined && (
        <BreakPrompt
          reason={due}
          settings={settings}
          reveals={sinceBreak.reveals}
          onTookBreak={() => {
            setSinceBreak({ reveals: 0, startedAt: Date.now() });
            setNow(Date.now());
          }}
          onSnooze={() => setSnoozeUntil(Date.now() + 5 * 60_000)}
        />
      )}
      {tab === 'queue' && (
        <div class="mod-panes">
          <section class="mod-queue" aria-labelledby="queue-title">
            <h2 id="queue-title">Queue {queue !== undefined ? `(${queue.length})` : ''}</h2>
            <p class="hint">Most severe first, then oldest.</p>
            {queueError !== undefined && (
              <p class="error" role="alert">
                {queueError}
              </p>
            )}
            {queue === undefined && queueError === undefined && <p class="loading">Loading the queue…</p>}
            {queue !== undefined && queue.length === 0 && <p class="empty">No open cases. Well done.</p>}
            <ul class="case-list" aria-label="Cases">
              {queue?.map((c) => (
                <li key={c.reportId}>
                  <button
                    type="button"
                    class={c.reportId === selected ? 'case-item active' : 'case-item'}
                    aria-current={c.reportId === selected ? 'true' : undefined}
                    onClick={() => setSelected(c.reportId)}
                  >
                    <span class={`sev sev-${Math.min(c.priority, 3)}`}>{severityLabel(c.priority)}</span>
                    <span class="case-cat">{CATEGORY_LABELS[c.category]}</span>
                    <span class="case-meta">
                      {statusLabel(c.status)} · {ago(c.createdAt, now)}
                      {c.lease !== undefined && c.lease.expiresAt > now
                        ? c.lease.holder === self.accountId
                          ? ' · claimed by you'
                          : ' · claimed by another moderator'
                        : ''}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
          <main id="mod-main" class="mod-case">
            {selected === undefined ? (
              <p class="hint">Choose a case from the queue (or press j).</p>
            ) : (
              <CasePanel
                key={selected}
                reportId={selected}
                self={self}
                settings={settings}
                actionKey={actionKey}
                onRevealed={onRevealed}
                onChanged={reloadQueue}
                onClose={() => setSelected(undefined)}
              />
            )}
          </main>
        </div>
      )}
      {tab === 'appeals' && <Appeals self={self} />}
      {tab === 'settings' && <SettingsPanel settings={settings} onChange={setSettings} />}
    </div>
  );
}

function severityLabel(priority: number): string {
  if (priority === 0) return 'Child safety';
  if (priority === 1) return 'Urgent';
  if (priority <= 3) return 'High';
  return 'Normal';
}

function statusLabel(status: string): string {
  switch (status) {
    case 'open':
      return 'Open';
    case 'claimed':
      return 'Claimed';
    case 'awaiting_approval':
      return 'Waiting for a second approval';
    case 'closed':
      return 'Closed';
    case 'decided':
      return 'Decided';
    case 'appealed':
      return 'Appealed';
    default:
      return status.replace(/_/g, ' ');
  }
}

function ago(t: number, now: number): string {
  const m = Math.max(0, Math.round((now - t) / 60_000));
  if (m < 1) return 'just now';
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

function ShortcutHelp() {
  return (
    <section class="card shortcuts" aria-labelledby="shortcuts-title">
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <p class="hint">
        They work when you are not typing in a field. Decisions still need a reason and a click or Ctrl+Enter.
      </p>
      <dl>
        {SHORTCUTS.map(([k, what]) => (
          <div key={k} class="shortcut">
            <dt>
              <kbd>{k}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function BreakPrompt(props: {
  reason: 'reveals' | 'time';
  settings: ModeratorSettings;
  reveals: number;
  onTookBreak: () => void;
  onSnooze: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d !== null && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} class="break-prompt" aria-labelledby="break-title" onCancel={(e) => e.preventDefault()}>
      <h2 id="break-title">Time for a short break</h2>
      <p>
        {props.reason === 'reveals'
          ? `You have viewed reported content ${props.reveals} times since your last break.`
          : `You have been working for ${props.settings.breakAfterMinutes} minutes without a break.`}{' '}
        Step away from the screen for a few minutes: look at something far away, stretch, get a drink. Talk to your team
        lead or the support service if something you saw stays with you.
      </p>
      <div class="actions">
        <button type="button" onClick={props.onTookBreak}>
          I took a break
        </button>
        <button type="button" class="secondary" onClick={props.onSnooze}>
          Remind me in 5 minutes
        </button>
      </div>
    </dialog>
  );
}

function SettingsPanel(props: { settings: ModeratorSettings; onChange: (s: ModeratorSettings) => void }) {
  const s = props.settings;
  return (
    <main id="mod-main" class="mod-settings card">
      <h2>Your console settings</h2>
      <p class="hint">Kept in this browser for your account only.</p>
      <label class="checkbox">
        <input
          type="checkbox"
          checked={s.blur}
          onChange={(e) => props.onChange({ ...s, blur: e.currentTarget.checked })}
        />{' '}
        Blur revealed images until I click them
      </label>
      <label class="checkbox">
        <input
          type="checkbox"
          checked={s.greyscale}
          onChange={(e) => props.onChange({ ...s, greyscale: e.currentTarget.checked })}
        />{' '}
        Show revealed images in greyscale until I click them
      </label>
      <label class="checkbox">
        <input
          type="checkbox"
          checked={s.autoReveal}
          onChange={(e) => props.onChange({ ...s, autoReveal: e.currentTarget.checked })}
        />{' '}
        Reveal content as soon as I open a case (each reveal is still recorded)
      </label>
      <label for="break-reveals">Suggest a break after this many reveals</label>
      <input
        id="break-reveals"
        type="number"
        min={1}
        max={500}
        value={s.breakAfterReveals}
        onChange={(e) =>
          props.onChange({
            ...s,
            breakAfterReveals: clampInt(Number(e.currentTarget.value), 1, 500, s.breakAfterReveals),
          })
        }
      />
      <label for="break-minutes">Suggest a break after this many minutes</label>
      <input
        id="break-minutes"
        type="number"
        min={5}
        max={480}
        value={s.breakAfterMinutes}
        onChange={(e) =>
          props.onChange({
            ...s,
            breakAfterMinutes: clampInt(Number(e.currentTarget.value), 5, 480, s.breakAfterMinutes),
          })
        }
      />
    </main>
  );
}

// ───────────────────────────── one case ─────────────────────────────

interface Revealed {
  readonly note?: string;
  readonly contentDeleted: boolean;
  readonly messages: readonly { position: number; text: string }[];
  readonly files: readonly { position: number; mediaType: string; name: string; size: number; url?: string }[];
}

function describeBody(bytes: Uint8Array): string {
  const raw = utf8Decode(bytes);
  try {
    const c = JSON.parse(raw) as { type?: string; text?: string; name?: string; mediaType?: string };
    if (c.type === 'text' && typeof c.text === 'string') return c.text;
    if (c.type === 'attachment') return `[file “${c.name ?? ''}”, ${c.mediaType ?? 'unknown type'}]`;
    if (c.type === 'rename') return `[renamed the conversation to “${c.name ?? ''}”]`;
    if (c.type === 'leave') return '[left the conversation]';
  } catch {
    // not JSON: show the bytes as text
  }
  return raw;
}

function toRevealed(r: RevealResponse): Revealed {
  return {
    ...(r.note !== undefined ? { note: r.note } : {}),
    contentDeleted: r.contentDeleted,
    messages: r.messages.map((m) => ({
      position: m.position,
      text: m.body === undefined ? '(deleted under the retention policy)' : describeBody(decodeBase64Url(m.body)),
    })),
    files: r.files.map((f) => ({
      position: f.position,
      mediaType: f.mediaType,
      name: f.name,
      size: f.size,
      ...(f.content !== undefined && f.mediaType.startsWith('image/')
        ? {
            url: URL.createObjectURL(
              new Blob([decodeBase64Url(f.content) as Uint8Array<ArrayBuffer>], { type: f.mediaType }),
            ),
          }
        : {}),
    })),
  };
}

function CasePanel(props: {
  reportId: string;
  self: SelfInfo;
  settings: ModeratorSettings;
  actionKey: { key: string; n: number } | undefined;
  onRevealed: () => void;
  onChanged: () => void;
  onClose: () => void;
}) {
  const { reportId, self, settings } = props;
  const [view, setView] = useState<CaseView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [tick, setTick] = useState(0);
  const [revealed, setRevealed] = useState<Revealed | undefined>();
  const [action, setAction] = useState<DecisionAction | undefined>();
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const approveRef = useRef<HTMLTextAreaElement>(null);
  const startKey = useRef(props.actionKey?.n ?? 0);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    api('modCase', { params: { reportId } }).then(
      (v) => {
        if (!live) return;
        setView(v);
        setError(undefined);
      },
      (err) => live && setError(modErrorSentence(err)),
    );
    return () => {
      live = false;
    };
  }, [reportId, tick]);

  useEffect(
    () => () => {
      for (const f of revealed?.files ?? []) if (f.url !== undefined) URL.revokeObjectURL(f.url);
    },
    [revealed],
  );

  const run = useCallback(
    async (what: () => Promise<unknown>) => {
      setBusy(true);
      try {
        await what();
        setError(undefined);
      } catch (err) {
        setError(modErrorSentence(err));
        if (errorCode(err) === 'moderation.invalid_state') reload();
      } finally {
        setBusy(false);
        reload();
        props.onChanged();
      }
    },
    [reload, props.onChanged],
  );

  const reveal = useCallback(async () => {
    setBusy(true);
    try {
      const r = await api('modReveal', { params: { reportId }, body: {} });
      setRevealed(toRevealed(r));
      props.onRevealed();
      setError(undefined);
    } catch (err) {
      setError(modErrorSentence(err));
    } finally {
      setBusy(false);
    }
  }, [reportId, props.onRevealed]);

  const claim = () => run(() => api('modClaim', { params: { reportId }, body: {} }));
  const release = () => run(() => api('modRelease', { params: { reportId }, body: {} }));

  // Auto-reveal (a per-moderator setting; off by default): still one audited reveal call.
  const autoDone = useRef(false);
  useEffect(() => {
    if (settings.autoReveal && view !== undefined && !autoDone.current && !view.contentDeleted) {
      autoDone.current = true;
      void reveal();
    }
  }, [settings.autoReveal, view, reveal]);

  const now = Date.now();
  const mine = view?.lease !== undefined && view.lease.holder === self.accountId && view.lease.expiresAt > now;
  const heldByOther = view?.lease !== undefined && view.lease.holder !== self.accountId && view.lease.expiresAt > now;
  const pending = view?.decisions.find((d) => d.status === 'awaiting_approval');
  // A case decided only by approved escalations may get one sanction (docs/protocol.md §Moderation).
  const liveDecisions =
    view?.decisions.filter((d) => d.status === 'effective' || d.status === 'awaiting_approval') ?? [];
  const followUp =
    view?.status === 'decided' && liveDecisions.length > 0 && liveDecisions.every((d) => d.action === 'escalate');
  const decidable = view?.status === 'open' || view?.status === 'claimed' || followUp;

  // Shortcuts from the console (only keys pressed after this case opened).
  useEffect(() => {
    const k = props.actionKey;
    if (k === undefined || k.n <= startKey.current || view === undefined) return;
    startKey.current = k.n;
    if (k.key === 'c') void claim();
    else if (k.key === 'v') void reveal();
    else if (k.key === 'a') approveRef.current?.focus();
    else {
      const a = ACTION_KEYS[k.key];
      if (a !== undefined) {
        setAction(a);
        setTimeout(() => reasonRef.current?.focus(), 0);
      }
    }
  }, [props.actionKey, view]);

  if (view === undefined) {
    return error !== undefined ? (
      <p class="error" role="alert">
        {error}
      </p>
    ) : (
      <p class="loading">Loading the case…</p>
    );
  }
  const images = view.files.filter((f) => f.mediaType.startsWith('image/'));
  return (
    <article class="case" aria-labelledby="case-title">
      <header class="case-head">
        <button type="button" class="secondary back" onClick={props.onClose}>
          Back to the queue
        </button>
        <h2 id="case-title">
          {CATEGORY_LABELS[view.category]} <span class="hint">· {statusLabel(view.status)}</span>
        </h2>
      </header>
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <section aria-labelledby="meta-title" class="card">
        <h3 id="meta-title">Verified metadata</h3>
        <p class="hint">
          Every message below passed franking verification when it was reported: the server checked it is exactly what
          the sender sent in this conversation.
        </p>
        <dl class="meta-grid">
          <dt>Case</dt>
          <dd>
            <code>{view.reportId}</code>
          </dd>
          <dt>Severity</dt>
          <dd>
            {severityLabel(view.priority)} (priority {view.priority})
          </dd>
          <dt>Reported</dt>
          <dd>{new Date(view.createdAt).toLocaleString()}</dd>
          <dt>Reported account</dt>
          <dd>
            <code>{view.reportedAccountId}</code>
          </dd>
          <dt>Reporter</dt>
          <dd>
            <code>{view.reporterAccountId}</code>
          </dd>
          <dt>Conversation</dt>
          <dd>
            <code class="wrap">{view.conversationId}</code>
          </dd>
          <dt>Claim</dt>
          <dd data-testid="lease">
            {mine
              ? `Claimed by you until ${new Date(view.lease?.expiresAt ?? 0).toLocaleTimeString()}`
              : heldByOther
                ? 'Claimed by another moderator'
                : 'Not claimed'}
          </dd>
        </dl>
        <table class="meta-table">
          <caption>Messages ({view.messages.length})</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Role</th>
              <th scope="col">Sender</th>
              <th scope="col">Sent</th>
              <th scope="col">Seq / epoch</th>
              <th scope="col">Verified</th>
              <th scope="col">Size</th>
            </tr>
          </thead>
          <tbody>
            {view.messages.map((m) => (
              <tr key={m.position}>
                <td>{m.position}</td>
                <td>{m.role === 'reported' ? 'Reported' : 'Context'}</td>
                <td>
                  <code>{m.senderAccountId === view.reportedAccountId ? 'reported account' : m.senderAccountId}</code>
                </td>
                <td>{new Date(m.serverTime).toLocaleString()}</td>
                <td>
                  {m.serverSeq} / {m.epoch}
                </td>
                <td>franking ({m.keyId})</td>
                <td>{m.bodyBytes !== undefined ? `${m.bodyBytes} B` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {view.files.length > 0 && (
          <p>
            Files: {view.files.map((f) => `${f.mediaType}, ${Math.max(1, Math.round(f.size / 1024))} KB`).join('; ')}
          </p>
        )}
        <div class="actions">
          {!heldByOther && decidable && (
            <button type="button" disabled={busy} onClick={() => void claim()}>
              {mine ? 'Renew claim' : 'Claim case'}
            </button>
          )}
          {mine && (
            <button type="button" class="secondary" disabled={busy} onClick={() => void release()}>
              Release
            </button>
          )}
        </div>
      </section>

      <section aria-labelledby="content-title" class="card">
        <h3 id="content-title">Reported content</h3>
        {view.contentDeleted ? (
          <p>The content was deleted under the retention policy; only the metadata remains.</p>
        ) : revealed === undefined ? (
          <>
            <p>
              Hidden. Revealing shows the {view.messages.length} message{view.messages.length === 1 ? '' : 's'}
              {images.length > 0 ? ` and ${images.length} image${images.length === 1 ? '' : 's'}` : ''}, and is recorded
              in the audit log and the public transparency log (action and role only).
            </p>
            <div class="veil" aria-hidden="true">
              {view.messages.map((m) => (
                <span key={m.position} class="veil-line" />
              ))}
              {images.map((f) => (
                <span key={f.position} class="veil-image" />
              ))}
            </div>
            <button type="button" disabled={busy} onClick={() => void reveal()}>
              Reveal content (recorded)
            </button>
          </>
        ) : (
          <RevealedContent r={revealed} view={view} settings={settings} />
        )}
      </section>

      <section aria-labelledby="decisions-title" class="card">
        <h3 id="decisions-title">Decisions</h3>
        {view.decisions.length === 0 && <p class="hint">No decision yet.</p>}
        <ul class="decisions">
          {view.decisions.map((d) => (
            <DecisionItem key={d.decisionId} d={d} self={self} />
          ))}
        </ul>
        {pending !== undefined && (
          <ApproveForm
            d={pending}
            self={self}
            busy={busy}
            inputRef={approveRef}
            onSubmit={(approve, reason) =>
              run(() => api('modApprove', { params: { decisionId: pending.decisionId }, body: { approve, reason } }))
            }
          />
        )}
        <AuthorityReports reportId={reportId} decisions={view.decisions} />
      </section>

      {decidable && (
        <DecideForm
          category={view.category}
          followUp={followUp}
          mine={mine}
          busy={busy}
          action={action}
          setAction={setAction}
          reasonRef={reasonRef}
          onSubmit={(body) => run(() => api('modDecide', { params: { reportId }, body }))}
        />
      )}
    </article>
  );
}

function RevealedContent(props: { r: Revealed; view: CaseView; settings: ModeratorSettings }) {
  const { r, view, settings } = props;
  const role = new Map(view.messages.map((m) => [m.position, m.role]));
  return (
    <div class="revealed" data-testid="revealed">
      {r.note !== undefined && (
        <p>
          <strong>Reporter’s note:</strong> {r.note}
        </p>
      )}
      <ol class="revealed-messages" aria-label="Revealed messages">
        {r.messages.map((m) => (
          <li key={m.position} class={role.get(m.position) === 'reported' ? 'reported' : 'context'}>
            <span class="hint">{role.get(m.position) === 'reported' ? 'Reported' : 'Context'} · </span>
            {m.text}
          </li>
        ))}
      </ol>
      {r.files.map((f) =>
        f.url !== undefined ? (
          <ShieldedImage key={f.position} url={f.url} name={f.name} settings={settings} />
        ) : (
          <p key={f.position}>
            File “{f.name}” ({f.mediaType}, {f.size} bytes){f.mediaType.startsWith('image/') ? ' — deleted' : ''}
          </p>
        ),
      )}
    </div>
  );
}

function ShieldedImage(props: { url: string; name: string; settings: ModeratorSettings }) {
  const shielded = props.settings.blur || props.settings.greyscale;
  const [shown, setShown] = useState(!shielded);
  const cls = shown
    ? 'shield'
    : `shield${props.settings.blur ? ' blurred' : ''}${props.settings.greyscale ? ' grey' : ''}`;
  return (
    <figure class="shield-figure">
      <button
        type="button"
        class={cls}
        aria-pressed={shown}
        aria-label={shown ? `Hide image “${props.name}” again` : `Show image “${props.name}” unblurred`}
        onClick={() => setShown(!shown)}
        data-testid="shielded-image"
      >
        <img src={props.url} alt={`Reported file “${props.name}”`} />
      </button>
      <figcaption class="hint">{shown ? 'Click to blur again.' : 'Blurred: click to see it clearly.'}</figcaption>
    </figure>
  );
}

function DecisionItem(props: { d: DecisionRecord; self: SelfInfo }) {
  const { d, self } = props;
  const who = (id: string) => (id === self.accountId ? 'you' : 'another moderator');
  return (
    <li class="decision" data-status={d.status}>
      <strong>{ACTION_LABELS[d.action] ?? d.action}</strong>
      {d.durationMs !== undefined ? ` for ${formatDuration(d.durationMs)}` : ''}
      {d.authorityKinds !== undefined ? ` (${d.authorityKinds.map(kindLabel).join(', ')})` : ''} — {d.reason}
      <span class="hint">
        {' '}
        · by {who(d.decidedBy)}, {new Date(d.decidedAt).toLocaleString()} ·{' '}
        {d.status === 'awaiting_approval'
          ? 'waiting for a second moderator'
          : d.status === 'effective'
            ? d.approvedBy !== undefined
              ? `in effect, approved by ${who(d.approvedBy)}`
              : 'in effect'
            : d.status === 'rejected'
              ? 'rejected by the second moderator'
              : 'overturned on appeal'}
      </span>
    </li>
  );
}

function kindLabel(k: AuthorityKind): string {
  return k === 'cybertipline'
    ? 'NCMEC CyberTipline report'
    : k === 'dsa_sor'
      ? 'DSA statement of reasons'
      : 'DSA Article 18 notification';
}

/**
 * The reports to authorities this case produced (`GET /v1/mod/cases/:reportId/authority`: built
 * payloads and where each delivery stands; never the payload itself), next to the ones its
 * decisions requested that are still held (a four-eyes decision not yet approved).
 */
function AuthorityReports(props: { reportId: string; decisions: readonly DecisionRecord[] }) {
  const [built, setBuilt] = useState<CaseAuthorityResponse['reports'] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const key = props.decisions.map((d) => `${d.decisionId}:${d.status}`).join(',');
  useEffect(() => {
    let live = true;
    api('modCaseAuthority', { params: { reportId: props.reportId } }).then(
      (r) => live && setBuilt(r.reports),
      (err) => live && setError(modErrorSentence(err)),
    );
    return () => {
      live = false;
    };
  }, [props.reportId, key]);
  const held = props.decisions.filter((d) => d.status === 'awaiting_approval' && d.action === 'escalate');
  if ((built === undefined || built.length === 0) && held.length === 0 && error === undefined) return null;
  return (
    <div class="authority" data-testid="authority-reports">
      <h4>Reports to authorities</h4>
      {error !== undefined && <p class="error">{error}</p>}
      <ul>
        {held.flatMap((d) =>
          (d.authorityKinds ?? []).map((k) => (
            <li key={`${d.decisionId}-${k}`}>{kindLabel(k)}: held until a second moderator approves</li>
          )),
        )}
        {built?.map((r) => (
          <li key={`${r.decisionId}-${r.kind}`}>
            {kindLabel(r.kind)}:{' '}
            {r.buildError !== undefined
              ? `could not be built (${r.buildError}); the operator must complete the platform's details`
              : r.payloadDeleted
                ? 'built and sent; the payload was deleted under the retention policy'
                : 'built'}
            {r.deliveries.length === 0 && r.buildError === undefined
              ? ' · no destination is configured for it yet'
              : r.deliveries.map((d, i) => (
                  <span key={i}>
                    {' · '}
                    {d.transport}: {deliveryLabel(d.state)}
                    {d.attempts > 0 ? ` after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}` : ''}
                    {d.lastError !== undefined ? ` (last error ${d.lastError})` : ''}
                  </span>
                ))}
          </li>
        ))}
      </ul>
    </div>
  );
}

function deliveryLabel(state: string): string {
  switch (state) {
    case 'delivered':
      return 'delivered';
    case 'pending':
      return 'waiting to be sent';
    case 'sending':
      return 'being sent';
    case 'failed':
      return 'failed';
    case 'cancelled':
      return 'cancelled';
    case 'retracted':
      return 'retracted';
    default:
      return state;
  }
}

function ApproveForm(props: {
  d: DecisionRecord;
  self: SelfInfo;
  busy: boolean;
  inputRef: { current: HTMLTextAreaElement | null };
  onSubmit: (approve: boolean, reason: string) => Promise<void>;
}) {
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  if (props.d.decidedBy === props.self.accountId) {
    return <p class="banner">Your decision is waiting for a second moderator’s approval.</p>;
  }
  const submit = (approve: boolean) => {
    if (reason.trim() === '') {
      setProblem('Give a reason for your approval or rejection.');
      return;
    }
    setProblem(undefined);
    void props.onSubmit(approve, reason.trim());
  };
  return (
    <form
      class="approve-form"
      aria-labelledby="approve-title"
      onSubmit={(e) => {
        e.preventDefault();
        submit(true);
      }}
    >
      <h4 id="approve-title">Second approval: {ACTION_LABELS[props.d.action] ?? props.d.action}</h4>
      <p class="hint">Four-eyes rule: this decision takes effect only when a second moderator approves it.</p>
      <label for="approve-reason">Reason for your approval or rejection</label>
      <textarea
        id="approve-reason"
        ref={props.inputRef}
        rows={2}
        maxLength={2000}
        value={reason}
        onInput={(e) => setReason(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && e.ctrlKey) {
            e.preventDefault();
            submit(true);
          }
        }}
      />
      {problem !== undefined && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <div class="actions">
        <button type="submit" disabled={props.busy}>
          Approve
        </button>
        <button type="button" class="danger" disabled={props.busy} onClick={() => submit(false)}>
          Reject
        </button>
      </div>
    </form>
  );
}

const ACTIONS: readonly DecisionAction[] = ['dismiss', 'warn', 'restrict', 'suspend', 'ban', 'escalate'];
const SANCTIONS: readonly DecisionAction[] = ['warn', 'restrict', 'suspend', 'ban'];
const ACTION_SHORT: Readonly<Record<DecisionAction, string>> = {
  dismiss: 'Dismiss (d)',
  warn: 'Warn (w)',
  restrict: 'Restrict (r)',
  suspend: 'Suspend (s)',
  ban: 'Ban (b) — needs approval',
  escalate: 'Escalate to authorities (e) — needs approval',
};

function DecideForm(props: {
  category: string;
  /** The case was escalated: only one sanction may follow. */
  followUp: boolean;
  mine: boolean;
  busy: boolean;
  action: DecisionAction | undefined;
  setAction: (a: DecisionAction) => void;
  reasonRef: { current: HTMLTextAreaElement | null };
  onSubmit: (body: {
    action: DecisionAction;
    reason: string;
    kinds?: AuthorityKind[];
    durationMs?: number;
  }) => Promise<void>;
}) {
  const childSafety = CHILD_SAFETY.has(props.category);
  const kindOptions: AuthorityKind[] = useMemo(
    () => (childSafety ? ['cybertipline', 'dsa_sor', 'art18'] : ['dsa_sor', 'art18']),
    [childSafety],
  );
  const [reason, setReason] = useState('');
  const [kinds, setKinds] = useState<Set<AuthorityKind>>(() => new Set(childSafety ? ['cybertipline'] : ['art18']));
  const [hours, setHours] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const action = props.action;

  const submit = () => {
    if (!props.mine) {
      setProblem('Claim the case first (c).');
      return;
    }
    if (action === undefined) {
      setProblem('Choose a decision.');
      return;
    }
    if (reason.trim() === '') {
      setProblem('Give a reason: the affected person is told it (except for escalations).');
      return;
    }
    if (action === 'escalate' && kinds.size === 0) {
      setProblem('Choose at least one report to the authorities.');
      return;
    }
    const h = Number.parseFloat(hours);
    setProblem(undefined);
    void props.onSubmit({
      action,
      reason: reason.trim(),
      ...(action === 'escalate' ? { kinds: kindOptions.filter((k) => kinds.has(k)) } : {}),
      ...((action === 'restrict' || action === 'suspend') && Number.isFinite(h) && h > 0
        ? { durationMs: Math.round(h * 3_600_000) }
        : {}),
    });
  };

  return (
    <form
      class="card decide-form"
      aria-labelledby="decide-title"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <h3 id="decide-title">{props.followUp ? 'Add a sanction' : 'Decide'}</h3>
      {props.followUp && (
        <p class="hint">
          This case was reported to the authorities. You may add one sanction: the account is told it and its reason
          (never the escalation) and may appeal.
        </p>
      )}
      {!props.mine && <p class="hint">Claim the case to decide on it.</p>}
      <fieldset>
        <legend>Decision</legend>
        <div class="action-grid">
          {(props.followUp ? SANCTIONS : ACTIONS).map((a) => (
            <label key={a} class="radio">
              <input type="radio" name="action" value={a} checked={action === a} onChange={() => props.setAction(a)} />{' '}
              {ACTION_SHORT[a]}
            </label>
          ))}
        </div>
      </fieldset>
      {action === 'escalate' && (
        <fieldset>
          <legend>Reports to send (after a second moderator approves)</legend>
          {kindOptions.map((k) => (
            <label key={k} class="checkbox">
              <input
                type="checkbox"
                checked={kinds.has(k)}
                onChange={(e) => {
                  const next = new Set(kinds);
                  if (e.currentTarget.checked) next.add(k);
                  else next.delete(k);
                  setKinds(next);
                }}
              />{' '}
              {kindLabel(k)}
            </label>
          ))}
        </fieldset>
      )}
      {(action === 'restrict' || action === 'suspend') && (
        <>
          <label for="decide-hours">Duration in hours (empty: until lifted)</label>
          <input
            id="decide-hours"
            type="number"
            min={1}
            step="any"
            value={hours}
            onInput={(e) => setHours(e.currentTarget.value)}
          />
        </>
      )}
      <label for="decide-reason">Reason (the affected person is told it)</label>
      <textarea
        id="decide-reason"
        ref={props.reasonRef}
        rows={3}
        maxLength={2000}
        value={reason}
        onInput={(e) => setReason(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && e.ctrlKey) {
            e.preventDefault();
            submit();
          }
        }}
      />
      {problem !== undefined && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <button type="submit" disabled={props.busy}>
        Record decision
      </button>
    </form>
  );
}

// ───────────────────────────── appeals ─────────────────────────────

function Appeals(props: { self: SelfInfo }) {
  const [list, setList] = useState<ModAppealsResponse['appeals'] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    api('modAppeals').then(
      (r) => {
        setList(r.appeals);
        setError(undefined);
      },
      (err) => setError(modErrorSentence(err)),
    );
  }, [tick]);
  return (
    <main id="mod-main" class="mod-appeals">
      <h2>Open appeals {list !== undefined ? `(${list.length})` : ''}</h2>
      <p class="hint">An appeal is decided by someone who neither took nor approved the decision.</p>
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {list !== undefined && list.length === 0 && <p class="empty">No open appeals.</p>}
      {list?.map((a) => (
        <AppealItem key={a.appeal.appealId} a={a} self={props.self} onDone={() => setTick((t) => t + 1)} />
      ))}
    </main>
  );
}

function AppealItem(props: { a: ModAppealsResponse['appeals'][number]; self: SelfInfo; onDone: () => void }) {
  const { appeal, decision, category } = props.a;
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const mineToJudge = decision.decidedBy !== props.self.accountId && decision.approvedBy !== props.self.accountId;
  const decide = async (outcome: 'uphold' | 'overturn') => {
    if (reason.trim() === '') {
      setError('Give a reason: the person who appealed is told it.');
      return;
    }
    setBusy(true);
    try {
      await api('modDecideAppeal', { params: { appealId: appeal.appealId }, body: { outcome, reason: reason.trim() } });
      props.onDone();
    } catch (err) {
      setError(modErrorSentence(err));
    } finally {
      setBusy(false);
    }
  };
  const id = `appeal-${appeal.appealId}`;
  return (
    <article class="card" aria-labelledby={id}>
      <h3 id={id}>
        Appeal against: {ACTION_LABELS[decision.action] ?? decision.action} ({CATEGORY_LABELS[category]})
      </h3>
      <p>
        <strong>Decision’s reason:</strong> {decision.reason}
      </p>
      <p>
        <strong>The person’s statement:</strong> {appeal.statement}
      </p>
      <p class="hint">Filed {new Date(appeal.filedAt).toLocaleString()}.</p>
      {!mineToJudge ? (
        <p class="banner">You took or approved this decision, so another moderator must decide the appeal.</p>
      ) : (
        <>
          <label for={`${id}-reason`}>Reason for the outcome</label>
          <textarea
            id={`${id}-reason`}
            rows={2}
            maxLength={2000}
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
          <div class="actions">
            <button type="button" disabled={busy} onClick={() => void decide('uphold')}>
              Uphold the decision
            </button>
            <button type="button" class="danger" disabled={busy} onClick={() => void decide('overturn')}>
              Overturn it
            </button>
          </div>
        </>
      )}
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </article>
  );
}
