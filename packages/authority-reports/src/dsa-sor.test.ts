/**
 * DSA statement of reasons: built statements validate against DSA_STATEMENT_OF_REASONS_SCHEMA
 * (ours, written from the Transparency Database's documentation and request validation rules),
 * and the schema refuses what those rules refuse.
 */
import { isFulcrumError } from '@fulcrum/common';
import { Ajv } from 'ajv';
import { describe, expect, test } from 'vitest';
import { buildDsaStatementOfReasons } from './dsa-sor.js';
import { DSA_STATEMENT_OF_REASONS_SCHEMA } from './dsa-sor-schema.js';
import { T0, textBody, unsafeReportFixture } from './report.fixture.js';

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const validate = ajv.compile(DSA_STATEMENT_OF_REASONS_SCHEMA as unknown as object);

function check(value: unknown): boolean {
  const ok = validate(value);
  return ok === true;
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isFulcrumError(e) ? e.code : 'not-a-fulcrum-error';
  }
  return undefined;
}

describe('DSA statement of reasons', () => {
  test('a ban for illegal content validates and carries no content or personal data', () => {
    const input = unsafeReportFixture();
    const sor = buildDsaStatementOfReasons(input);
    expect(check(sor), JSON.stringify(validate.errors)).toBe(true);
    expect(sor.decision_account).toBe('DECISION_ACCOUNT_TERMINATED');
    expect(sor.decision_ground).toBe('DECISION_GROUND_ILLEGAL_CONTENT');
    expect(sor.category).toBe('STATEMENT_CATEGORY_PROTECTION_OF_MINORS');
    expect(sor.content_type).toEqual(['CONTENT_TYPE_IMAGE']);
    expect(sor.territorial_scope).toHaveLength(30);
    expect(sor.content_date).toBe('2026-11-20');
    const text = JSON.stringify(sor);
    for (const secret of [
      'acc_offender',
      'acc_reporter',
      'photo.png',
      'grp_1',
      'rpt_',
      'sent me this',
      'Shared apparent',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  test('a terms-based suspension with an end date validates', () => {
    const base = unsafeReportFixture();
    const input = unsafeReportFixture({
      report: { ...base.report, category: 'harassment' },
      messages: [{ ...base.messages[1]!, body: textBody('abuse') }],
      files: [],
      decision: {
        ...base.decision,
        id: 'dec_2',
        action: 'suspend',
        restrictionEndsAt: T0 + 7 * 86_400_000,
        ground: {
          kind: 'incompatible_content',
          termsGround: 'Terms §4 (harassment)',
          explanation: 'Repeated abuse.',
          alsoIllegal: false,
        },
        territorialScope: ['DE', 'FR'],
      },
    });
    const sor = buildDsaStatementOfReasons(input, { publicFacts: 'Repeated insults after a block.' });
    expect(check(sor), JSON.stringify(validate.errors)).toBe(true);
    expect(sor.end_date_account_restriction).toBe('2026-11-27');
    expect(sor.decision_ground_reference_url).toBe('https://example.org/terms');
    expect(sor.content_type).toEqual(['CONTENT_TYPE_TEXT']);
    expect(sor.decision_facts).toContain('Repeated insults after a block.');
  });

  test('restrict maps to a partial service suspension; non-restricting decisions have no statement', () => {
    const base = unsafeReportFixture();
    const sor = buildDsaStatementOfReasons(unsafeReportFixture({ decision: { ...base.decision, action: 'restrict' } }));
    expect(check(sor)).toBe(true);
    expect(sor.decision_provision).toBe('DECISION_PROVISION_PARTIAL_SUSPENSION');
    for (const action of ['dismiss', 'warn', 'escalate'] as const) {
      expect(
        codeOf(() => buildDsaStatementOfReasons(unsafeReportFixture({ decision: { ...base.decision, action } }))),
      ).toBe('authority.bad_value');
    }
  });

  test('typed errors on missing or bad input', () => {
    const base = unsafeReportFixture();
    expect(
      codeOf(() =>
        buildDsaStatementOfReasons(
          unsafeReportFixture({
            decision: { ...base.decision, ground: { kind: 'illegal_content', legalGround: ' ', explanation: 'x' } },
          }),
        ),
      ),
    ).toBe('authority.missing_field');
    expect(
      codeOf(() => buildDsaStatementOfReasons(unsafeReportFixture({ decision: { ...base.decision, id: 'dec 1' } }))),
    ).toBe('authority.bad_value');
    expect(
      codeOf(() =>
        buildDsaStatementOfReasons(unsafeReportFixture({ decision: { ...base.decision, territorialScope: ['US'] } })),
      ),
    ).toBe('authority.bad_value');
    expect(
      codeOf(() =>
        buildDsaStatementOfReasons(
          unsafeReportFixture({ messages: base.messages.filter((m) => m.role !== 'reported') }),
        ),
      ),
    ).toBe('authority.missing_field');
  });

  test('the schema refuses what the API refuses', () => {
    const good = buildDsaStatementOfReasons(unsafeReportFixture());
    const { decision_account: _a, ...noRestriction } = good;
    expect(check(noRestriction)).toBe(false);
    const { illegal_content_legal_ground: _g, ...noGround } = good;
    expect(check(noGround)).toBe(false);
    expect(check({ ...good, incompatible_content_ground: 'x' })).toBe(false);
    expect(check({ ...good, puid: 'has space' })).toBe(false);
    expect(check({ ...good, category: 'STATEMENT_CATEGORY_SPAM' })).toBe(false);
    expect(check({ ...good, content_date: '20-11-2026' })).toBe(false);
    expect(check({ ...good, content_type: ['CONTENT_TYPE_OTHER'] })).toBe(false);
    expect(check({ ...good, decision_facts: 'x'.repeat(5001) })).toBe(false);
    expect(check({ ...good, unknown_field: 1 })).toBe(false);
  });
});
