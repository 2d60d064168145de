import {
  type CommitRequest,
  type CreateGroupRequest,
  type GroupIdParams,
  routes,
  type SendMessageRequest,
  wireError,
} from '@fulcrum/wire';
import type { FastifyInstance } from 'fastify';
import { applyCommit, createGroup, getGroup } from '../../store/groups.js';
import { refuseRestricted } from '../../moderation/sanctions.js';
import { routeOptions } from '../route-options.js';
import type { AppContext } from '../context.js';
import { callerOf, fieldBytes } from '../fields.js';
import { submitSend } from '../send-message.js';

/** Groups: creation, roster, ordered commits and messages (docs/protocol.md §Groups). */
export function groupRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post<{ Body: CreateGroupRequest }>(
    routes.createGroup.path,
    routeOptions(routes.createGroup, { recordsNonceInWrite: true }),
    async (request, reply) => {
      const caller = callerOf(request);
      fieldBytes(request.body.groupId, '/groupId');
      const now = ctx.config.clock.now();
      await refuseRestricted(ctx.db.kysely, caller.accountId, now); // moderation: restricted accounts
      await ctx.writer.submit(
        (tx) => createGroup(tx, { groupId: request.body.groupId, creatorDeviceId: caller.deviceId, now }),
        { nonce: caller.nonce },
      );
      return reply.code(routes.createGroup.status).send({ groupId: request.body.groupId, epoch: 0 });
    },
  );

  app.get<{ Params: GroupIdParams }>(routes.getGroup.path, routeOptions(routes.getGroup), async (request) =>
    getGroup(ctx.db.kysely, request.params.groupId, callerOf(request).deviceId),
  );

  app.post<{ Params: GroupIdParams; Body: CommitRequest }>(
    routes.commit.path,
    routeOptions(routes.commit, { recordsNonceInWrite: true }),
    async (request) => {
      const caller = callerOf(request);
      const groupIdBytes = fieldBytes(request.params.groupId, '/groupId');
      const commit = fieldBytes(request.body.commit, '/commit');
      fieldBytes(request.body.clientMessageId, '/clientMessageId');
      const { epoch } = ctx.mls.readCommit(commit, groupIdBytes);
      if (request.body.addedDevices.length > 0) {
        await refuseRestricted(ctx.db.kysely, caller.accountId, ctx.config.clock.now()); // moderation
      }
      let welcome: Uint8Array | undefined;
      if (request.body.welcome !== undefined) {
        welcome = fieldBytes(request.body.welcome, '/welcome');
        const { recipients } = ctx.mls.readWelcome(welcome);
        // A Welcome carries one encrypted secret per joining leaf (RFC 9420 §12.4.3.1).
        if (recipients !== request.body.addedDevices.length) {
          throw wireError('group.roster_mismatch', 'the Welcome is not encrypted to exactly the added devices', {
            welcomeRecipients: recipients,
          });
        }
      }
      const now = ctx.config.clock.now();
      return ctx.writer.submit(
        (tx) =>
          applyCommit(tx, {
            groupId: request.params.groupId,
            senderDeviceId: caller.deviceId,
            clientMessageId: request.body.clientMessageId,
            commitEpoch: epoch,
            commit,
            welcome,
            addedDevices: request.body.addedDevices,
            removedDevices: request.body.removedDevices,
            now,
          }),
        { nonce: caller.nonce },
      );
    },
  );

  app.post<{ Params: GroupIdParams; Body: SendMessageRequest }>(
    routes.sendMessage.path,
    routeOptions(routes.sendMessage, { recordsNonceInWrite: true }),
    async (request) => {
      const caller = callerOf(request);
      return submitSend(ctx, caller, request.params.groupId, request.body);
    },
  );
}
