/**
 * Moderation notices for the signed-in account (`GET /v1/moderation/notices`): each decision that
 * affects it (warn, restrict, suspend, ban) with its reason, and each appeal's outcome, with an
 * "Appeal" action (`POST /v1/appeals`; once per decision, decided by another moderator).
 * A dismissal or an escalation to the authorities is never announced (docs/protocol.md §Moderation).
 */
import type { ModerationNotice } from '@fulcrum/wire';
import { useEffect, useState } from 'preact/hooks';
import { errorSentence } from '../error-text.js';
import { api } from './api.js';
import { ACTION_LABELS, formatDuration } from './labels.js';

const SEEN_KEY = 'fulcrum.notices.dismissed';
const APPEALABLE = new Set(['warn', 'restrict', 'suspend', 'ban']);

const APPEAL_SENTENCES: Readonly<Record<string, string>> = {
  'moderation.not_appealable': 'This decision can no longer be appealed (it was already appealed, or has ended).',
  'moderation.decision_not_found': 'This decision cannot be found.',
};

function dismissed(): Set<string> {
  try {
    const v = JSON.parse(localStorage.getItem(SEEN_KEY) ?? '[]') as unknown;
    return new Set(Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

export function ModerationNotices(props: { tick: number }) {
  const [notices, setNotices] = useState<ModerationNotice[]>([]);
  const [hidden, setHidden] = useState(dismissed);
  const [reload, setReload] = useState(0);
  // Poll gently: a notice also arrives as a queue event, but the SDK does not surface it yet.
  useEffect(() => {
    let live = true;
    const load = () =>
      api('listNotices').then(
        (r) => live && setNotices(r.notices),
        () => {},
      );
    void load();
    const t = setInterval(load, 60_000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [reload, Math.floor(props.tick / 20)]);

  const shown = notices.filter((n) => !hidden.has(n.noticeId));
  if (shown.length === 0) return null;
  const appealed = new Set(notices.filter((n) => n.action.startsWith('appeal.')).map((n) => n.decisionId));
  return (
    <section class="notices" aria-label="Notices from the moderators">
      {shown.map((n) => (
        <Notice
          key={n.noticeId}
          n={n}
          canAppeal={APPEALABLE.has(n.action) && !appealed.has(n.decisionId)}
          onDismiss={() => {
            const next = new Set(hidden).add(n.noticeId);
            localStorage.setItem(SEEN_KEY, JSON.stringify([...next]));
            setHidden(next);
          }}
          onAppealed={() => setReload((r) => r + 1)}
        />
      ))}
    </section>
  );
}

function Notice(props: { n: ModerationNotice; canAppeal: boolean; onDismiss: () => void; onAppealed: () => void }) {
  const { n } = props;
  const [appealing, setAppealing] = useState(false);
  const [statement, setStatement] = useState('');
  const [state, setState] = useState<{ kind: 'idle' | 'sending' | 'sent' } | { kind: 'error'; message: string }>({
    kind: 'idle',
  });
  const severe = n.action === 'ban' || n.action === 'suspend';
  async function send(e: Event) {
    e.preventDefault();
    if (statement.trim() === '') {
      setState({ kind: 'error', message: 'Say why you think the decision is wrong.' });
      return;
    }
    setState({ kind: 'sending' });
    try {
      await api('fileAppeal', { body: { decisionId: n.decisionId, statement: statement.trim() } });
      setState({ kind: 'sent' });
      props.onAppealed();
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      setState({ kind: 'error', message: APPEAL_SENTENCES[code] ?? errorSentence(err) });
    }
  }
  const id = `notice-${n.noticeId}`;
  return (
    <article class={severe ? 'banner danger notice' : 'banner warn notice'} aria-labelledby={id}>
      <h2 id={id}>
        Moderation decision: {ACTION_LABELS[n.action] ?? n.action}
        {n.durationMs !== undefined ? ` for ${formatDuration(n.durationMs)}` : ''}
      </h2>
      <p>
        <strong>Reason:</strong> {n.reason}
      </p>
      <p class="hint">Decided {new Date(n.at).toLocaleString()}.</p>
      {state.kind === 'sent' ? (
        <p role="status">Your appeal was sent. A moderator who did not take this decision will review it.</p>
      ) : appealing ? (
        <form onSubmit={send}>
          <label for={`${id}-statement`}>Why is this decision wrong?</label>
          <textarea
            id={`${id}-statement`}
            rows={3}
            maxLength={2000}
            value={statement}
            onInput={(e) => setStatement(e.currentTarget.value)}
          />
          <div class="actions">
            <button type="submit" disabled={state.kind === 'sending'}>
              Send appeal
            </button>
            <button type="button" class="secondary" onClick={() => setAppealing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div class="actions">
          {props.canAppeal && (
            <button type="button" onClick={() => setAppealing(true)}>
              Appeal
            </button>
          )}
          <button type="button" class="secondary" onClick={props.onDismiss}>
            Dismiss
          </button>
        </div>
      )}
      {state.kind === 'error' && (
        <p class="error" role="alert">
          {state.message}
        </p>
      )}
    </article>
  );
}
