import {
  type AppealIdParams,
  type ApproveRequest,
  type AssignRequest,
  type DecideAppealRequest,
  type DecideRequest,
  type DecisionIdParams,
  type FileAppealRequest,
  type ModQueueQuery,
  type ReportIdParams,
  routes,
  type StaffRoleRequest,
  wireError,
} from '@fulcrum/wire';
import type { FastifyInstance } from 'fastify';
import type { Tx } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { callerOf } from '../http/fields.js';
import { routeOptions } from '../http/route-options.js';
import type { NonceRecord } from '../store/nonces.js';
import { caseAuthorityReports } from './case-authority.js';
import type { ModerationService } from './service.js';
import { grantStaffRole, requireStaff, revokeStaffRole, staffRoles } from './staff.js';

/**
 * The moderation API (docs/protocol.md §Moderation): `/v1/mod/*` for staff (roles read on every
 * call, in the write's own transaction for writes), `POST /v1/appeals` and
 * `GET /v1/moderation/notices` for the affected account. Every write records the request's nonce
 * in its transaction, like the rest of the API.
 */
export function moderationRoutes(app: FastifyInstance, ctx: AppContext, service: ModerationService): void {
  const now = () => ctx.config.clock.now();
  const write = <T>(options: { nonce: NonceRecord }, run: (tx: Tx) => Promise<T>): Promise<T> =>
    ctx.writer.submit(run, options);

  const adminStaffChange =
    (grant: boolean) => async (request: { body: StaffRoleRequest }, caller: ReturnType<typeof callerOf>) =>
      write({ nonce: caller.nonce }, async (tx) => {
        const staff = await requireStaff(tx.db, caller.accountId);
        if (!staff.roles.has('admin'))
          throw wireError('moderation.role_required', 'granting roles needs the admin role');
        const input = { accountId: request.body.accountId, role: request.body.role, by: caller.accountId, now: now() };
        const roles = grant ? await grantStaffRole(tx, input) : await revokeStaffRole(tx, input);
        return { accountId: request.body.accountId, roles };
      });

  app.post<{ Body: StaffRoleRequest }>(
    routes.grantStaffRole.path,
    routeOptions(routes.grantStaffRole, { recordsNonceInWrite: true }),
    async (request) => adminStaffChange(true)(request, callerOf(request)),
  );
  app.post<{ Body: StaffRoleRequest }>(
    routes.revokeStaffRole.path,
    routeOptions(routes.revokeStaffRole, { recordsNonceInWrite: true }),
    async (request) => adminStaffChange(false)(request, callerOf(request)),
  );

  // What the caller is (for a staff console to decide what to show): never refused, may be empty.
  app.get(routes.modMe.path, routeOptions(routes.modMe), async (request) => {
    const { accountId } = callerOf(request);
    return { accountId, roles: await staffRoles(ctx.db.kysely, accountId) };
  });

  app.get<{ Querystring: ModQueueQuery }>(routes.modQueue.path, routeOptions(routes.modQueue), async (request) => ({
    cases: await service.queue(ctx.db.kysely, callerOf(request).accountId, request.query),
  }));

  app.get<{ Params: ReportIdParams }>(routes.modCase.path, routeOptions(routes.modCase), async (request) =>
    service.caseView(ctx.db.kysely, callerOf(request).accountId, request.params.reportId),
  );

  app.get<{ Params: ReportIdParams }>(
    routes.modCaseAuthority.path,
    routeOptions(routes.modCaseAuthority),
    async (request) => caseAuthorityReports(ctx.db.kysely, callerOf(request).accountId, request.params.reportId),
  );

  app.post<{ Params: ReportIdParams }>(
    routes.modReveal.path,
    routeOptions(routes.modReveal, { recordsNonceInWrite: true }),
    async (request) => {
      const caller = callerOf(request);
      return write({ nonce: caller.nonce }, (tx) =>
        service.reveal(tx, caller.accountId, request.params.reportId, now()),
      );
    },
  );

  app.post<{ Params: ReportIdParams }>(
    routes.modClaim.path,
    routeOptions(routes.modClaim, { recordsNonceInWrite: true }),
    async (request) => {
      const caller = callerOf(request);
      return write({ nonce: caller.nonce }, (tx) =>
        service.claim(tx, caller.accountId, request.params.reportId, now()),
      );
    },
  );

  app.post<{ Params: ReportIdParams }>(
    routes.modRelease.path,
    routeOptions(routes.modRelease, { recordsNonceInWrite: true }),
    async (request) => {
      const caller = callerOf(request);
      return write({ nonce: caller.nonce }, (tx) =>
        service.release(tx, caller.accountId, request.params.reportId, now()),
      );
    },
  );

  app.post<{ Params: ReportIdParams; Body: AssignRequest }>(
    routes.modAssign.path,
    routeOptions(routes.modAssign, { recordsNonceInWrite: true }),
    async (request) => {
      const caller = callerOf(request);
      return write({ nonce: caller.nonce }, (tx) =>
        service.assign(tx, caller.accountId, request.params.reportId, request.body.accountId, now()),
      );
    },
  );

  app.post<{ Params: ReportIdParams; Body: DecideRequest }>(
    routes.modDecide.path,
    routeOptions(routes.modDecide, { recordsNonceInWrite: true }),
    async (request, reply) => {
      const caller = callerOf(request);
      const decision = await write({ nonce: caller.nonce }, (tx) =>
        service.decide(tx, caller.accountId, request.params.reportId, request.body, now()),
      );
      return reply.code(routes.modDecide.status).send(decision);
    },
  );

  app.post<{ Params: DecisionIdParams; Body: ApproveRequest }>(
    routes.modApprove.path,
    routeOptions(routes.modApprove, { recordsNonceInWrite: true }),
    async (request) => {
      const caller = callerOf(request);
      return write({ nonce: caller.nonce }, (tx) =>
        service.approve(tx, caller.accountId, request.params.decisionId, request.body, now()),
      );
    },
  );

  app.get(routes.modAppeals.path, routeOptions(routes.modAppeals), async (request) => ({
    appeals: await service.openAppeals(ctx.db.kysely, callerOf(request).accountId),
  }));

  app.post<{ Params: AppealIdParams; Body: DecideAppealRequest }>(
    routes.modDecideAppeal.path,
    routeOptions(routes.modDecideAppeal, { recordsNonceInWrite: true }),
    async (request) => {
      const caller = callerOf(request);
      return write({ nonce: caller.nonce }, (tx) =>
        service.decideAppeal(tx, caller.accountId, request.params.appealId, request.body, now()),
      );
    },
  );

  app.post<{ Body: FileAppealRequest }>(
    routes.fileAppeal.path,
    routeOptions(routes.fileAppeal, { recordsNonceInWrite: true }),
    async (request, reply) => {
      const caller = callerOf(request);
      const appeal = await write({ nonce: caller.nonce }, (tx) =>
        service.fileAppeal(tx, caller.accountId, request.body, now()),
      );
      return reply.code(routes.fileAppeal.status).send(appeal);
    },
  );

  app.get(routes.listNotices.path, routeOptions(routes.listNotices), async (request) => ({
    notices: await service.notices(ctx.db.kysely, callerOf(request).accountId),
  }));
}
