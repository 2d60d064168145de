/**
 * The CyberTipline documents validate against CYBERTIPLINE_XSD with libxml2 (xmllint-wasm): a real
 * XSD validator. The XSD is ours, written from NCMEC's published field lists (see its header);
 * these tests also check that it refuses what the documentation forbids (wrong order, missing
 * required elements, unknown incident types), so a permissive schema cannot pass them.
 * Node only: xmllint-wasm runs libxml2 in a worker thread.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import {
  buildCyberTiplineEvidenceFileDetails,
  buildCyberTiplineFileDetails,
  buildCyberTiplineReport,
} from './cybertipline.js';
import { CYBERTIPLINE_XSD } from './cybertipline-xsd.js';
import { unsafeReportFixture } from './report.fixture.js';

async function validate(xml: string): Promise<{ valid: boolean; errors: string[] }> {
  const r = await validateXML({ xml: [{ fileName: 'doc.xml', contents: xml }], schema: [CYBERTIPLINE_XSD] });
  return { valid: r.valid, errors: r.errors.map((e) => e.message) };
}

describe('CyberTipline XSD validation (libxml2)', () => {
  test('a built <report> validates', async () => {
    const xml = buildCyberTiplineReport(unsafeReportFixture());
    expect(await validate(xml)).toEqual({ valid: true, errors: [] });
  });

  test('a built <fileDetails> validates, with MD5, SHA256 and PDQ hashes', async () => {
    const input = unsafeReportFixture();
    const xml = buildCyberTiplineFileDetails({
      reportId: '4564654',
      fileId: 'b0754af766b426f2928a02c651ed4b99',
      file: input.files[0]!,
      message: input.messages[1]!,
      viewedByStaff: true,
    });
    expect(await validate(xml)).toEqual({ valid: true, errors: [] });
    expect(xml).toContain('<originalFileHash hashType="MD5">efefefefefefefefefefefefefefefef</originalFileHash>');
    expect(xml).toContain(`<originalFileHash hashType="SHA256">${'ab'.repeat(32)}</originalFileHash>`);
    expect(xml).toContain(`<originalFileHash hashType="PDQ">${'f'.repeat(64)}</originalFileHash>`);
  });

  test('an evidence-file <fileDetails> (the verified messages) validates', async () => {
    const xml = buildCyberTiplineEvidenceFileDetails({
      reportId: '4564654',
      fileId: 'c0ffee',
      name: 'verified-messages.json',
      md5: new Uint8Array(16).fill(1),
      sha256: new Uint8Array(32).fill(2),
      uploadedAt: Date.UTC(2026, 10, 20),
      relevance: 'Reported',
      viewedByStaff: true,
      description: 'The reported messages with their franking openings.',
    });
    expect(await validate(xml)).toEqual({ valid: true, errors: [] });
  });

  test('the schema refuses elements out of the documented order', async () => {
    const xml = buildCyberTiplineReport(unsafeReportFixture());
    const reporter = xml.slice(xml.indexOf('  <reporter>'), xml.indexOf('</reporter>') + '</reporter>\n'.length);
    const swapped = xml.replace(reporter, '').replace('  <incidentSummary>', `${reporter}  <incidentSummary>`);
    expect(swapped).not.toBe(xml);
    expect((await validate(swapped)).valid).toBe(false);
  });

  test('the schema refuses a report without reportingPerson email and an unknown incident type', async () => {
    const xml = buildCyberTiplineReport(unsafeReportFixture());
    const noEmail = xml.replace(/\s*<email>safety@example\.org<\/email>/, '');
    expect(noEmail).not.toBe(xml);
    expect((await validate(noEmail)).valid).toBe(false);
    const badType = xml.replace(/<incidentType>[^<]*<\/incidentType>/, '<incidentType>Spam</incidentType>');
    expect((await validate(badType)).valid).toBe(false);
  });

  test('NCMEC response documents validate too', async () => {
    const submit =
      '<?xml version="1.0" encoding="UTF-8"?><reportResponse><responseCode>0</responseCode>' +
      '<responseDescription>Success</responseDescription><reportId>4564654</reportId></reportResponse>';
    const done =
      '<?xml version="1.0" encoding="UTF-8"?><reportDoneResponse><responseCode>0</responseCode>' +
      '<reportId>4564654</reportId><files><fileId>b0754af766b426f2928a02c651ed4b99</fileId></files></reportDoneResponse>';
    expect((await validate(submit)).valid).toBe(true);
    expect((await validate(done)).valid).toBe(true);
  });

  test('hostile text in every free-text field still yields a valid document', async () => {
    // One libxml2 run over many documents: each run starts a worker (~1 s on this machine).
    const base = unsafeReportFixture();
    const samples = fc.sample(fc.string({ unit: 'binary', maxLength: 200 }), { numRuns: 60, seed: 7 });
    samples.push('\u0000\u0001\ud800\r\n\t]]><![CDATA[&amp;<?xml?>\uffff\ufffe');
    const docs = samples.map((s, i) => ({
      fileName: `doc${i}.xml`,
      contents: buildCyberTiplineReport(
        unsafeReportFixture({
          report: { ...base.report, note: s },
          decision: { ...base.decision, reason: `${s}.` },
          reportedAccount: {
            accountId: 'acc_offender',
            displayName: s.slice(0, 200) || 'x',
            screenName: `a${s.slice(0, 100)}`,
          },
        }),
      ),
    }));
    const r = await validateXML({ xml: docs, schema: [CYBERTIPLINE_XSD] });
    expect(r.errors.map((e) => e.message)).toEqual([]);
    expect(r.valid).toBe(true);
  });
});
