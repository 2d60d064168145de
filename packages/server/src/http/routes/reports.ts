import { type CreateReportRequest, errorStatus, routes } from '@fulcrum/wire';
import type { FastifyInstance } from 'fastify';
import { takeReport } from '../../reports/intake.js';
import { countReportRejection } from '../../reports/store.js';
import type { AppContext } from '../context.js';
import { toWireError } from '../errors.js';
import { callerOf } from '../fields.js';
import { routeOptions } from '../route-options.js';

/** Report intake (docs/protocol.md §Reports). */
export function reportRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post<{ Body: CreateReportRequest }>(routes.createReport.path, {
    ...routeOptions(routes.createReport, { recordsNonceInWrite: true }),
    // Every refused report from an authenticated device is counted by its code (forgeries,
    // replays, malformed or oversized reports), in a transaction of its own: the refusal itself
    // changed nothing. Unauthenticated refusals are not counted (anyone could inflate them).
    onError: async (request, _reply, err) => {
      if (request.auth === undefined) return;
      const code = toWireError(err).code;
      const status = errorStatus(code);
      if (status >= 500 || code.startsWith('auth.') || code === 'rate.limited') return;
      const now = ctx.config.clock.now();
      await ctx.writer.submit((tx) => countReportRejection(tx, code, now)).catch(() => undefined);
    },
    handler: async (request, reply) => {
      const caller = callerOf(request);
      const result = await takeReport(
        {
          db: ctx.db,
          writer: ctx.writer,
          attachments: ctx.attachments,
          keyring: await ctx.franking.keyring(),
          reportWindowMs: ctx.franking.options.reportWindowMs,
          retentionMs: ctx.config.evidence.retentionMs,
          attachmentMaxBytes: ctx.config.attachmentMaxBytes,
        },
        {
          reporterAccountId: caller.accountId,
          reporterDeviceId: caller.deviceId,
          request: request.body,
          now: ctx.config.clock.now(),
          nonce: caller.nonce,
        },
      );
      return reply.code(routes.createReport.status).send(result);
    },
  });
}
