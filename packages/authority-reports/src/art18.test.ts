/** Art. 18 notification: built notifications validate against our schema; typed refusals. */
import { isFulcrumError } from '@fulcrum/common';
import { Ajv } from 'ajv';
import { describe, expect, test } from 'vitest';
import { ART18_NOTIFICATION_SCHEMA, buildArt18Notification } from './art18.js';
import { T0, unsafeReportFixture } from './report.fixture.js';

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const validate = ajv.compile(ART18_NOTIFICATION_SCHEMA as unknown as object);

describe('Art. 18 notification', () => {
  test('builds a notification that validates, with the suspicion, persons and evidence', () => {
    const n = buildArt18Notification(unsafeReportFixture(), {
      notificationId: 'art18_rpt_1',
      createdAt: T0,
      memberStates: ['IE'],
    });
    expect(validate(n), JSON.stringify(validate.errors)).toBe(true);
    expect(n.personsConcerned[0]).toEqual({
      role: 'suspected_offender',
      accountId: 'acc_offender',
      displayName: 'Offender',
    });
    expect(n.informationGivingRiseToSuspicion.messages.map((m) => m.content.kind)).toEqual(['text', 'file']);
    expect(n.evidence[0]).toMatchObject({ sha256: 'ab'.repeat(32), md5: 'ef'.repeat(16), pdq: 'f'.repeat(64) });
    expect(n.provider.contactPoint).toEqual({ name: 'Trust Safety', email: 'safety@example.org' });
  });

  test('categories without a threat to life or safety are refused', () => {
    const base = unsafeReportFixture();
    for (const category of ['spam', 'harassment', 'other'] as const) {
      try {
        buildArt18Notification(unsafeReportFixture({ report: { ...base.report, category } }), {
          notificationId: 'x',
          createdAt: T0,
        });
        expect.unreachable();
      } catch (e) {
        expect(isFulcrumError(e, 'authority.unsupported_category')).toBe(true);
      }
    }
  });

  test('the schema refuses a notification without a reported message or with a bad hash', () => {
    const n = buildArt18Notification(unsafeReportFixture(), { notificationId: 'n1', createdAt: T0 });
    const noReported = {
      ...n,
      informationGivingRiseToSuspicion: {
        ...n.informationGivingRiseToSuspicion,
        messages: n.informationGivingRiseToSuspicion.messages.filter((m) => m.role !== 'reported'),
      },
    };
    expect(validate(noReported)).toBe(false);
    expect(validate({ ...n, evidence: [{ ...n.evidence[0], md5: 'zz' }] })).toBe(false);
    expect(validate({ ...n, format: 'other' })).toBe(false);
  });
});
