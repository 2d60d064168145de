import type { OwnKeyReport } from '@fulcrum/client-browser';
import { useState } from 'preact/hooks';
import { errorSentence } from '../error-text.js';
import { BlockedAccounts } from './blocked-accounts.js';
import type { AppContext } from './messenger.js';
import { getSession } from './session.js';
import { download } from './util.js';

export function Settings(props: { ctx: AppContext }) {
  const { self } = props.ctx;
  const session = getSession();
  const [report, setReport] = useState<OwnKeyReport | undefined>();
  const [reportError, setReportError] = useState<string | undefined>();
  const [checking, setChecking] = useState(false);
  const [pass, setPass] = useState('');
  const [pass2, setPass2] = useState('');
  const [exporting, setExporting] = useState(false);
  const [exportMsg, setExportMsg] = useState<{ ok: boolean; text: string } | undefined>();

  const [linkCode, setLinkCode] = useState('');
  const [certificate, setCertificate] = useState<string | undefined>();
  const [linkError, setLinkError] = useState<string | undefined>();

  async function certify(e: Event) {
    e.preventDefault();
    setLinkError(undefined);
    try {
      setCertificate(await session.call('certifyDevice', linkCode));
      setLinkCode('');
    } catch (err) {
      setLinkError(errorSentence(err));
    }
  }

  async function check() {
    setChecking(true);
    setReportError(undefined);
    try {
      setReport(await session.call('ownKeyReport'));
    } catch (err) {
      setReportError(errorSentence(err));
    } finally {
      setChecking(false);
    }
  }

  async function doExport(e: Event) {
    e.preventDefault();
    if (pass !== pass2) {
      setExportMsg({ ok: false, text: 'The two passphrases differ.' });
      return;
    }
    setExporting(true);
    setExportMsg(undefined);
    try {
      const bytes = await session.call('exportState', pass);
      download(bytes, `fulcrum-${self.name}.backup`, 'application/json');
      setExportMsg({ ok: true, text: 'Backup saved. Keep it and its passphrase safe: together they are this device.' });
      setPass('');
      setPass2('');
    } catch (err) {
      setExportMsg({ ok: false, text: errorSentence(err) });
    } finally {
      setExporting(false);
    }
  }

  return (
    <section class="page" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <div class="card">
        <h2>This device</h2>
        <p>
          Account: <strong>{self.name}</strong>
        </p>
        <p>
          Device id: <code>{self.deviceId}</code>
        </p>
      </div>
      <div class="card">
        <h2>Your keys in the transparency log</h2>
        <p class="hint">
          The server publishes every device key in a public, append-only log. Check that no device you do not know was
          added to your account.
        </p>
        <button type="button" class="secondary" onClick={check} disabled={checking}>
          {checking ? 'Checking…' : 'Check my devices'}
        </button>
        {report !== undefined &&
          (report.unknownDevices.length === 0 && report.unloggedDevices.length === 0 ? (
            <p class="ok" role="status">
              All good: the log (size {report.treeSize}) holds {report.loggedDevices.length} device(s) for your account,
              and you know every one.
            </p>
          ) : (
            <p class="banner danger" role="alert">
              {report.unknownDevices.length > 0 &&
                `${report.unknownDevices.length} device(s) you do not know were added to your account. `}
              {report.unloggedDevices.length > 0 &&
                `${report.unloggedDevices.length} device(s) the server lists are missing from its log. `}
              Someone may be reading your messages: report it.
            </p>
          ))}
        {reportError !== undefined && (
          <p class="error" role="alert">
            {reportError}
          </p>
        )}
      </div>
      <BlockedAccounts />
      {self.holdsIdentityKey && (
        <form class="card" onSubmit={certify}>
          <h2>Add a device</h2>
          <p class="hint">
            On the new browser choose “Add this browser to an existing account”, then paste its link code here. Your
            contacts will see that your devices changed.
          </p>
          <label for="certify-code">Link code from the new device</label>
          <textarea id="certify-code" rows={3} value={linkCode} onInput={(e) => setLinkCode(e.currentTarget.value)} />
          <button type="submit" disabled={linkCode.trim() === ''}>
            Certify the new device
          </button>
          {certificate !== undefined && (
            <>
              <label for="certificate-out">Certificate: paste it on the new device</label>
              <textarea id="certificate-out" readOnly rows={4} value={certificate} />
            </>
          )}
          {linkError !== undefined && (
            <p class="error" role="alert">
              {linkError}
            </p>
          )}
        </form>
      )}
      <form class="card" onSubmit={doExport}>
        <h2>Back up this device</h2>
        <p class="hint">The backup is encrypted with your passphrase. Restore it only where you stop using this one.</p>
        <label for="export-pass">Passphrase (at least 8 characters)</label>
        <input
          id="export-pass"
          type="password"
          autoComplete="new-password"
          value={pass}
          onInput={(e) => setPass(e.currentTarget.value)}
        />
        <label for="export-pass2">Passphrase again</label>
        <input
          id="export-pass2"
          type="password"
          autoComplete="new-password"
          value={pass2}
          onInput={(e) => setPass2(e.currentTarget.value)}
        />
        <button type="submit" disabled={exporting || pass === ''}>
          {exporting ? 'Encrypting…' : 'Download backup'}
        </button>
        {exportMsg !== undefined && (
          <p class={exportMsg.ok ? 'ok' : 'error'} role={exportMsg.ok ? 'status' : 'alert'}>
            {exportMsg.text}
          </p>
        )}
      </form>
    </section>
  );
}
