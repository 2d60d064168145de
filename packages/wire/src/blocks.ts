import { type Static, Type } from '@sinclair/typebox';
import { AccountId, AccountName, TimeMs } from './ids.js';

/** Sizes of an account's block list (docs/protocol.md §Blocking). */
export const BLOCK_LIMITS = {
  /**
   * Accounts one account may block. Bounds the list answer (about 100 bytes an entry) so it is
   * served whole, without paging; a block past it is `block.too_many` (a report's `blockSender`
   * then answers `blocked: false`).
   */
  perAccount: 1000,
} as const;

const strict = { additionalProperties: false } as const;

/** `POST /v1/blocks` and `POST /v1/blocks/remove`: the account to block or unblock. */
export const BlockRequest = Type.Object({ accountId: AccountId }, strict);
export type BlockRequest = Static<typeof BlockRequest>;

/** `POST /v1/blocks`: the block in force (`created`: false when it already was; `blockedAt` is the first time). */
export const BlockResponse = Type.Object({ accountId: AccountId, blockedAt: TimeMs, created: Type.Boolean() }, strict);
export type BlockResponse = Static<typeof BlockResponse>;

/** `POST /v1/blocks/remove`: `removed` is false when the caller did not block the account (nothing changed). */
export const UnblockResponse = Type.Object({ accountId: AccountId, removed: Type.Boolean() }, strict);
export type UnblockResponse = Static<typeof UnblockResponse>;

/** One account the caller blocks, with its name (the key directory's, public to every device). */
export const BlockedAccount = Type.Object({ accountId: AccountId, name: AccountName, blockedAt: TimeMs }, strict);
export type BlockedAccount = Static<typeof BlockedAccount>;

/** `GET /v1/blocks`: every account the caller's account blocks, most recent first. */
export const BlocksResponse = Type.Object(
  { blocks: Type.Array(BlockedAccount, { maxItems: BLOCK_LIMITS.perAccount }) },
  strict,
);
export type BlocksResponse = Static<typeof BlocksResponse>;
