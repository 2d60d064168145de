import type { MessageRecord } from '@fulcrum/client';
import type { ConversationSummary } from '@fulcrum/client-browser';

export function conversationTitle(c: ConversationSummary, selfAccountId: string): string {
  if (c.name !== undefined && c.name !== '') return c.name;
  const others = c.members.filter((m) => m.accountId !== selfAccountId).map((m) => m.name ?? 'someone');
  if (others.length === 0) return 'Only you';
  return others.join(', ');
}

export function preview(m: MessageRecord | undefined): string {
  if (m === undefined) return 'No messages yet';
  const c = m.content;
  if (c.type === 'text') return c.text.length > 60 ? `${c.text.slice(0, 60)}…` : c.text;
  if (c.type === 'attachment') return c.mediaType.startsWith('image/') ? `Image: ${c.name}` : `File: ${c.name}`;
  if (c.type === 'rename') return `Renamed to “${c.name}”`;
  return 'Left the conversation';
}

export function timeOf(m: MessageRecord): string {
  const t = m.serverTime ?? m.createdAt;
  return new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function statusText(m: MessageRecord): string | undefined {
  if (m.direction === 'in') return undefined;
  if (m.status === 'queued') return 'Waiting to send';
  if (m.status === 'sent') return 'Sent';
  if (m.status === 'failed') return 'Not sent';
  return undefined;
}

export function download(bytes: Uint8Array, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
