/**
 * The small typed protocol between the page and the client worker: the page calls a method of
 * MessengerSession by name with structured-cloneable arguments; the worker answers with the value
 * or a plain error `{ code, message, detail }` (rebuilt as a FulcrumError on the page), and pushes
 * session events. Only data crosses: no keys are ever sent to the page except inside an export
 * the user asked for, sealed under their passphrase.
 */
import type { MessengerSession, SessionEvents } from './messenger-session.js';

/** The methods the page may call (every public async method of MessengerSession). */
export type SessionMethod = {
  [K in keyof MessengerSession]: MessengerSession[K] extends (...args: never[]) => unknown ? K : never;
}[keyof MessengerSession];

export type SessionArgs<M extends SessionMethod> = Parameters<MessengerSession[M]>;
export type SessionResult<M extends SessionMethod> = Awaited<ReturnType<MessengerSession[M]>>;

export interface CallMessage {
  readonly type: 'call';
  readonly id: number;
  readonly method: SessionMethod;
  readonly args: readonly unknown[];
}

export interface PlainError {
  readonly code: string;
  readonly message: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export type ResultMessage =
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly error: PlainError };

export interface EventMessage<K extends keyof SessionEvents = keyof SessionEvents> {
  readonly type: 'event';
  readonly name: K;
  readonly data: SessionEvents[K];
}

export type WorkerToPage = ResultMessage | EventMessage;

/** The methods a page may call; anything else is refused by the worker. */
export const SESSION_METHODS: readonly SessionMethod[] = [
  'init',
  'maxAttachmentBytes',
  'self',
  'register',
  'createLinkRequest',
  'certifyDevice',
  'completeLink',
  'start',
  'connectionState',
  'conversations',
  'conversation',
  'history',
  'createConversation',
  'addMembers',
  'removeMembers',
  'leave',
  'rename',
  'sendText',
  'sendAttachment',
  'fetchAttachment',
  'forward',
  'markRead',
  'report',
  'blockedAccounts',
  'block',
  'unblock',
  'api',
  'addContact',
  'contacts',
  'checkContact',
  'acceptContactDevices',
  'ownKeyReport',
  'exportState',
  'importState',
  'close',
];
