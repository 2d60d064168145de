/**
 * Settings › Blocked accounts (docs/protocol.md §Blocking): the accounts this account blocks
 * (from the server, so every device shows the same list) with an Unblock button each. Blocking
 * happens from the report dialog; unblocking lets the account's *new* messages through again
 * (what it sent while blocked never arrives). The SDK commits an MLS update in the conversations
 * shared with the account first, so this can take a moment.
 */
import type { BlockedAccountInfo } from '@fulcrum/client';
import { useEffect, useState } from 'preact/hooks';
import { errorSentence } from '../error-text.js';
import { getSession } from './session.js';

export function BlockedAccounts() {
  const session = getSession();
  const [blocks, setBlocks] = useState<BlockedAccountInfo[] | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();

  useEffect(() => {
    let live = true;
    session.call('blockedAccounts').then(
      (list) => live && setBlocks(list),
      (err: unknown) => live && setMessage({ ok: false, text: errorSentence(err) }),
    );
    return () => {
      live = false;
    };
  }, [session]);

  async function unblock(b: BlockedAccountInfo) {
    setBusy(b.accountId);
    setMessage(undefined);
    try {
      await session.call('unblock', b.accountId);
      setBlocks(await session.call('blockedAccounts'));
      setMessage({ ok: true, text: `${b.name} is unblocked: their new messages reach you again.` });
    } catch (err) {
      setMessage({ ok: false, text: errorSentence(err) });
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <section class="card" aria-labelledby="blocked-title">
      <h2 id="blocked-title">Blocked accounts</h2>
      <p class="hint">
        Messages from these accounts do not reach you, in any conversation. They are not told. Block someone from the
        Report dialog of one of their messages.
      </p>
      {blocks === undefined && message === undefined && <p class="loading">Loading…</p>}
      {blocks !== undefined && (
        <ul class="blocked-list" aria-label="Blocked accounts">
          {blocks.length === 0 && <li class="empty">You have not blocked anyone.</li>}
          {blocks.map((b) => (
            <li key={b.accountId}>
              <span>
                <strong>{b.name}</strong> <span class="hint">since {new Date(b.blockedAt).toLocaleDateString()}</span>
              </span>
              <button
                type="button"
                class="secondary"
                disabled={busy !== undefined}
                aria-label={`Unblock ${b.name}`}
                onClick={() => unblock(b)}
              >
                {busy === b.accountId ? 'Unblocking…' : 'Unblock'}
              </button>
            </li>
          ))}
        </ul>
      )}
      {message !== undefined && (
        <p class={message.ok ? 'ok' : 'error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
    </section>
  );
}
