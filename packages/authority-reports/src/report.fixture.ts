/** A complete report for the tests (test-only: excluded from the build). */
import type { AuthorityReportInput, FileInput, MessageInput } from './inputs.js';

const enc = new TextEncoder();
export const T0 = Date.UTC(2026, 10, 20, 9, 30, 0);

export function textBody(text: string): Uint8Array {
  return enc.encode(JSON.stringify({ text, type: 'text', v: 1 }));
}

export function attachmentBody(name: string, mediaType: string): Uint8Array {
  return enc.encode(
    JSON.stringify({
      attachmentId: 'att_1',
      blobSha256: 'AA',
      key: 'AA',
      mediaType,
      name,
      plaintextSha256: 'AA',
      size: 4,
      type: 'attachment',
      v: 1,
    }),
  );
}

export function bytes(n: number, fill: number): Uint8Array {
  return new Uint8Array(n).fill(fill);
}

export function unsafeReportFixture(overrides: Partial<AuthorityReportInput> = {}): AuthorityReportInput {
  const messages: MessageInput[] = [
    {
      position: 0,
      role: 'context',
      senderAccountId: 'acc_reporter',
      senderDeviceId: 'dev_r',
      serverSeq: 10,
      epoch: 2,
      serverTime: T0,
      body: textBody('who is this?'),
    },
    {
      position: 1,
      role: 'reported',
      senderAccountId: 'acc_offender',
      senderDeviceId: 'dev_o',
      serverSeq: 11,
      epoch: 2,
      serverTime: T0 + 60_000,
      body: attachmentBody('photo.png', 'image/png'),
    },
  ];
  const files: FileInput[] = [
    {
      position: 1,
      attachmentId: 'att_1',
      mediaType: 'image/png',
      name: 'photo.png',
      size: 4,
      plaintextSha256: bytes(32, 0xab),
      blobSha256: bytes(32, 0xcd),
      md5: bytes(16, 0xef),
      pdq: 'f'.repeat(64),
    },
  ];
  return {
    report: {
      id: 'rpt_AAAAAAAAAAAAAAAAAAAAAA',
      category: 'child_sexual_exploitation',
      note: 'sent me this <b>&</b> "image"',
      createdAt: T0 + 120_000,
      conversationId: 'grp_1',
      reporterAccountId: 'acc_reporter',
      reportedAccountId: 'acc_offender',
    },
    messages,
    files,
    decision: {
      id: 'dec_1',
      action: 'ban',
      reason: 'Shared apparent CSAM.',
      decidedAt: T0 + 3_600_000,
      restrictionEndsAt: null,
      ground: {
        kind: 'illegal_content',
        legalGround: 'Directive 2011/93/EU Art. 5',
        explanation: 'Distribution of child sexual abuse material.',
      },
      automatedDetection: false,
      automatedDecision: 'not_automated',
      territorialScope: [],
      filesViewedByStaff: true,
    },
    platform: {
      name: 'Example Messenger Ltd',
      service: 'Fulcrum',
      reportingPerson: { firstName: 'Trust', lastName: 'Safety', email: 'safety@example.org' },
      legalUrl: 'https://example.org/legal',
      termsUrl: 'https://example.org/terms',
      address: '1 Example Street, Dublin',
      establishment: 'IE',
    },
    reportedAccount: { accountId: 'acc_offender', displayName: 'Offender' },
    ...overrides,
  };
}
