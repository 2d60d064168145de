import type { AttachmentContent, MessageRecord } from '@fulcrum/client';
import type { ContactInfo, ConversationSummary } from '@fulcrum/client-browser';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorSentence, formatBytes } from '../error-text.js';
import { ReportButton } from '../moderation/report-dialog.js';
import { navigate } from '../router.js';
import { ForwardButton } from './forward-dialog.js';
import { forwardedLabel } from './forward-limits.js';
import type { AppContext } from './messenger.js';
import { getSession } from './session.js';
import { conversationTitle, download, statusText, timeOf } from './util.js';

interface PendingUpload {
  readonly id: number;
  readonly file: File;
  readonly state: 'uploading' | 'failed';
  readonly error?: string;
}

const draftKey = (groupId: string) => `fulcrum.draft.${groupId}`;
let uploadIds = 0;

export function Conversation(props: { ctx: AppContext; groupId: string }) {
  const { ctx, groupId } = props;
  const session = getSession();
  const [conv, setConv] = useState<ConversationSummary | undefined>();
  const [messages, setMessages] = useState<MessageRecord[]>([]);
  const [loadError, setLoadError] = useState<string | undefined>();
  const [draft, setDraft] = useState(() => localStorage.getItem(draftKey(groupId)) ?? '');
  const [sendError, setSendError] = useState<string | undefined>();
  const [uploads, setUploads] = useState<PendingUpload[]>([]);
  const [showMembers, setShowMembers] = useState(false);
  const [warnings, setWarnings] = useState<ContactInfo[]>([]);
  const listEnd = useRef<HTMLLIElement>(null);

  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        const [c, h] = await Promise.all([
          session.call('conversation', groupId),
          session.call('history', groupId, 200),
        ]);
        if (!live) return;
        setConv(c);
        setMessages(h);
        setLoadError(undefined);
        if (c.unread > 0 && document.visibilityState === 'visible') {
          await session.call('markRead', groupId);
          ctx.listChanged();
        }
      } catch (err) {
        if (live) setLoadError(errorSentence(err));
      }
    })();
    return () => {
      live = false;
    };
  }, [groupId, ctx.tick, session]);

  // Key warnings for the members who are contacts (devices changed, key not in the log).
  const memberKey = conv?.members.map((m) => m.name ?? m.accountId).join(',') ?? '';
  useEffect(() => {
    if (conv === undefined) return;
    let live = true;
    (async () => {
      const contacts = await session.call('contacts');
      const names = new Set(conv.members.map((m) => m.name));
      const out: ContactInfo[] = [];
      for (const c of contacts) {
        if (!names.has(c.name)) continue;
        const checked = await session.call('checkContact', c.name).catch(() => undefined);
        if (checked !== undefined && checked.status !== 'verified_in_log' && checked.status !== 'unchecked')
          out.push(checked);
      }
      if (live) setWarnings(out);
    })().catch(() => {});
    return () => {
      live = false;
    };
  }, [memberKey, session]);

  useEffect(() => {
    listEnd.current?.scrollIntoView?.({ block: 'end' });
  }, [messages.length]);

  function updateDraft(text: string) {
    setDraft(text);
    // Kept across reloads and connection loss until it is sent.
    if (text === '') localStorage.removeItem(draftKey(groupId));
    else localStorage.setItem(draftKey(groupId), text);
  }

  async function sendText(e: Event) {
    e.preventDefault();
    const text = draft.trim();
    if (text === '') return;
    setSendError(undefined);
    try {
      await session.call('sendText', groupId, text);
      updateDraft('');
      ctx.refresh();
    } catch (err) {
      // Not sent and not queued: the text stays in the box.
      setSendError(errorSentence(err));
    }
  }

  async function upload(id: number, file: File) {
    setUploads((u) => [...u.filter((x) => x.id !== id), { id, file, state: 'uploading' }]);
    try {
      const data = new Uint8Array(await file.arrayBuffer());
      await session.call('sendAttachment', groupId, {
        data,
        name: file.name,
        mediaType: file.type === '' ? 'application/octet-stream' : file.type,
      });
      setUploads((u) => u.filter((x) => x.id !== id));
      ctx.refresh();
    } catch (err) {
      setUploads((u) => u.map((x) => (x.id === id ? { id, file, state: 'failed', error: errorSentence(err) } : x)));
    }
  }

  function pickFiles(files: FileList | null) {
    if (files === null) return;
    setSendError(undefined);
    for (const file of Array.from(files)) {
      if (file.size > ctx.maxAttachmentBytes) {
        // Refused before anything is read, encrypted or uploaded.
        setSendError(
          `“${file.name}” is ${formatBytes(file.size)}; the limit is ${formatBytes(ctx.maxAttachmentBytes)}. It was not sent.`,
        );
        continue;
      }
      void upload(++uploadIds, file);
    }
  }

  if (loadError !== undefined) {
    return (
      <section class="conversation">
        <p class="error" role="alert">
          {loadError}
        </p>
        <button type="button" class="secondary" onClick={() => navigate('/')}>
          Back
        </button>
      </section>
    );
  }
  if (conv === undefined) return <p class="loading">Opening the conversation…</p>;
  const title = conversationTitle(conv, ctx.self.accountId);
  const names = new Map(conv.members.map((m) => [m.accountId, m.name]));

  return (
    <section class="conversation" aria-labelledby="conv-title">
      <header class="conv-header">
        <button type="button" class="back secondary" onClick={() => navigate('/')} aria-label="Back to conversations">
          ←
        </button>
        <h1 id="conv-title">{title}</h1>
        <button
          type="button"
          class="secondary"
          aria-expanded={showMembers}
          onClick={() => setShowMembers(!showMembers)}
        >
          Members ({conv.members.length})
        </button>
      </header>
      {warnings.map((w) => (
        <p key={w.name} class={w.status === 'devices_changed' ? 'banner warn' : 'banner danger'} role="alert">
          {w.status === 'devices_changed'
            ? `${w.name}’s devices changed since you last checked. Compare safety numbers in Contacts before trusting new messages.`
            : w.status === 'identity_changed'
              ? `${w.name}’s identity key changed. Do not trust this conversation until you have checked with them.`
              : `A key of ${w.name} is not in the server’s transparency log. Do not trust this account.`}{' '}
          <a
            href="/contacts"
            onClick={(e) => {
              e.preventDefault();
              navigate('/contacts');
            }}
          >
            Open Contacts
          </a>
        </p>
      ))}
      {showMembers && <Members ctx={ctx} conv={conv} />}
      <ol class="messages" aria-label="Messages" aria-live="polite">
        {messages.length === 0 && <li class="empty">No messages yet. Say hello.</li>}
        {messages.map((m) => (
          <li key={m.key} class={m.direction === 'out' ? 'msg out' : 'msg in'} data-status={m.status}>
            <span class="sender">
              {m.direction === 'out' ? 'You' : (m.sender.name ?? names.get(m.sender.accountId) ?? 'Someone')}
            </span>
            {forwardedLabel(m.content) !== undefined && <span class="forwarded">{forwardedLabel(m.content)}</span>}
            <MessageBody m={m} />
            <span class="meta">
              <time>{timeOf(m)}</time>
              {statusText(m) !== undefined && <span class="status"> · {statusText(m)}</span>}
              {(m.content.type === 'text' || m.content.type === 'attachment') && (
                <>
                  {' · '}
                  <ForwardButton ctx={ctx} groupId={groupId} message={m} />
                </>
              )}
              {m.direction === 'in' && (
                <>
                  {' · '}
                  <ReportButton
                    groupId={groupId}
                    message={m}
                    senderName={m.sender.name ?? names.get(m.sender.accountId) ?? 'this person'}
                  />
                </>
              )}
            </span>
          </li>
        ))}
        {uploads.map((u) => (
          <li key={`u${u.id}`} class="msg out pending-upload">
            <span class="sender">You</span>
            <span>
              {u.state === 'uploading'
                ? `Sending “${u.file.name}”…`
                : `“${u.file.name}” was not sent. ${u.error ?? ''}`}
            </span>
            {u.state === 'failed' && (
              <span class="actions">
                <button type="button" onClick={() => void upload(u.id, u.file)}>
                  Retry
                </button>
                <button
                  type="button"
                  class="secondary"
                  onClick={() => setUploads((x) => x.filter((y) => y.id !== u.id))}
                >
                  Discard
                </button>
              </span>
            )}
          </li>
        ))}
        <li ref={listEnd} class="end" aria-hidden="true" />
      </ol>
      <form class="composer" onSubmit={sendText}>
        <label for="composer-text" class="visually-hidden">
          Message
        </label>
        <textarea
          id="composer-text"
          rows={2}
          placeholder="Write a message"
          value={draft}
          onInput={(e) => updateDraft(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              void sendText(e);
            }
          }}
        />
        <label class="file-button secondary">
          Attach
          <input
            type="file"
            multiple
            class="visually-hidden"
            aria-label="Attach files"
            onChange={(e) => {
              pickFiles(e.currentTarget.files);
              e.currentTarget.value = '';
            }}
          />
        </label>
        <button type="submit" disabled={draft.trim() === ''}>
          Send
        </button>
      </form>
      {sendError !== undefined && (
        <p class="error" role="alert">
          {sendError}
        </p>
      )}
    </section>
  );
}

