import { type AckRequest, LIMITS, type QueueQuery, routes } from '@fulcrum/wire';
import type { FastifyInstance } from 'fastify';
import { ackQueue, fetchQueue } from '../../store/queue.js';
import { routeOptions } from '../route-options.js';
import type { AppContext } from '../context.js';
import { callerOf } from '../fields.js';

/** The per-device durable queue (docs/protocol.md §Delivery queue). */
export function queueRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Querystring: QueueQuery }>(routes.fetchQueue.path, routeOptions(routes.fetchQueue), async (request) => ({
    items: await fetchQueue(
      ctx.db.kysely,
      callerOf(request).deviceId,
      request.query.after ?? 0,
      request.query.limit ?? LIMITS.queuePageDefault,
    ),
  }));

  app.post<{ Body: AckRequest }>(
    routes.ackQueue.path,
    routeOptions(routes.ackQueue, { recordsNonceInWrite: true }),
    async (request) => {
      const caller = callerOf(request);
      const acked = await ctx.writer.submit((tx) => ackQueue(tx, caller.deviceId, request.body.upTo), {
        nonce: caller.nonce,
      });
      return { acked };
    },
  );
}
