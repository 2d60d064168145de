import {
  type AccountIdParams,
  type AccountNameParams,
  type AddDeviceRequest,
  type CreateAccountRequest,
  type DeviceIdParams,
  type RevokeDeviceRequest,
  routes,
  verifyDeviceRevocation,
  wireError,
} from '@fulcrum/wire';
import type { FastifyInstance } from 'fastify';
import { addDevice, createAccount, getAccount, getIdentityKey, revokeDevice } from '../../store/accounts.js';
import { routeOptions } from '../route-options.js';
import type { AppContext } from '../context.js';
import { callerOf, fieldBytes } from '../fields.js';

/** Accounts and devices: the key directory (docs/protocol.md §Accounts and devices). */
export function accountRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post<{ Body: CreateAccountRequest }>(
    routes.createAccount.path,
    routeOptions(routes.createAccount),
    async (request, reply) => {
      const identityKey = fieldBytes(request.body.identityKey, '/identityKey');
      const certificate = fieldBytes(request.body.deviceCertificate, '/deviceCertificate');
      const cert = ctx.mls.checkCertificate(certificate, identityKey);
      const now = ctx.config.clock.now();
      await ctx.writer.submit(async (tx) => {
        await createAccount(tx, {
          accountId: cert.accountId,
          name: request.body.name,
          identityKey,
          device: { deviceId: cert.deviceId, accountId: cert.accountId, certificate, requestKey: cert.requestKey },
          now,
        });
        // Key transparency: logged in the same transaction (docs/protocol.md §/log/).
        await ctx.log.kt.accountCreated(tx, {
          accountId: cert.accountId,
          name: request.body.name,
          identityKey,
          deviceId: cert.deviceId,
          certificate,
          now,
        });
      });
      return reply.code(routes.createAccount.status).send({ accountId: cert.accountId, deviceId: cert.deviceId });
    },
  );

  app.post<{ Body: AddDeviceRequest }>(
    routes.addDevice.path,
    routeOptions(routes.addDevice, { recordsNonceInWrite: true }),
    async (request, reply) => {
      const caller = callerOf(request);
      const identityKey = await getIdentityKey(ctx.db.kysely, caller.accountId);
      const certificate = fieldBytes(request.body.deviceCertificate, '/deviceCertificate');
      const cert = ctx.mls.checkCertificate(certificate, identityKey);
      const now = ctx.config.clock.now();
      await ctx.writer.submit(
        async (tx) => {
          await addDevice(
            tx,
            { deviceId: cert.deviceId, accountId: cert.accountId, certificate, requestKey: cert.requestKey },
            now,
          );
          await ctx.log.kt.deviceAdded(tx, { accountId: cert.accountId, deviceId: cert.deviceId, certificate, now });
        },
        { nonce: caller.nonce },
      );
      return reply.code(routes.addDevice.status).send({ deviceId: cert.deviceId });
    },
  );

  app.get<{ Params: AccountNameParams }>(
    routes.getAccountByName.path,
    routeOptions(routes.getAccountByName),
    async (request) => getAccount(ctx.db.kysely, { name: request.params.name }),
  );

  app.get<{ Params: AccountIdParams }>(routes.getAccount.path, routeOptions(routes.getAccount), async (request) =>
    getAccount(ctx.db.kysely, { accountId: request.params.accountId }),
  );

  app.post<{ Params: DeviceIdParams; Body: RevokeDeviceRequest }>(
    routes.revokeDevice.path,
    routeOptions(routes.revokeDevice, { recordsNonceInWrite: true }),
    async (request) => {
      const caller = callerOf(request);
      const target = await ctx.db.kysely
        .selectFrom('devices')
        .select('account_id')
        .where('device_id', '=', request.params.deviceId)
        .executeTakeFirst();
      if (target === undefined) throw wireError('device.not_found', 'no such device');
      if (target.account_id !== caller.accountId) {
        throw wireError('auth.forbidden', 'a device can only revoke devices of its own account');
      }
      const identityKey = await getIdentityKey(ctx.db.kysely, caller.accountId);
      const revocation = fieldBytes(request.body.revocation, '/revocation');
      verifyDeviceRevocation(revocation, identityKey, {
        accountId: caller.accountId,
        deviceId: request.params.deviceId,
      });
      const now = ctx.config.clock.now();
      const { revokedAt } = await ctx.writer.submit(
        async (tx) => {
          // Logged once, before the revocation (which is idempotent) in the same transaction.
          await ctx.log.kt.deviceRevoked(tx, { accountId: caller.accountId, deviceId: request.params.deviceId, now });
          return revokeDevice(tx, {
            callerAccountId: caller.accountId,
            deviceId: request.params.deviceId,
            revocation,
            now,
          });
        },
        { nonce: caller.nonce },
      );
      return { deviceId: request.params.deviceId, revokedAt };
    },
  );
}