function MessageBody(props: { m: MessageRecord }) {
  const c = props.m.content;
  if (c.type === 'text') return <p class="text">{c.text}</p>;
  if (c.type === 'attachment') return <Attachment content={c} />;
  if (c.type === 'rename') return <p class="system">Renamed the conversation to “{c.name}”</p>;
  return <p class="system">Left the conversation</p>;
}

/** Decrypted attachments of this page, by attachment id (object URLs live as long as the page). */
const objectUrls = new Map<string, string>();

function Attachment(props: { content: AttachmentContent }) {
  const c = props.content;
  const session = getSession();
  const isImage = /^image\/(png|jpeg|gif|webp|avif|bmp)$/.test(c.mediaType);
  const [url, setUrl] = useState(objectUrls.get(c.attachmentId));
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function fetchIt(): Promise<string | undefined> {
    const have = objectUrls.get(c.attachmentId);
    if (have !== undefined) return have;
    setBusy(true);
    setError(undefined);
    try {
      const bytes = await session.call('fetchAttachment', c);
      const u = URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type: c.mediaType }));
      objectUrls.set(c.attachmentId, u);
      setUrl(u);
      return u;
    } catch (err) {
      setError(errorSentence(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    if (isImage && url === undefined && c.size <= 10 * 1024 * 1024) void fetchIt();
  }, [c.attachmentId]);

  if (isImage) {
    return (
      <figure class="attachment image">
        {url !== undefined ? (
          <img src={url} alt={`Image: ${c.name}`} />
        ) : (
          <span class="img-placeholder">{busy ? 'Decrypting…' : (error ?? 'Image')}</span>
        )}
        <figcaption>
          {c.name} · {formatBytes(c.size)}
        </figcaption>
      </figure>
    );
  }
  return (
    <p class="attachment file">
      <span>
        {c.name} · {formatBytes(c.size)}
      </span>{' '}
      <button
        type="button"
        class="secondary"
        disabled={busy}
        onClick={async () => {
          const have = objectUrls.get(c.attachmentId);
          if (have !== undefined) {
            const a = document.createElement('a');
            a.href = have;
            a.download = c.name;
            a.click();
            return;
          }
          try {
            const bytes = await session.call('fetchAttachment', c);
            download(bytes, c.name, c.mediaType);
          } catch (err) {
            setError(errorSentence(err));
          }
        }}
      >
        {busy ? 'Decrypting…' : 'Download'}
      </button>
      {error !== undefined && (
        <span class="error" role="alert">
          {' '}
          {error}
        </span>
      )}
    </p>
  );
}

