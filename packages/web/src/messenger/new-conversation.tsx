import { useState } from 'preact/hooks';
import { errorSentence } from '../error-text.js';
import { navigate } from '../router.js';
import type { AppContext } from './messenger.js';
import { getSession } from './session.js';

export function NewConversation(props: { ctx: AppContext }) {
  const session = getSession();
  const [members, setMembers] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  async function create(e: Event) {
    e.preventDefault();
    const names = members
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '' && s !== props.ctx.self.name);
    if (names.length === 0) return;
    setBusy(true);
    setError(undefined);
    try {
      // Each member becomes a contact (safety number, device-change warnings) — the lookup also
      // proves their keys are in the transparency log before any key material is used.
      const known = new Set((await session.call('contacts')).map((c) => c.name));
      for (const n of names) if (!known.has(n)) await session.call('addContact', n);
      const conv = await session.call('createConversation', names, name.trim());
      props.ctx.refresh();
      navigate(`/c/${encodeURIComponent(conv.groupId)}`);
    } catch (err) {
      setError(errorSentence(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="page" aria-labelledby="new-title">
      <h1 id="new-title">New conversation</h1>
      <form onSubmit={create} class="card">
        <label for="new-members">People (account names, comma-separated)</label>
        <input
          id="new-members"
          required
          value={members}
          onInput={(e) => setMembers(e.currentTarget.value)}
          placeholder="bob, carol"
        />
        <label for="new-name">Name (optional, for groups)</label>
        <input id="new-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <button type="submit" disabled={busy || members.trim() === ''}>
          {busy ? 'Creating…' : 'Start conversation'}
        </button>
        {error !== undefined && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
