/**
 * "Forward" on a text or file message (issue 7): pick the conversations to forward it to. The SDK
 * sends a new message franked by this device with the forward count one higher. The limits
 * (forward-limits.ts, README "Forwarding"): up to 5 conversations at a time; a message forwarded
 * many times (5+) to one at a time; from 20 it is not forwarded at all. The worker enforces the
 * same limits (`client.forward_limit`), so this dialog is not the only guard.
 */
import type { MessageRecord } from '@fulcrum/client';
import type { ConversationSummary } from '@fulcrum/client-browser';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorSentence } from '../error-text.js';
import { FORWARDED_MANY_TIMES, forwardTargetLimit } from './forward-limits.js';
import type { AppContext } from './messenger.js';
import { getSession } from './session.js';
import { conversationTitle } from './util.js';

export function ForwardButton(props: { ctx: AppContext; groupId: string; message: MessageRecord }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        class="link forward-link"
        aria-haspopup="dialog"
        aria-label="Forward this message"
        onClick={() => setOpen(true)}
      >
        Forward
      </button>
      {open && <ForwardDialog {...props} onClose={() => setOpen(false)} />}
    </>
  );
}

type State = { kind: 'choosing'; error?: string } | { kind: 'sending' } | { kind: 'done'; count: number };

function ForwardDialog(props: { ctx: AppContext; groupId: string; message: MessageRecord; onClose: () => void }) {
  const { ctx, groupId, message } = props;
  const ref = useRef<HTMLDialogElement>(null);
  const [targets, setTargets] = useState<ConversationSummary[] | undefined>();
  const [chosen, setChosen] = useState<string[]>([]);
  const [state, setState] = useState<State>({ kind: 'choosing' });
  const limit = forwardTargetLimit(message.content);
  const many =
    (message.content.type === 'text' || message.content.type === 'attachment') &&
    (message.content.forwarded ?? 0) >= FORWARDED_MANY_TIMES;

  useEffect(() => {
    const d = ref.current;
    if (d !== null && !d.open) d.showModal();
    if (limit === 0) return;
    getSession()
      .call('conversations')
      .then((all) => setTargets(all.filter((c) => c.groupId !== groupId)))
      .catch((err) => setState({ kind: 'choosing', error: errorSentence(err) }));
  }, []);

  function toggle(id: string, on: boolean) {
    if (limit === 1) setChosen(on ? [id] : []);
    else setChosen((c) => (on ? [...c.filter((x) => x !== id), id] : c.filter((x) => x !== id)));
  }

  async function submit(e: Event) {
    e.preventDefault();
    if (chosen.length === 0) return;
    setState({ kind: 'sending' });
    try {
      const receipts = await getSession().call('forward', groupId, message.key, chosen);
      setState({ kind: 'done', count: receipts.length });
      ctx.refresh();
    } catch (err) {
      setState({ kind: 'choosing', error: errorSentence(err) });
    }
  }

  const titleId = `forward-title-${message.key}`;
  const close = () => ref.current?.close();
  return (
    <dialog ref={ref} class="report-dialog forward-dialog" aria-labelledby={titleId} onClose={props.onClose}>
      <h2 id={titleId}>Forward this message</h2>
      {limit === 0 ? (
        <div role="alert">
          <p>This message was forwarded too many times to forward it again.</p>
          <button type="button" onClick={close}>
            Close
          </button>
        </div>
      ) : state.kind === 'done' ? (
        <div role="status">
          <p>Forwarded to {state.count === 1 ? '1 conversation' : `${state.count} conversations`}.</p>
          <button type="button" onClick={close}>
            Close
          </button>
        </div>
      ) : (
        <form onSubmit={submit}>
          <p class="hint">
            {many
              ? 'Forwarded many times: you can forward it to one conversation at a time.'
              : `Choose up to ${limit} conversations. The recipients see that it was forwarded.`}
          </p>
          {targets === undefined ? (
            <p class="loading">Loading conversations…</p>
          ) : targets.length === 0 ? (
            <p>You have no other conversation to forward it to.</p>
          ) : (
            <fieldset>
              <legend>Forward to</legend>
              {targets.map((c) => {
                const on = chosen.includes(c.groupId);
                return (
                  <label key={c.groupId} class={limit === 1 ? 'radio' : 'checkbox'}>
                    <input
                      type={limit === 1 ? 'radio' : 'checkbox'}
                      name="forward-to"
                      checked={on}
                      disabled={!on && limit > 1 && chosen.length >= limit}
                      onChange={(e) => toggle(c.groupId, e.currentTarget.checked)}
                    />{' '}
                    {conversationTitle(c, ctx.self.accountId)}
                  </label>
                );
              })}
            </fieldset>
          )}
          {state.kind === 'choosing' && state.error !== undefined && (
            <p class="error" role="alert">
              {state.error}
            </p>
          )}
          <div class="actions">
            <button type="submit" disabled={state.kind === 'sending' || chosen.length === 0}>
              {state.kind === 'sending' ? 'Forwarding…' : 'Forward'}
            </button>
            <button type="button" class="secondary" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