function Members(props: { ctx: AppContext; conv: ConversationSummary }) {
  const { ctx, conv } = props;
  const session = getSession();
  const [add, setAdd] = useState('');
  const [rename, setRename] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  async function act(f: () => Promise<unknown>) {
    setBusy(true);
    setError(undefined);
    try {
      await f();
      ctx.refresh();
    } catch (err) {
      setError(errorSentence(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="members card" aria-label="Members">
      <h2>Members</h2>
      <ul>
        {conv.members.map((m) => (
          <li key={m.accountId}>
            <span>
              {m.accountId === ctx.self.accountId ? `${ctx.self.name} (you)` : (m.name ?? 'unknown')} ·{' '}
              {m.deviceIds.length === 1 ? '1 device' : `${m.deviceIds.length} devices`}
            </span>
            {m.accountId !== ctx.self.accountId && m.name !== undefined && (
              <button
                type="button"
                class="secondary"
                disabled={busy}
                onClick={() => act(() => session.call('removeMembers', conv.groupId, [m.name as string]))}
              >
                Remove {m.name}
              </button>
            )}
          </li>
        ))}
      </ul>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const names = add
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '');
          if (names.length > 0)
            void act(async () => {
              await session.call('addMembers', conv.groupId, names);
              setAdd('');
            });
        }}
      >
        <label for="add-member">Add members (account names, comma-separated)</label>
        <div class="row">
          <input id="add-member" value={add} onInput={(e) => setAdd(e.currentTarget.value)} />
          <button type="submit" disabled={busy || add.trim() === ''}>
            Add
          </button>
        </div>
      </form>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (rename.trim() !== '') void act(() => session.call('rename', conv.groupId, rename.trim()));
        }}
      >
        <label for="rename">Conversation name</label>
        <div class="row">
          <input
            id="rename"
            value={rename}
            placeholder={conv.name ?? ''}
            onInput={(e) => setRename(e.currentTarget.value)}
          />
          <button type="submit" class="secondary" disabled={busy || rename.trim() === ''}>
            Rename
          </button>
        </div>
      </form>
      <button
        type="button"
        class="danger"
        disabled={busy}
        onClick={() =>
          act(async () => {
            await session.call('leave', conv.groupId);
            navigate('/');
          })
        }
      >
        Leave conversation
      </button>
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
