import type { ContactInfo } from '@fulcrum/client-browser';
import { useEffect, useState } from 'preact/hooks';
import { errorSentence } from '../error-text.js';
import type { AppContext } from './messenger.js';
import { getSession } from './session.js';

export function Contacts(_props: { ctx: AppContext }) {
  const session = getSession();
  const [contacts, setContacts] = useState<ContactInfo[]>([]);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    (async () => {
      const list = await session.call('contacts');
      if (live) setContacts(list);
      // Check each one now: fresh directory answer, every device proven in the log.
      const checked: ContactInfo[] = [];
      for (const c of list) checked.push(await session.call('checkContact', c.name));
      if (live) setContacts(checked);
    })().catch((err) => live && setError(errorSentence(err)));
    return () => {
      live = false;
    };
  }, [session]);

  function replace(c: ContactInfo) {
    setContacts((list) => [...list.filter((x) => x.name !== c.name), c].sort((a, b) => a.name.localeCompare(b.name)));
  }

  async function add(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      replace(await session.call('addContact', name.trim()));
      setName('');
    } catch (err) {
      setError(errorSentence(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="page" aria-labelledby="contacts-title">
      <h1 id="contacts-title">Contacts</h1>
      <form onSubmit={add} class="card">
        <label for="contact-name">Account name</label>
        <div class="row">
          <input id="contact-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
          <button type="submit" disabled={busy || name.trim() === ''}>
            Add contact
          </button>
        </div>
        {error !== undefined && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
      <p class="hint">
        Compare the safety number with each person (in person, or over a call). If it matches on both screens, nobody —
        including the server — is in the middle.
      </p>
      <ul class="contacts">
        {contacts.length === 0 && <li class="empty">No contacts yet.</li>}
        {contacts.map((c) => (
          <li key={c.name} class="card contact" data-status={c.status}>
            <h2>{c.name}</h2>
            <p>
              Safety number: <code class="safety">{c.safetyNumber}</code>
            </p>
            <p>{c.deviceIds.length === 1 ? '1 device' : `${c.deviceIds.length} devices`}</p>
            <ContactStatus c={c} onAccept={replace} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function ContactStatus(props: { c: ContactInfo; onAccept: (c: ContactInfo) => void }) {
  const { c } = props;
  const session = getSession();
  const [error, setError] = useState<string | undefined>();
  if (c.status === 'verified_in_log') {
    return <p class="ok">Every device of {c.name} is in the server’s public transparency log.</p>;
  }
  if (c.status === 'unchecked') return <p class="hint">Not checked yet (the server could not be reached).</p>;
  if (c.status === 'devices_changed') {
    return (
      <div class="banner warn" role="alert">
        <p>
          {c.name}’s devices changed since you accepted them: {c.added.length} added, {c.removed.length} removed.
          Compare the safety number with {c.name} again before you trust new messages.
        </p>
        <button
          type="button"
          onClick={async () => {
            try {
              props.onAccept(await session.call('acceptContactDevices', c.name));
            } catch (err) {
              setError(errorSentence(err));
            }
          }}
        >
          I compared the numbers — accept these devices
        </button>
        {error !== undefined && <p class="error">{error}</p>}
      </div>
    );
  }
  return (
    <p class="banner danger" role="alert">
      {c.status === 'identity_changed'
        ? `${c.name}’s identity key is not the one you saw before. Do not trust this account until you have checked with them.`
        : `The server gave a key for ${c.name} that is not in its public transparency log. Do not trust this account; report it.`}
    </p>
  );
}
