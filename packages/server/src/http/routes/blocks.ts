import { type BlockRequest, routes } from '@fulcrum/wire';
import type { FastifyInstance } from 'fastify';
import { blockAccount, deleteBlock, listBlocks } from '../../reports/blocks.js';
import type { AppContext } from '../context.js';
import { callerOf } from '../fields.js';
import { routeOptions } from '../route-options.js';

/**
 * The caller's own blocks (docs/protocol.md §Blocking): list, block, unblock. Every one acts on
 * the calling device's account as blocker, so no request can name, see or lift another
 * account's block. Writes record the request's nonce in their transaction.
 */
export function blockRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(routes.listBlocks.path, routeOptions(routes.listBlocks), async (request) => {
    const { accountId } = callerOf(request);
    return { blocks: await listBlocks(ctx.db.kysely, accountId) };
  });

  app.post<{ Body: BlockRequest }>(
    routes.block.path,
    routeOptions(routes.block, { recordsNonceInWrite: true }),
    async (request, reply) => {
      const caller = callerOf(request);
      const blockedAccountId = request.body.accountId;
      const result = await ctx.writer.submit(
        (tx) => blockAccount(tx, { blockerAccountId: caller.accountId, blockedAccountId, now: ctx.config.clock.now() }),
        { nonce: caller.nonce },
      );
      return reply.code(routes.block.status).send({ accountId: blockedAccountId, ...result });
    },
  );

  app.post<{ Body: BlockRequest }>(
    routes.unblock.path,
    routeOptions(routes.unblock, { recordsNonceInWrite: true }),
    async (request) => {
      const caller = callerOf(request);
      const blockedAccountId = request.body.accountId;
      const removed = await ctx.writer.submit(
        (tx) => deleteBlock(tx, { blockerAccountId: caller.accountId, blockedAccountId }),
        { nonce: caller.nonce },
      );
      return { accountId: blockedAccountId, removed };
    },
  );
}
