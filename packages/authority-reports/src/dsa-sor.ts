/**
 * DSA Article 17 statement of reasons in the DSA Transparency Database API's JSON shape
 * (Art. 24(5): online platforms submit each statement to the Commission's database, where it is
 * PUBLISHED). So the statement carries no personal data and no reported content: only the kind of
 * restriction, the ground, the category, dates, and facts written for publication.
 */
import { describeBody, isoDate } from './content.js';
import type {
  DSA_AUTOMATED_DECISIONS,
  DSA_CATEGORIES,
  DSA_CONTENT_TYPES,
  DSA_DECISION_ACCOUNTS,
  DSA_DECISION_PROVISIONS,
  DSA_KEYWORDS,
} from './dsa-sor-schema.js';
import { DSA_TERRITORIES } from './dsa-sor-schema.js';
import { authorityError, checkLength, requireText } from './errors.js';
import type { AuthorityReportInput, ReportCategory } from './inputs.js';

type Of<T extends readonly unknown[]> = T[number];

/** The statement as the API's JSON body (only the fields Fulcrum fills). */
export interface DsaStatementOfReasons {
  decision_provision?: Of<typeof DSA_DECISION_PROVISIONS>;
  decision_account?: Of<typeof DSA_DECISION_ACCOUNTS>;
  account_type: 'ACCOUNT_TYPE_PRIVATE';
  category_specification: Of<typeof DSA_KEYWORDS>[];
  decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT' | 'DECISION_GROUND_INCOMPATIBLE_CONTENT';
  decision_ground_reference_url?: string;
  illegal_content_legal_ground?: string;
  illegal_content_explanation?: string;
  incompatible_content_ground?: string;
  incompatible_content_explanation?: string;
  incompatible_content_illegal?: 'Yes' | 'No';
  content_type: Of<typeof DSA_CONTENT_TYPES>[];
  content_type_other?: string;
  category: Of<typeof DSA_CATEGORIES>;
  territorial_scope: string[];
  content_date: string;
  application_date: string;
  end_date_account_restriction?: string;
  end_date_service_restriction?: string;
  decision_facts: string;
  source_type: 'SOURCE_ARTICLE_16';
  automated_detection: 'Yes' | 'No';
  automated_decision: Of<typeof DSA_AUTOMATED_DECISIONS>;
  puid: string;
}

/** Fulcrum report category → the database's category and its keyword. */
const CATEGORY: Record<ReportCategory, { category: Of<typeof DSA_CATEGORIES>; keyword?: Of<typeof DSA_KEYWORDS> }> = {
  child_sexual_exploitation: {
    category: 'STATEMENT_CATEGORY_PROTECTION_OF_MINORS',
    keyword: 'KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL',
  },
  grooming: {
    category: 'STATEMENT_CATEGORY_PROTECTION_OF_MINORS',
    keyword: 'KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS',
  },
  terrorism: { category: 'STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY', keyword: 'KEYWORD_TERRORIST_CONTENT' },
  threats: { category: 'STATEMENT_CATEGORY_CYBER_VIOLENCE', keyword: 'KEYWORD_CYBER_BULLYING_INTIMIDATION' },
  harassment: { category: 'STATEMENT_CATEGORY_CYBER_VIOLENCE', keyword: 'KEYWORD_CYBER_HARASSMENT' },
  spam: { category: 'STATEMENT_CATEGORY_OTHER_VIOLATION_TC' },
  other: { category: 'STATEMENT_CATEGORY_OTHER_VIOLATION_TC' },
};

const PUID = /^[a-zA-Z0-9_-]{1,500}$/;

/**
 * Build the statement for a restricting decision. `restrict` is a partial suspension of the
 * service, `suspend` a suspension and `ban` a termination of the account; `dismiss`, `warn` and
 * a bare `escalate` restrict nothing, so there is no statement (`authority.bad_value`).
 * `decision_facts` is the fixed, content-free description below plus the decision's
 * `publicFacts` only when moderation supplied text written for publication.
 */
