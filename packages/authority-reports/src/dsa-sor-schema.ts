/**
 * A JSON Schema (draft-07) for a DSA Article 17 statement of reasons as the DSA Transparency
 * Database API takes it (`POST https://transparency.dsa.ec.europa.eu/api/v1/statement`).
 *
 * NOT an official schema: the Commission publishes no JSON Schema. Written by the Fulcrum project
 * from the API documentation (https://transparency.dsa.ec.europa.eu/page/api-documentation and
 * .../page/additional-explanation-for-statement-attributes) and the database's own request
 * validation rules (github.com/digital-services-act/transparency-database,
 * app/Http/Requests/StatementStoreRequest.php; enum values from app/Models/Statement.php and
 * app/Services/EuropeanCountriesService.php, read at commit 69e80a0, June 2026). Where the two
 * differ, the validation rules win: they are what the API enforces. Not modelled: `content_id`
 * (EAN-13 for products) and `content_language` (Fulcrum cannot know it without reading content).
 */

/** Enum values the API accepts (the keys of the database's constant arrays). */
export const DSA_DECISION_VISIBILITIES = [
  'DECISION_VISIBILITY_CONTENT_REMOVED',
  'DECISION_VISIBILITY_CONTENT_DISABLED',
  'DECISION_VISIBILITY_CONTENT_DEMOTED',
  'DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED',
  'DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED',
  'DECISION_VISIBILITY_CONTENT_LABELLED',
  'DECISION_VISIBILITY_OTHER',
] as const;
export const DSA_DECISION_MONETARIES = [
  'DECISION_MONETARY_SUSPENSION',
  'DECISION_MONETARY_TERMINATION',
  'DECISION_MONETARY_OTHER',
] as const;
export const DSA_DECISION_PROVISIONS = [
  'DECISION_PROVISION_PARTIAL_SUSPENSION',
  'DECISION_PROVISION_TOTAL_SUSPENSION',
  'DECISION_PROVISION_PARTIAL_TERMINATION',
  'DECISION_PROVISION_TOTAL_TERMINATION',
] as const;
export const DSA_DECISION_ACCOUNTS = ['DECISION_ACCOUNT_SUSPENDED', 'DECISION_ACCOUNT_TERMINATED'] as const;
export const DSA_ACCOUNT_TYPES = ['ACCOUNT_TYPE_BUSINESS', 'ACCOUNT_TYPE_PRIVATE'] as const;
export const DSA_DECISION_GROUNDS = [
  'DECISION_GROUND_ILLEGAL_CONTENT',
  'DECISION_GROUND_INCOMPATIBLE_CONTENT',
] as const;
export const DSA_CONTENT_TYPES = [
  'CONTENT_TYPE_APP',
  'CONTENT_TYPE_AUDIO',
  'CONTENT_TYPE_IMAGE',
  'CONTENT_TYPE_PRODUCT',
  'CONTENT_TYPE_SYNTHETIC_MEDIA',
  'CONTENT_TYPE_TEXT',
  'CONTENT_TYPE_VIDEO',
  'CONTENT_TYPE_OTHER',
] as const;
export const DSA_CATEGORIES = [
  'STATEMENT_CATEGORY_ANIMAL_WELFARE',
  'STATEMENT_CATEGORY_CONSUMER_INFORMATION',
  'STATEMENT_CATEGORY_CYBER_VIOLENCE',
  'STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN',
  'STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS',
  'STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH',
  'STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS',
  'STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS',
  'STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE',
  'STATEMENT_CATEGORY_OTHER_VIOLATION_TC',
  'STATEMENT_CATEGORY_PROTECTION_OF_MINORS',
  'STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY',
  'STATEMENT_CATEGORY_SCAMS_AND_FRAUD',
  'STATEMENT_CATEGORY_SELF_HARM',
  'STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS',
  'STATEMENT_CATEGORY_VIOLENCE',
] as const;
export const DSA_KEYWORDS = [
  'KEYWORD_ADULT_SEXUAL_MATERIAL',
  'KEYWORD_AGE_SPECIFIC_RESTRICTIONS',
  'KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS',
  'KEYWORD_ANIMAL_HARM',
  'KEYWORD_BIOMETRIC_DATA_BREACH',
  'KEYWORD_BULLYING_AGAINST_GIRLS',
  'KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL',
  'KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE',
  'KEYWORD_CONTENT_PROMOTING_EATING_DISORDERS',
  'KEYWORD_COORDINATED_HARM',
  'KEYWORD_COPYRIGHT_INFRINGEMENT',
  'KEYWORD_CYBER_BULLYING_INTIMIDATION',
  'KEYWORD_CYBER_HARASSMENT',
  'KEYWORD_CYBER_HARASSMENT_AGAINST_WOMEN',
  'KEYWORD_CYBER_INCITEMENT',
  'KEYWORD_CYBER_STALKING',
  'KEYWORD_CYBER_STALKING_AGAINST_WOMEN',
  'KEYWORD_DATA_FALSIFICATION',
  'KEYWORD_DEFAMATION',
  'KEYWORD_DESIGN_INFRINGEMENT',
  'KEYWORD_DISCRIMINATION',
  'KEYWORD_FEMALE_GENDERED_DISINFORMATION',
  'KEYWORD_GEOGRAPHIC_INDICATIONS_INFRINGEMENT',
  'KEYWORD_GEOGRAPHICAL_REQUIREMENTS',
  'KEYWORD_GOODS_SERVICES_NOT_PERMITTED',
  'KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS',
  'KEYWORD_HATE_SPEECH',
  'KEYWORD_HIDDEN_ADVERTISEMENT',
  'KEYWORD_HUMAN_EXPLOITATION',
  'KEYWORD_HUMAN_TRAFFICKING',
  'KEYWORD_ILLEGAL_ORGANIZATIONS',
  'KEYWORD_IMPERSONATION_ACCOUNT_HIJACKING',
  'KEYWORD_INAUTHENTIC_ACCOUNTS',
  'KEYWORD_INAUTHENTIC_LISTINGS',
  'KEYWORD_INAUTHENTIC_USER_REVIEWS',
  'KEYWORD_INCITEMENT_AGAINST_WOMEN',
  'KEYWORD_INCITEMENT_VIOLENCE_HATRED',
  'KEYWORD_INSUFFICIENT_INFORMATION_ON_TRADERS',
  'KEYWORD_LANGUAGE_REQUIREMENTS',
  'KEYWORD_MISINFORMATION_DISINFORMATION',
  'KEYWORD_MISLEADING_INFO_CONSUMER_RIGHTS',
  'KEYWORD_MISLEADING_INFO_GOODS_SERVICES',
  'KEYWORD_MISSING_PROCESSING_GROUND',
  'KEYWORD_NON_CONSENSUAL_IMAGE_SHARING',
  'KEYWORD_NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN',
  'KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE',
  'KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN',
  'KEYWORD_NONCOMPLIANCE_PRICING',
  'KEYWORD_NUDITY',
  'KEYWORD_PATENT_INFRINGEMENT',
  'KEYWORD_PHISHING',
  'KEYWORD_PROHIBITED_PRODUCTS',
  'KEYWORD_PYRAMID_SCHEMES',
  'KEYWORD_RIGHT_TO_BE_FORGOTTEN',
  'KEYWORD_RISK_ENVIRONMENTAL_DAMAGE',
  'KEYWORD_RISK_PUBLIC_HEALTH',
  'KEYWORD_SELF_MUTILATION',
  'KEYWORD_STALKING',
  'KEYWORD_SUICIDE',
  'KEYWORD_TERRORIST_CONTENT',
  'KEYWORD_TRADE_SECRET_INFRINGEMENT',
  'KEYWORD_TRADEMARK_INFRINGEMENT',
  'KEYWORD_TRAFFICKING_WOMEN_GIRLS',
  'KEYWORD_UNLAWFUL_SALE_ANIMALS',
  'KEYWORD_UNSAFE_CHALLENGES',
  'KEYWORD_UNSAFE_PRODUCTS',
  'KEYWORD_VIOLATION_EU_LAW',
  'KEYWORD_VIOLATION_NATIONAL_LAW',
  'KEYWORD_OTHER',
] as const;
export const DSA_SOURCE_TYPES = [
  'SOURCE_ARTICLE_16',
  'SOURCE_TRUSTED_FLAGGER',
  'SOURCE_TYPE_OTHER_NOTIFICATION',
  'SOURCE_VOLUNTARY',
] as const;
export const DSA_AUTOMATED_DECISIONS = [
  'AUTOMATED_DECISION_FULLY',
  'AUTOMATED_DECISION_PARTIALLY',
  'AUTOMATED_DECISION_NOT_AUTOMATED',
] as const;
/** EEA member states (EU 27 + IS, LI, NO) as the API lists them. */
export const DSA_TERRITORIES = [
  'AT',
  'BE',
  'BG',
  'CY',
  'CZ',
  'DE',
  'DK',
  'EE',
  'ES',
  'FI',
  'FR',
  'GR',
  'HR',
  'HU',
  'IE',
  'IS',
  'IT',
  'LI',
  'LT',
  'LU',
  'LV',
  'MT',
  'NL',
  'NO',
  'PL',
  'PT',
  'RO',
  'SE',
  'SI',
  'SK',
] as const;

