/** CyberTipline builders: element order, escaping of hostile input, typed refusals. */
import { isFulcrumError } from '@fulcrum/common';
import { describe, expect, test } from 'vitest';
import { buildCyberTiplineFileDetails, buildCyberTiplineReport } from './cybertipline.js';
import { unsafeReportFixture } from './report.fixture.js';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isFulcrumError(e) ? e.code : 'other';
  }
  return undefined;
}

/** Top-level child element names of the root, in order. */
function topLevel(xml: string): string[] {
  return [...xml.matchAll(/^ {2}<([A-Za-z]+)/gm)].map((m) => m[1]!);
}

describe('CyberTipline <report>', () => {
  test('top-level elements in the documented order; incident from the first reported message', () => {
    const xml = buildCyberTiplineReport(unsafeReportFixture());
    expect(topLevel(xml)).toEqual([
      'incidentSummary',
      'internetDetails',
      'reporter',
      'personOrUserReported',
      'additionalInfo',
    ]);
    expect(xml).toContain('<incidentType>Child Pornography (possession, manufacture, and distribution)</incidentType>');
    expect(xml).toContain('<incidentDateTime>2026-11-20T09:31:00.000Z</incidentDateTime>');
    expect(xml).toContain('<espIdentifier>acc_offender</espIdentifier>');
    expect(xml).toContain('Reporter&apos;s note'.replace('&apos;', "'"));
    expect(xml).toContain('sent me this &lt;b&gt;&amp;&lt;/b&gt; "image"');
  });

  test('grooming is Online Enticement; other categories are refused', () => {
    const base = unsafeReportFixture();
    const xml = buildCyberTiplineReport(unsafeReportFixture({ report: { ...base.report, category: 'grooming' } }));
    expect(xml).toContain('<incidentType>Online Enticement of Children for Sexual Acts</incidentType>');
    for (const category of ['terrorism', 'threats', 'harassment', 'spam', 'other'] as const) {
      expect(code(() => buildCyberTiplineReport(unsafeReportFixture({ report: { ...base.report, category } })))).toBe(
        'authority.unsupported_category',
      );
    }
  });

  test('missing reporting e-mail or a bad legal URL is a typed error', () => {
    const base = unsafeReportFixture();
    expect(
      code(() =>
        buildCyberTiplineReport(
          unsafeReportFixture({
            platform: { ...base.platform, reportingPerson: { ...base.platform.reportingPerson, email: '' } },
          }),
        ),
      ),
    ).toBe('authority.missing_field');
    expect(
      code(() =>
        buildCyberTiplineReport(
          unsafeReportFixture({ platform: { ...base.platform, legalUrl: 'javascript:alert(1)' } }),
        ),
      ),
    ).toBe('authority.bad_value');
    expect(code(() => buildCyberTiplineReport(unsafeReportFixture({ messages: [base.messages[0]!] })))).toBe(
      'authority.missing_field',
    );
  });
});

describe('CyberTipline <fileDetails>', () => {
  test('order, relevance and refusal of malformed hashes', () => {
    const input = unsafeReportFixture();
    const xml = buildCyberTiplineFileDetails({
      reportId: '1',
      fileId: 'f',
      file: input.files[0]!,
      message: input.messages[1]!,
      viewedByStaff: false,
    });
    expect(topLevel(xml)).toEqual([
      'reportId',
      'fileId',
      'originalFileName',
      'uploadedToEspTimestamp',
      'fileViewedByEsp',
      'exifViewedByEsp',
      'publiclyAvailable',
      'fileRelevance',
      'originalFileHash',
      'originalFileHash',
      'originalFileHash',
      'additionalInfo',
    ]);
    expect(xml).toContain('<fileRelevance>Reported</fileRelevance>');
    expect(xml).toContain('<fileViewedByEsp>false</fileViewedByEsp>');
    const bad = { ...input.files[0]!, md5: new Uint8Array(15) };
    expect(
      code(() =>
        buildCyberTiplineFileDetails({
          reportId: '1',
          fileId: 'f',
          file: bad,
          message: input.messages[1]!,
          viewedByStaff: true,
        }),
      ),
    ).toBe('authority.bad_value');
    const badPdq = { ...input.files[0]!, pdq: 'XYZ' };
    expect(
      code(() =>
        buildCyberTiplineFileDetails({
          reportId: '1',
          fileId: 'f',
          file: badPdq,
          message: input.messages[1]!,
          viewedByStaff: true,
        }),
      ),
    ).toBe('authority.bad_value');
  });
});
