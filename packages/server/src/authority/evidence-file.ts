/**
 * The verified-messages evidence file uploaded with a CyberTipline report: every message of the
 * report with its franking opening (content bytes, franking key, commitment, server tag and the
 * context the tag covers), so the recipient can re-check what the platform verified with the
 * platform's franking key, and read the content bytes themselves. Deterministic bytes: a retried
 * upload sends the same file.
 */
import type { ReportMessageRecord, ReportRecord } from '../reports/store.js';
import { serverAuthorityError } from './errors.js';

export const VERIFIED_MESSAGES_FILE = 'verified-messages.json';

const b64 = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('base64'));

export function verifiedMessagesFile(report: ReportRecord, messages: readonly ReportMessageRecord[]): Uint8Array {
  if (messages.every((m) => m.body === null)) {
    throw serverAuthorityError('authority.content_deleted', 'the messages were deleted before upload');
  }
  const doc = {
    format: 'fulcrum.verified-messages/1',
    reportId: report.id,
    conversationId: report.conversationId,
    reportedAt: new Date(report.createdAt).toISOString(),
    verification:
      'content is the message-content v1 canonical JSON the sender encrypted; commitment = HMAC-SHA256 ' +
      'under frankingKey over the domain-separated conversation id and content (docs/protocol.md ' +
      '§Franking); tag = the server key keyId over the commitment and context (conversation, epoch, ' +
      'sender device, serverSeq, serverTime). All byte strings are base64.',
    messages: [...messages]
      .sort((a, b) => a.position - b.position)
      .map((m) => ({
        position: m.position,
        role: m.role,
        senderAccountId: m.senderAccountId,
        senderDeviceId: m.senderDeviceId,
        serverSeq: m.serverSeq,
        epoch: m.epoch,
        serverTime: m.serverTime,
        keyId: m.keyId,
        content: b64(m.body),
        frankingKey: b64(m.frankingKey),
        commitment: b64(m.commitment),
        tag: b64(m.tag),
      })),
  };
  return new TextEncoder().encode(`${JSON.stringify(doc, null, 2)}\n`);
}
