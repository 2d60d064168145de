/**
 * The public transparency page (route `/transparency`, no login): the log's latest served
 * (witnessed) checkpoint with its signatures verified in this browser, which witnesses cosigned
 * it, the entries by kind and over time (small inline SVG charts, no chart library), and how to
 * verify it yourself with the CLI.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  base64,
  type CheckpointReport,
  type EntriesReport,
  LogReadError,
  MAX_ENTRIES,
  readCheckpoint,
  readEntries,
  type WitnessesJson,
} from './log-reader.js';
import './transparency.css';

type State<T> = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ok'; value: T };

const LOG_ERRORS: Readonly<Record<LogReadError['code'], string>> = {
  'log.unreachable': 'The log cannot be reached right now. Check your connection and reload.',
  'log.not_witnessed':
    'The log has no witnessed checkpoint yet: its witnesses have not cosigned one. Come back in a moment.',
  'log.bad_checkpoint':
    'The checkpoint this server serves does not verify against its log key. Do not trust it; report it.',
  'log.bad_bundle': 'The log’s entries could not be read completely. Reload to try again.',
  'log.root_mismatch':
    'The log’s entries do not match its signed checkpoint. The log is inconsistent: do not trust it; report it.',
};

function sentence(err: unknown): string {
  if (err instanceof LogReadError) return LOG_ERRORS[err.code];
  console.error(err);
  return 'The log could not be read. Reload to try again.';
}

export default function Transparency() {
  const [cp, setCp] = useState<State<{ report: CheckpointReport; witnesses: WitnessesJson }>>({ kind: 'loading' });
  const [entries, setEntries] = useState<State<EntriesReport>>({ kind: 'loading' });
  useEffect(() => {
    document.title = 'Transparency log · Fulcrum';
    const base = location.origin;
    void (async () => {
      try {
        const c = await readCheckpoint(base);
        setCp({ kind: 'ok', value: c });
        try {
          setEntries({ kind: 'ok', value: await readEntries(base, c.report.size, c.report.rootHash) });
        } catch (err) {
          setEntries({ kind: 'error', message: sentence(err) });
        }
      } catch (err) {
        setCp({ kind: 'error', message: sentence(err) });
        setEntries({ kind: 'error', message: 'No checkpoint to read entries under.' });
      }
    })();
  }, []);

  return (
    <main class="tp" id="main">
      <header>
        <h1>Transparency log</h1>
        <p>
          This server publishes an append-only, signed log of every account and device key it serves, every moderation
          action (only the action and the staff role: no content, no account or case ids) and a commitment to every
          evidence export. Independent witnesses cosign it, so the server cannot show different people different
          histories. This page checks it in your browser; the command at the end checks it on your own computer.
        </p>
      </header>

      <section aria-labelledby="cp-title" class="card">
        <h2 id="cp-title">Latest witnessed checkpoint</h2>
        {cp.kind === 'loading' && <p class="loading">Reading and verifying the checkpoint…</p>}
        {cp.kind === 'error' && (
          <p class="error" role="alert">
            {cp.message}
          </p>
        )}
        {cp.kind === 'ok' && <CheckpointView r={cp.value.report} w={cp.value.witnesses} />}
      </section>

      <section aria-labelledby="entries-title" class="card">
        <h2 id="entries-title">What the log holds</h2>
        {entries.kind === 'loading' && <p class="loading">Reading the entries…</p>}
        {entries.kind === 'error' && (
          <p class={cp.kind === 'ok' ? 'error' : 'hint'} role={cp.kind === 'ok' ? 'alert' : undefined}>
            {entries.message}
          </p>
        )}
        {entries.kind === 'ok' && cp.kind === 'ok' && <EntriesView e={entries.value} size={cp.value.report.size} />}
      </section>

      <section aria-labelledby="cli-title" class="card">
        <h2 id="cli-title">Verify it yourself</h2>
        <CliHelp cp={cp.kind === 'ok' ? cp.value : undefined} />
      </section>
    </main>
  );
}

function CheckpointView(props: { r: CheckpointReport; w: WitnessesJson }) {
  const { r, w } = props;
  const verified = r.cosignatures.filter((c) => c.state === 'verified');
  return (
    <div data-testid="checkpoint">
      <p class="ok" role="status">
        ✓ Signed by the log key
        {verified.length > 0 ? ` and cosigned by ${verified.length} witness${verified.length === 1 ? '' : 'es'}` : ''}{' '}
        (verified in this browser).
      </p>
      <dl class="tp-grid">
        <dt>Log</dt>
        <dd>
          <code>{r.origin}</code>
        </dd>
        <dt>Entries</dt>
        <dd data-testid="checkpoint-size">{r.size}</dd>
        <dt>Root hash</dt>
        <dd>
          <code class="wrap">{base64(r.rootHash)}</code>
        </dd>
        <dt>Witness quorum</dt>
        <dd>
          {w.quorum === 0
            ? 'This server is configured without witnesses: the checkpoint is signed by the log only.'
            : `${verified.length} of the required ${w.quorum} cosignatures verified${r.witnessed ? '' : ' — not enough'}`}
        </dd>
        <dt>Newest signed size</dt>
        <dd>
          {w.latestSignedSize}
          {w.latestSignedSize > r.size ? ' (newer entries wait for the witnesses)' : ''}
        </dd>
      </dl>
      <table class="tp-table">
        <caption>Cosignatures on this checkpoint</caption>
        <thead>
          <tr>
            <th scope="col">Witness</th>
            <th scope="col">Key ID</th>
            <th scope="col">Signed at</th>
            <th scope="col">Check</th>
          </tr>
        </thead>
        <tbody>
          {r.cosignatures.length === 0 && (
            <tr>
              <td colSpan={4}>No cosignatures.</td>
            </tr>
          )}
          {r.cosignatures.map((c) => (
            <tr key={`${c.name}-${c.keyId}`}>
              <td>{c.name}</td>
              <td>
                <code>{c.keyId}</code>
              </td>
              <td>{c.timestamp !== undefined ? new Date(c.timestamp * 1000).toLocaleString() : '—'}</td>
              <td class={c.state === 'verified' ? 'ok' : c.state === 'bad' ? 'error' : ''}>
                {c.state === 'verified' ? '✓ verified' : c.state === 'bad' ? '✗ does not verify' : 'key not known here'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {w.witnesses.length > 0 && (
        <details>
          <summary>Witness status as reported by the server</summary>
          <ul>
            {w.witnesses.map((x) => (
              <li key={x.name}>
                {x.name}: last cosigned size {x.cosignedSize ?? '—'}
                {x.lastError ? `, last error ${x.lastError}` : ''}
              </li>
            ))}
          </ul>
        </details>
      )}
      <p class="hint">
        The keys above come from this server (trust on first use). Compare the log key{' '}
        <code class="wrap">{r.logKey}</code> and the witnesses’ keys with the ones their operators publish — or check
        with your own policy file, below.
      </p>
    </div>
  );
}

const FAMILY_COLOURS: readonly (readonly [string, string, string])[] = [
  ['key', 'Keys (accounts, devices)', '#0b57d0'],
  ['moderation', 'Moderation actions', '#a3361b'],
  ['evidence', 'Evidence exports', '#1b6e3a'],
  ['other', 'Other', '#5b4a8a'],
];

function family(kind: string): string {
  if (kind.startsWith('key.') || kind.startsWith('kt.')) return 'key';
  if (kind.startsWith('moderation.')) return 'moderation';
  if (kind.startsWith('evidence.')) return 'evidence';
  return 'other';
}

function EntriesView(props: { e: EntriesReport; size: number }) {
  const { e } = props;
  const byKind = useMemo(() => {
    const m = new Map<string, number>();
    for (const x of e.entries) m.set(x.kind, (m.get(x.kind) ?? 0) + 1);
    return [...m.entries()].sort((a, b) => b[1] - a[1]);
  }, [e]);
  const modActions = useMemo(() => {
    const m = new Map<string, number>();
    for (const x of e.entries) if (x.detail !== undefined) m.set(x.detail, (m.get(x.detail) ?? 0) + 1);
    return [...m.entries()].sort((a, b) => b[1] - a[1]);
  }, [e]);
  return (
    <div data-testid="entries">
      <p class={e.rootMatches ? 'ok' : 'hint'}>
        {e.rootMatches
          ? `✓ All ${e.read} entries read and hashed: they reproduce the checkpoint’s root hash.`
          : `The newest ${e.read} of ${props.size} entries were read (at most ${MAX_ENTRIES}); the root was not recomputed here — the CLI checks the whole log.`}
      </p>
      <h3>By kind</h3>
      <KindBars rows={byKind} />
      {modActions.length > 0 && (
        <>
          <h3>Moderation actions</h3>
          <KindBars rows={modActions} />
        </>
      )}
      <h3>Over time</h3>
      <TimeChart entries={e.entries} />
    </div>
  );
}

function KindBars(props: { rows: readonly (readonly [string, number])[] }) {
  const max = Math.max(1, ...props.rows.map((r) => r[1]));
  const rowH = 26;
  const labelW = 210;
  const barW = 300;
  const h = props.rows.length * rowH + 4;
  return (
    <figure class="tp-figure">
      <svg
        viewBox={`0 0 ${labelW + barW + 70} ${h}`}
        width="100%"
        role="img"
        aria-label={props.rows.map(([k, n]) => `${k}: ${n}`).join(', ')}
      >
        {props.rows.map(([k, n], i) => (
          <g key={k} transform={`translate(0 ${i * rowH + 2})`}>
            <text x={labelW - 8} y={17} text-anchor="end" class="tp-label">
              {k}
            </text>
            <rect x={labelW} y={3} width={Math.max(2, (n / max) * barW)} height={rowH - 8} fill={colourOf(family(k))} />
            <text x={labelW + Math.max(2, (n / max) * barW) + 6} y={17} class="tp-label">
              {n}
            </text>
          </g>
        ))}
      </svg>
      <table class="visually-hidden">
        <caption>Entries by kind</caption>
        <tbody>
          {props.rows.map(([k, n]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>{n}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function colourOf(f: string): string {
  return FAMILY_COLOURS.find((c) => c[0] === f)?.[2] ?? '#5b4a8a';
}

/** Stacked bars of entries per time bucket (minute, hour or day, chosen from the span), by family. */
function TimeChart(props: { entries: EntriesReport['entries'] }) {
  const data = useMemo(() => {
    const timed = props.entries.filter((x) => x.time > 0);
    if (timed.length === 0) return undefined;
    const t0 = Math.min(...timed.map((x) => x.time));
    const t1 = Math.max(...timed.map((x) => x.time));
    const span = t1 - t0;
    const bucket = span <= 2 * 3_600_000 ? 60_000 : span <= 4 * 86_400_000 ? 3_600_000 : 86_400_000;
    const start = Math.floor(t0 / bucket) * bucket;
    const n = Math.min(120, Math.floor((t1 - start) / bucket) + 1);
    const size = Math.max(bucket, Math.ceil((t1 - start + 1) / n / bucket) * bucket);
    const counts = Array.from({ length: n }, () => new Map<string, number>());
    for (const x of timed) {
      const i = Math.min(n - 1, Math.floor((x.time - start) / size));
      const m = counts[i] as Map<string, number>;
      const f = family(x.kind);
      m.set(f, (m.get(f) ?? 0) + 1);
    }
    return { start, size, counts };
  }, [props.entries]);
  if (data === undefined) return <p class="hint">No entries yet.</p>;
  const W = 640;
  const H = 180;
  const pad = 34;
  const max = Math.max(1, ...data.counts.map((m) => [...m.values()].reduce((a, b) => a + b, 0)));
  const bw = (W - pad - 8) / data.counts.length;
  const fmt = (t: number) =>
    data.size >= 86_400_000
      ? new Date(t).toLocaleDateString()
      : new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const unit = data.size >= 86_400_000 ? 'day' : data.size >= 3_600_000 ? 'hour' : 'minute';
  return (
    <figure class="tp-figure">
      <svg
        viewBox={`0 0 ${W} ${H + 40}`}
        width="100%"
        role="img"
        aria-label={`Entries per ${unit}, from ${fmt(data.start)}`}
      >
        <line x1={pad} y1={H} x2={W - 4} y2={H} stroke="#4a5360" />
        <text x={pad - 6} y={12} text-anchor="end" class="tp-label">
          {max}
        </text>
        <text x={pad - 6} y={H} text-anchor="end" class="tp-label">
          0
        </text>
        {data.counts.map((m, i) => {
          let y = H;
          return (
            <g key={i}>
              {FAMILY_COLOURS.map(([f, , colour]) => {
                const c = m.get(f) ?? 0;
                if (c === 0) return null;
                const h = (c / max) * (H - 8);
                y -= h;
                return <rect key={f} x={pad + i * bw + 1} y={y} width={Math.max(1, bw - 2)} height={h} fill={colour} />;
              })}
            </g>
          );
        })}
        <text x={pad} y={H + 18} class="tp-label">
          {fmt(data.start)}
        </text>
        <text x={W - 4} y={H + 18} text-anchor="end" class="tp-label">
          {fmt(data.start + data.size * data.counts.length)}
        </text>
      </svg>
      <figcaption>
        Entries per {unit}.{' '}
        {FAMILY_COLOURS.map(([f, label, colour]) => (
          <span key={f} class="tp-legend">
            <span class="swatch" style={{ background: colour }} aria-hidden="true" /> {label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

function CliHelp(props: { cp: { report: CheckpointReport; witnesses: WitnessesJson } | undefined }) {
  const url = `${location.origin}/log`;
  const w = props.cp?.witnesses;
  const policy =
    w === undefined
      ? undefined
      : [
          `log ${w.logKey}`,
          ...w.witnesses.map((x) => `witness ${x.name} ${x.vkey}`),
          ...(w.witnesses.length > 0
            ? [
                `group witnesses ${w.quorum >= w.witnesses.length ? 'all' : String(w.quorum)} ${w.witnesses.map((x) => x.name).join(' ')}`,
                'quorum witnesses',
              ]
            : ['quorum none']),
        ].join('\n');
  return (
    <>
      <p>
        With Node.js and the Fulcrum CLI, check the checkpoint’s signatures against keys <em>you</em> trust, the whole
        tree, and that the log only ever grows:
      </p>
      <pre class="tp-code">
        <code>{`npx fulcrum log verify ${url} --policy policy.txt`}</code>
      </pre>
      <p>
        <code>policy.txt</code> is a C2SP tlog-policy file. Here is one built from the keys this server lists — replace
        each key with the one its operator publishes before you rely on it:
      </p>
      {policy !== undefined && (
        <pre class="tp-code" data-testid="policy">
          <code>{policy}</code>
        </pre>
      )}
      <p class="hint">
        A failed check says which witness is missing or whose signature is bad (<code>tlog.policy_quorum_not_met</code>,{' '}
        <code>tlog.note_bad_signature</code>). Add <code>--json</code> for a machine-readable verdict.
      </p>
    </>
  );
}
