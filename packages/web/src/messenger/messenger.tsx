/**
 * The messenger route: register or restore a device, then conversations, contacts and settings.
 * All MLS work and storage happen in the client worker (session.ts); this file only renders.
 */
import type { SelfInfo } from '@fulcrum/client';
import type { ConnectionState, ConversationSummary } from '@fulcrum/client-browser';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorSentence } from '../error-text.js';
import { ModerationNotices } from '../moderation/notices.js';
import { navigate } from '../router.js';
import { Contacts } from './contacts.js';
import { Conversation } from './conversation.js';
import { NewConversation } from './new-conversation.js';
import { deviceDbName, getSession } from './session.js';
import { Settings } from './settings.js';
import { conversationTitle, preview } from './util.js';
import { Welcome } from './welcome.js';

type Phase =
  | { kind: 'loading' }
  | { kind: 'fatal'; message: string }
  | { kind: 'welcome' }
  | { kind: 'ready'; self: SelfInfo };

export interface AppContext {
  readonly self: SelfInfo;
  readonly maxAttachmentBytes: number;
  readonly refresh: () => void;
  /** Reloads only the conversation list (after marking a conversation read). */
  readonly listChanged: () => void;
  /** Bumped on every event from the worker: views reload what they show. */
  readonly tick: number;
}

export default function Messenger(props: { path: string }) {
  const session = getSession();
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [maxBytes, setMaxBytes] = useState(25 * 1024 * 1024);
  const [conversations, setConversations] = useState<ConversationSummary[]>([]);
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const [tick, setTick] = useState(0);
  const [listTick, setListTick] = useState(0);
  const [notice, setNotice] = useState<string | undefined>();
  const [waiting, setWaiting] = useState<string | undefined>();
  const started = useRef(false);

  const refresh = useCallback(() => setTick((t) => t + 1), []);

  const ready = useCallback(
    async (self: SelfInfo) => {
      setPhase({ kind: 'ready', self });
      if (!started.current) {
        started.current = true;
        await session.call('start');
      }
    },
    [session],
  );

  useEffect(() => {
    const offs = [
      session.on('message', refresh),
      session.on('delivery', refresh),
      session.on('membership', (e) => {
        if (e.self && (e.change === 'removed' || e.change === 'left'))
          setNotice('You were removed from a conversation.');
        refresh();
      }),
      session.on('connection', (e) => {
        setConnection(e.state);
        refresh();
      }),
      // Receiving waits for a fresh key-transparency checkpoint: nothing is lost, only delayed.
      session.on('receive', (e) => {
        setWaiting(e.state === 'paused' ? errorSentence({ code: e.code ?? 'tlog.stale_checkpoint' }) : undefined);
        if (e.state === 'resumed') refresh();
      }),
    ];
    void (async () => {
      try {
        const r = await session.call('init', { server: location.origin, dbName: deviceDbName() });
        setMaxBytes(r.maxAttachmentBytes);
        if (r.self === undefined) setPhase({ kind: 'welcome' });
        else await ready(r.self);
      } catch (err) {
        setPhase({ kind: 'fatal', message: errorSentence(err) });
      }
    })();
    return () => {
      for (const off of offs) off();
    };
  }, [session, refresh, ready]);

  useEffect(() => {
    if (phase.kind !== 'ready') return;
    session.call('conversations').then(setConversations, () => {});
  }, [phase, tick, listTick, session]);

  if (phase.kind === 'loading') return <p class="loading">Opening your device…</p>;
  if (phase.kind === 'fatal') {
    return (
      <main class="fatal">
        <h1>Fulcrum cannot start</h1>
        <p role="alert">{phase.message}</p>
      </main>
    );
  }
  if (phase.kind === 'welcome') return <Welcome onReady={ready} />;

  const ctx: AppContext = {
    self: phase.self,
    maxAttachmentBytes: maxBytes,
    refresh,
    listChanged: () => setListTick((t) => t + 1),
    tick,
  };
  const path = props.path;
  const groupId = path.startsWith('/c/') ? decodeURIComponent(path.slice(3)) : undefined;
  const view = groupId !== undefined ? 'conversation' : path === '/' ? 'list' : 'page';

  return (
    <div class="layout" data-view={view}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <nav class="sidebar" aria-label="Conversations">
        <header class="me">
          <span class="me-name" title="Your account name">
            {phase.self.name}
          </span>
          <ConnectionBadge state={connection} />
        </header>
        <div class="nav-buttons">
          <button type="button" onClick={() => navigate('/new')}>
            New conversation
          </button>
          <button type="button" class="secondary" onClick={() => navigate('/contacts')}>
            Contacts
          </button>
          <button type="button" class="secondary" onClick={() => navigate('/settings')}>
            Settings
          </button>
        </div>
        <ul class="conv-list">
          {conversations.length === 0 && <li class="empty">No conversations yet.</li>}
          {conversations.map((c) => {
            const title = conversationTitle(c, phase.self.accountId);
            return (
              <li key={c.groupId}>
                <a
                  href={`/c/${encodeURIComponent(c.groupId)}`}
                  class={c.groupId === groupId ? 'conv active' : 'conv'}
                  aria-current={c.groupId === groupId ? 'page' : undefined}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(`/c/${encodeURIComponent(c.groupId)}`);
                  }}
                >
                  <span class="conv-title">{title}</span>
                  <span class="conv-preview">{preview(c.last)}</span>
                  {c.unread > 0 && (
                    <span class="badge" role="img" aria-label={`${c.unread} unread`}>
                      {c.unread >= 100 ? '99+' : c.unread}
                    </span>
                  )}
                </a>
              </li>
            );
          })}
        </ul>
      </nav>
      <main id="main" class="main">
        {connection === 'reconnecting' && (
          <p class="banner warn" role="status">
            Reconnecting… Messages you send now are kept and delivered when the connection is back.
          </p>
        )}
        {waiting !== undefined && (
          <p class="banner warn" role="status">
            {waiting}
          </p>
        )}
        {notice !== undefined && (
          <p class="banner" role="status">
            {notice}{' '}
            <button type="button" class="link" onClick={() => setNotice(undefined)}>
              Dismiss
            </button>
          </p>
        )}
        <ModerationNotices tick={tick} />
        {groupId !== undefined ? (
          <Conversation key={groupId} ctx={ctx} groupId={groupId} />
        ) : path === '/new' ? (
          <NewConversation ctx={ctx} />
        ) : path === '/contacts' ? (
          <Contacts ctx={ctx} />
        ) : path === '/settings' ? (
          <Settings ctx={ctx} />
        ) : (
          <section class="placeholder">
            <h1>Fulcrum</h1>
            <p>Choose a conversation, or start a new one. Messages are end-to-end encrypted in this browser.</p>
          </section>
        )}
      </main>
    </div>
  );
}

function ConnectionBadge(props: { state: ConnectionState }) {
  const text = props.state === 'online' ? 'Online' : props.state === 'connecting' ? 'Connecting…' : 'Reconnecting…';
  return (
    <span class={`conn conn-${props.state}`} role="status" aria-live="polite" data-testid="connection">
      {text}
    </span>
  );
}