const YES_NO = ['Yes', 'No'] as const;
const DATE = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;

export const DSA_STATEMENT_OF_REASONS_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://fulcrum.invalid/schemas/dsa-statement-of-reasons.json',
  title: 'DSA Art. 17 statement of reasons (DSA Transparency Database API shape; written by Fulcrum, not official)',
  type: 'object',
  additionalProperties: false,
  required: [
    'decision_ground',
    'content_type',
    'category',
    'content_date',
    'application_date',
    'decision_facts',
    'source_type',
    'automated_detection',
    'automated_decision',
    'puid',
  ],
  // At least one of the four restriction kinds (required_without_all in the API's rules).
  anyOf: [
    { required: ['decision_visibility'] },
    { required: ['decision_monetary'] },
    { required: ['decision_provision'] },
    { required: ['decision_account'] },
  ],
  properties: {
    decision_visibility: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: DSA_DECISION_VISIBILITIES } },
    decision_visibility_other: text(500),
    decision_monetary: { enum: DSA_DECISION_MONETARIES },
    decision_monetary_other: text(500),
    decision_provision: { enum: DSA_DECISION_PROVISIONS },
    decision_account: { enum: DSA_DECISION_ACCOUNTS },
    account_type: { enum: DSA_ACCOUNT_TYPES },
    category_specification: { type: 'array', uniqueItems: true, items: { enum: DSA_KEYWORDS } },
    category_specification_other: { type: 'string', maxLength: 500 },
    decision_ground: { enum: DSA_DECISION_GROUNDS },
    decision_ground_reference_url: { type: 'string', maxLength: 500, pattern: '^https?://' },
    illegal_content_legal_ground: text(500),
    illegal_content_explanation: text(2000),
    incompatible_content_ground: text(500),
    incompatible_content_explanation: text(2000),
    incompatible_content_illegal: { enum: YES_NO },
    content_type: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: DSA_CONTENT_TYPES } },
    content_type_other: text(500),
    category: { enum: DSA_CATEGORIES },
    category_addition: { type: 'array', uniqueItems: true, items: { enum: DSA_CATEGORIES } },
    territorial_scope: { type: 'array', uniqueItems: true, items: { enum: DSA_TERRITORIES } },
    content_date: { type: 'string', pattern: DATE },
    application_date: { type: 'string', pattern: DATE },
    end_date_account_restriction: { type: 'string', pattern: DATE },
    end_date_monetary_restriction: { type: 'string', pattern: DATE },
    end_date_service_restriction: { type: 'string', pattern: DATE },
    end_date_visibility_restriction: { type: 'string', pattern: DATE },
    decision_facts: text(5000),
    source_type: { enum: DSA_SOURCE_TYPES },
    source_identity: { type: 'string', maxLength: 500 },
    automated_detection: { enum: YES_NO },
    automated_decision: { enum: DSA_AUTOMATED_DECISIONS },
    puid: { type: 'string', minLength: 1, maxLength: 500, pattern: '^[a-zA-Z0-9_-]+$' },
  },
  allOf: [
    // required_if / exclude_unless decision_ground (the API drops excluded fields; we refuse them).
    {
      if: { properties: { decision_ground: { const: 'DECISION_GROUND_ILLEGAL_CONTENT' } } },
      // biome-ignore lint/suspicious/noThenProperty: `then` is a JSON Schema keyword
      then: {
        required: ['illegal_content_legal_ground', 'illegal_content_explanation'],
        not: {
          anyOf: [
            { required: ['incompatible_content_ground'] },
            { required: ['incompatible_content_explanation'] },
            { required: ['incompatible_content_illegal'] },
          ],
        },
      },
    },
    {
      if: { properties: { decision_ground: { const: 'DECISION_GROUND_INCOMPATIBLE_CONTENT' } } },
      // biome-ignore lint/suspicious/noThenProperty: `then` is a JSON Schema keyword
      then: {
        required: ['incompatible_content_ground', 'incompatible_content_explanation'],
        not: { anyOf: [{ required: ['illegal_content_legal_ground'] }, { required: ['illegal_content_explanation'] }] },
      },
    },
    {
      if: {
        properties: { content_type: { type: 'array', contains: { const: 'CONTENT_TYPE_OTHER' } } },
        required: ['content_type'],
      },
      // biome-ignore lint/suspicious/noThenProperty: `then` is a JSON Schema keyword
      then: { required: ['content_type_other'] },
      else: { not: { required: ['content_type_other'] } },
    },
    {
      if: {
        properties: { decision_visibility: { type: 'array', contains: { const: 'DECISION_VISIBILITY_OTHER' } } },
        required: ['decision_visibility'],
      },
      // biome-ignore lint/suspicious/noThenProperty: `then` is a JSON Schema keyword
      then: { required: ['decision_visibility_other'] },
      else: { not: { required: ['decision_visibility_other'] } },
    },
    {
      if: { properties: { decision_monetary: { const: 'DECISION_MONETARY_OTHER' } }, required: ['decision_monetary'] },
      // biome-ignore lint/suspicious/noThenProperty: `then` is a JSON Schema keyword
      then: { required: ['decision_monetary_other'] },
      else: { not: { required: ['decision_monetary_other'] } },
    },
    {
      if: { properties: { source_type: { const: 'SOURCE_VOLUNTARY' } } },
      // biome-ignore lint/suspicious/noThenProperty: `then` is a JSON Schema keyword
      then: { not: { required: ['source_identity'] } },
    },
  ],
} as const;
