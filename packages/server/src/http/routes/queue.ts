import { type AckRequest, LIMITS, type QueueQuery, routes } from '@fulcrum/wire';
import type { FastifyInstance } from 'fastify';
import { ackQueue, fetchQueue } from '../../store/queue.js';
import type { AppContext } from '../context.js';
import { callerOf } from '../fields.js';

/** The per-device durable queue (docs/protocol.md §Delivery queue). */
export function queueRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Querystring: QueueQuery }>(
    routes.fetchQueue.path,
    { config: { spec: routes.fetchQueue } },
    async (request) => ({
      items: await fetchQueue(
        ctx.db.kysely,
        callerOf(request).deviceId,
        request.query.after ?? 0,
        request.query.limit ?? LIMITS.queuePageDefault,
      ),
    }),
  );

  app.post<{ Body: AckRequest }>(
    routes.ackQueue.path,
    { config: { spec: routes.ackQueue, recordsNonceInWrite: true }, bodyLimit: routes.ackQueue.bodyLimit },
    async (request) => {
      const caller = callerOf(request);
      const acked = await ctx.writer.submit((tx) => ackQueue(tx, caller.deviceId, request.body.upTo), {
        nonce: caller.nonce,
      });
      return { acked };
    },
  );
}
