/**
 * "Report" on a received message (docs/protocol.md §Reports): category, note, how many earlier
 * messages to reveal as context, and the option to block the sender. The client worker reveals the
 * franking openings it kept; the server verifies them and answers with the report id. Errors read
 * as sentences (error-text.ts).
 */
import type { MessageRecord } from '@fulcrum/client';
import type { ReportCategory } from '@fulcrum/wire';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorSentence } from '../error-text.js';
import { getSession } from '../messenger/session.js';
import { CATEGORIES, CATEGORY_LABELS } from './labels.js';
import './report.css';

/** Mirrors wire's REPORT_LIMITS (a type-only import keeps the schema library out of the messenger chunk). */
const CONTEXT_MAX = 50;
const NOTE_MAX = 2000;

export function ReportButton(props: { groupId: string; message: MessageRecord; senderName: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        class="link report-link"
        aria-haspopup="dialog"
        aria-label={`Report this message from ${props.senderName}`}
        onClick={() => setOpen(true)}
      >
        Report
      </button>
      {open && <ReportDialog {...props} onClose={() => setOpen(false)} />}
    </>
  );
}

type State =
  | { kind: 'editing'; error?: string }
  | { kind: 'sending' }
  | { kind: 'done'; blocked: boolean; messages: number; files: number };

function ReportDialog(props: { groupId: string; message: MessageRecord; senderName: string; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [category, setCategory] = useState<ReportCategory | ''>('');
  const [note, setNote] = useState('');
  const [context, setContext] = useState(0);
  const [block, setBlock] = useState(false);
  const [state, setState] = useState<State>({ kind: 'editing' });

  useEffect(() => {
    const d = ref.current;
    if (d !== null && !d.open) d.showModal();
  }, []);

  async function submit(e: Event) {
    e.preventDefault();
    if (category === '') {
      setState({ kind: 'editing', error: 'Choose what is wrong with this message.' });
      return;
    }
    setState({ kind: 'sending' });
    try {
      const trimmed = note.trim();
      const r = await getSession().call('report', {
        groupId: props.groupId,
        messageIds: [props.message.key],
        category,
        ...(trimmed === '' ? {} : { note: trimmed }),
        contextCount: context,
        blockSender: block,
      });
      setState({ kind: 'done', blocked: r.blocked, messages: r.messages, files: r.files });
    } catch (err) {
      setState({ kind: 'editing', error: reportErrorSentence(err) });
    }
  }

  const titleId = `report-title-${props.message.key}`;
  return (
    <dialog ref={ref} class="report-dialog" aria-labelledby={titleId} onClose={props.onClose}>
      <h2 id={titleId}>Report a message from {props.senderName}</h2>
      {state.kind === 'done' ? (
        <div role="status">
          <p>
            Thank you. Your report was received and verified ({state.messages} message
            {state.messages === 1 ? '' : 's'}
            {state.files > 0 ? `, ${state.files} file${state.files === 1 ? '' : 's'}` : ''}). Moderators will review it.
          </p>
          {state.blocked && (
            <p>{props.senderName} is blocked: their messages no longer reach you. You can unblock them in Settings.</p>
          )}
          <button type="button" onClick={() => ref.current?.close()}>
            Close
          </button>
        </div>
      ) : (
        <form onSubmit={submit}>
          <p class="hint">
            Moderators will see this message and the earlier ones you choose to include, and can check that they are
            exactly what was sent. Nobody else in the conversation is told.
          </p>
          <fieldset>
            <legend>What is wrong with it?</legend>
            {CATEGORIES.map((c) => (
              <label key={c} class="radio">
                <input
                  type="radio"
                  name="category"
                  value={c}
                  checked={category === c}
                  onChange={() => {
                    setCategory(c);
                    if (state.kind === 'editing') setState({ kind: 'editing' });
                  }}
                />{' '}
                {CATEGORY_LABELS[c]}
              </label>
            ))}
          </fieldset>
          <label for="report-note">Note for the moderators (optional)</label>
          <textarea
            id="report-note"
            rows={3}
            maxLength={NOTE_MAX}
            value={note}
            onInput={(e) => setNote(e.currentTarget.value)}
          />
          <label for="report-context">Earlier messages to include as context (0–{CONTEXT_MAX})</label>
          <input
            id="report-context"
            type="number"
            min={0}
            max={CONTEXT_MAX}
            value={context}
            onInput={(e) => {
              const n = Number.parseInt(e.currentTarget.value, 10);
              setContext(Number.isFinite(n) ? Math.max(0, Math.min(CONTEXT_MAX, n)) : 0);
            }}
          />
          <label class="checkbox">
            <input type="checkbox" checked={block} onChange={(e) => setBlock(e.currentTarget.checked)} /> Also block{' '}
            {props.senderName}
          </label>
          {state.kind === 'editing' && state.error !== undefined && (
            <p class="error" role="alert">
              {state.error}
            </p>
          )}
          <div class="actions">
            <button type="submit" disabled={state.kind === 'sending'}>
              {state.kind === 'sending' ? 'Sending report…' : 'Send report'}
            </button>
            <button type="button" class="secondary" onClick={() => ref.current?.close()}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}

/** The report intake's refusals as sentences (the generic table covers the rest). */
const REPORT_SENTENCES: Readonly<Record<string, string>> = {
  'client.unknown_message':
    'This message cannot be reported from this device (it arrived before reporting was possible, or was not kept).',
  'report.expired': 'This message is too old to report: the server can no longer verify it.',
  'report.unknown_key': 'This message is too old to report: the server can no longer verify it.',
  'report.replayed': 'You already reported this message.',
  'report.tag_mismatch': 'This message could not be verified, so it cannot be reported.',
  'report.conversation_mismatch': 'This message could not be verified, so it cannot be reported.',
  'report.not_received': 'The server has no record that this message reached you, so it cannot be reported.',
  'report.attachment_mismatch': 'The attached file does not match what was sent, so it cannot be reported.',
  'report.attachment_not_found': 'The attached file is no longer on the server, so the report cannot include it.',
  'report.invalid': 'The report could not be sent: something in it is not accepted.',
};

export function reportErrorSentence(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && REPORT_SENTENCES[code] !== undefined) return REPORT_SENTENCES[code];
  return errorSentence(err);
}