export function buildDsaStatementOfReasons(
  input: AuthorityReportInput,
  options: { readonly publicFacts?: string } = {},
): DsaStatementOfReasons {
  const { decision, report, platform } = input;
  const puid = decision.id;
  if (!PUID.test(puid)) {
    throw authorityError('authority.bad_value', 'decision id is not a valid DSA puid ([A-Za-z0-9_-], ≤ 500)', {
      field: 'decision.id',
    });
  }
  const restriction: Pick<
    DsaStatementOfReasons,
    'decision_provision' | 'decision_account' | 'end_date_account_restriction' | 'end_date_service_restriction'
  > = {};
  switch (decision.action) {
    case 'restrict':
      restriction.decision_provision = 'DECISION_PROVISION_PARTIAL_SUSPENSION';
      if (decision.restrictionEndsAt !== null)
        restriction.end_date_service_restriction = isoDate(decision.restrictionEndsAt);
      break;
    case 'suspend':
      restriction.decision_account = 'DECISION_ACCOUNT_SUSPENDED';
      if (decision.restrictionEndsAt !== null)
        restriction.end_date_account_restriction = isoDate(decision.restrictionEndsAt);
      break;
    case 'ban':
      restriction.decision_account = 'DECISION_ACCOUNT_TERMINATED';
      break;
    default:
      throw authorityError(
        'authority.bad_value',
        `a ${decision.action} decision restricts nothing: no statement of reasons`,
        {
          field: 'decision.action',
        },
      );
  }

  const reported = input.messages.filter((m) => m.role === 'reported');
  if (reported.length === 0) {
    throw authorityError('authority.missing_field', 'the report has no reported message', { field: 'messages' });
  }
  const contentTypes = new Set<Of<typeof DSA_CONTENT_TYPES>>();
  let other = false;
  for (const m of reported) {
    const c = describeBody(m.body);
    if (c.kind === 'text') contentTypes.add('CONTENT_TYPE_TEXT');
    else if (c.kind === 'attachment') {
      const top = c.mediaType.split('/')[0]?.toLowerCase();
      if (top === 'image') contentTypes.add('CONTENT_TYPE_IMAGE');
      else if (top === 'video') contentTypes.add('CONTENT_TYPE_VIDEO');
      else if (top === 'audio') contentTypes.add('CONTENT_TYPE_AUDIO');
      else other = true;
    } else other = true;
  }
  if (other) contentTypes.add('CONTENT_TYPE_OTHER');
  const contentDate = Math.min(...reported.map((m) => m.serverTime));

  const mapped = CATEGORY[report.category];
  const facts = [
    `A recipient of the service reported ${reported.length} message(s) of a private, end-to-end encrypted ` +
      'conversation under the notice mechanism (Art. 16). The reporter revealed the messages; the platform ' +
      'verified them cryptographically (message franking) before a human moderator reviewed them.',
    options.publicFacts === undefined ? undefined : options.publicFacts,
  ]
    .filter((x): x is string => x !== undefined)
    .join(' ');

  const scope = decision.territorialScope.length === 0 ? [...DSA_TERRITORIES] : [...decision.territorialScope];
  for (const t of scope) {
    if (!(DSA_TERRITORIES as readonly string[]).includes(t)) {
      throw authorityError('authority.bad_value', `territorial scope ${t} is not an EEA state code`, {
        field: 'decision.territorialScope',
      });
    }
  }

  const ground: Partial<DsaStatementOfReasons> & Pick<DsaStatementOfReasons, 'decision_ground'> =
    decision.ground.kind === 'illegal_content'
      ? {
          decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
          illegal_content_legal_ground: checkLength(
            requireText(decision.ground.legalGround, 'decision.ground.legalGround'),
            500,
            'decision.ground.legalGround',
          ),
          illegal_content_explanation: checkLength(
            requireText(decision.ground.explanation, 'decision.ground.explanation'),
            2000,
            'decision.ground.explanation',
          ),
        }
      : {
          decision_ground: 'DECISION_GROUND_INCOMPATIBLE_CONTENT',
          incompatible_content_ground: checkLength(
            requireText(decision.ground.termsGround, 'decision.ground.termsGround'),
            500,
            'decision.ground.termsGround',
          ),
          incompatible_content_explanation: checkLength(
            requireText(decision.ground.explanation, 'decision.ground.explanation'),
            2000,
            'decision.ground.explanation',
          ),
          incompatible_content_illegal: decision.ground.alsoIllegal ? 'Yes' : 'No',
          ...(platform.termsUrl === undefined
            ? {}
            : { decision_ground_reference_url: checkLength(platform.termsUrl, 500, 'platform.termsUrl') }),
        };

  const statement: DsaStatementOfReasons = {
    ...restriction,
    account_type: 'ACCOUNT_TYPE_PRIVATE',
    category_specification: mapped.keyword === undefined ? [] : [mapped.keyword],
    ...ground,
    content_type: [...contentTypes].sort(),
    ...(other ? { content_type_other: 'Other message type or file' } : {}),
    category: mapped.category,
    territorial_scope: scope,
    content_date: isoDate(contentDate),
    application_date: isoDate(decision.decidedAt),
    decision_facts: checkLength(facts, 5000, 'decision_facts'),
    source_type: 'SOURCE_ARTICLE_16',
    automated_detection: decision.automatedDetection ? 'Yes' : 'No',
    automated_decision:
      decision.automatedDecision === 'fully'
        ? 'AUTOMATED_DECISION_FULLY'
        : decision.automatedDecision === 'partially'
          ? 'AUTOMATED_DECISION_PARTIALLY'
          : 'AUTOMATED_DECISION_NOT_AUTOMATED',
    puid,
  };
  return statement;
}
