// @fulcrum/e2ee: ts-mls wrapper: identities, key packages, groups, state (de)serialisation, attachments
export {};
