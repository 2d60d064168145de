import type { SelfInfo } from '@fulcrum/client';
import { useState } from 'preact/hooks';
import { errorSentence } from '../error-text.js';
import { getSession } from './session.js';

export function Welcome(props: { onReady: (self: SelfInfo) => void }) {
  const session = getSession();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [file, setFile] = useState<File | undefined>();
  const [pass, setPass] = useState('');
  const [restoreError, setRestoreError] = useState<string | undefined>();

  async function register(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      props.onReady(await session.call('register', name.trim()));
    } catch (err) {
      setError(errorSentence(err));
    } finally {
      setBusy(false);
    }
  }

  const [linkCode, setLinkCode] = useState<string | undefined>();
  const [certificate, setCertificate] = useState('');
  const [linkError, setLinkError] = useState<string | undefined>();

  async function startLink() {
    setLinkError(undefined);
    try {
      setLinkCode(await session.call('createLinkRequest'));
    } catch (err) {
      setLinkError(errorSentence(err));
    }
  }

  async function finishLink(e: Event) {
    e.preventDefault();
    setBusy(true);
    setLinkError(undefined);
    try {
      props.onReady(await session.call('completeLink', certificate));
    } catch (err) {
      setLinkError(errorSentence(err));
    } finally {
      setBusy(false);
    }
  }

  async function restore(e: Event) {
    e.preventDefault();
    if (file === undefined) return;
    setBusy(true);
    setRestoreError(undefined);
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      props.onReady(await session.call('importState', bytes, pass));
    } catch (err) {
      setRestoreError(errorSentence(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="welcome">
      <h1>Welcome to Fulcrum</h1>
      <p>Your keys are made and kept in this browser. The server only ever sees encrypted messages.</p>
      <form onSubmit={register} class="card">
        <h2>Create an account</h2>
        <label for="reg-name">Account name</label>
        <input
          id="reg-name"
          name="name"
          autoComplete="username"
          required
          minLength={1}
          maxLength={64}
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy || name.trim() === ''}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
        {error !== undefined && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
      <form onSubmit={restore} class="card">
        <h2>Restore from a backup</h2>
        <label for="restore-file">Backup file</label>
        <input id="restore-file" type="file" onChange={(e) => setFile(e.currentTarget.files?.[0])} />
        <label for="restore-pass">Passphrase</label>
        <input
          id="restore-pass"
          type="password"
          autoComplete="current-password"
          value={pass}
          onInput={(e) => setPass(e.currentTarget.value)}
        />
        <button type="submit" class="secondary" disabled={busy || file === undefined || pass === ''}>
          Restore
        </button>
        {restoreError !== undefined && (
          <p class="error" role="alert">
            {restoreError}
          </p>
        )}
      </form>
      <form onSubmit={finishLink} class="card">
        <h2>Add this browser to an existing account</h2>
        {linkCode === undefined ? (
          <button type="button" class="secondary" onClick={startLink}>
            Start linking
          </button>
        ) : (
          <>
            <label for="link-code">Link code: paste it into Settings → “Add a device” on your first device</label>
            <textarea id="link-code" readOnly rows={3} value={linkCode} />
            <label for="link-cert">Certificate from your first device</label>
            <textarea
              id="link-cert"
              rows={3}
              value={certificate}
              onInput={(e) => setCertificate(e.currentTarget.value)}
            />
            <button type="submit" disabled={busy || certificate.trim() === ''}>
              Finish linking
            </button>
          </>
        )}
        {linkError !== undefined && (
          <p class="error" role="alert">
            {linkError}
          </p>
        )}
      </form>
    </main>
  );
}
