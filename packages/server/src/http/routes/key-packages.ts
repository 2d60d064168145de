import { type ClaimKeyPackagesRequest, routes, type UploadKeyPackagesRequest, wireError } from '@fulcrum/wire';
import type { FastifyInstance } from 'fastify';
import { claimKeyPackages, claimTargets, countKeyPackages, storeKeyPackages } from '../../store/key-packages.js';
import { routeOptions } from '../route-options.js';
import type { AppContext } from '../context.js';
import { callerOf, fieldBytes } from '../fields.js';

/** KeyPackages: upload, atomic claim-once, stock (docs/protocol.md §KeyPackages). */
export function keyPackageRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post<{ Body: UploadKeyPackagesRequest }>(
    routes.uploadKeyPackages.path,
    routeOptions(routes.uploadKeyPackages, { recordsNonceInWrite: true }),
    async (request) => {
      const caller = callerOf(request);
      if (request.body.keyPackages.filter((k) => k.lastResort).length > 1) {
        throw wireError('request.invalid', 'at most one last-resort KeyPackage per upload', { path: '/keyPackages' });
      }
      const device = await ctx.db.kysely
        .selectFrom('devices')
        .select('certificate')
        .where('device_id', '=', caller.deviceId)
        .executeTakeFirstOrThrow();
      const now = ctx.config.clock.now();
      const checked: { data: Uint8Array; lastResort: boolean; ref: Uint8Array }[] = [];
      for (const [i, kp] of request.body.keyPackages.entries()) {
        const data = fieldBytes(kp.data, `/keyPackages/${i}/data`);
        const { ref } = await ctx.mls.checkKeyPackage(data, {
          certificate: device.certificate,
          lastResort: kp.lastResort,
          now,
        });
        checked.push({ data, lastResort: kp.lastResort, ref });
      }
      return ctx.writer.submit((tx) => storeKeyPackages(tx, caller.deviceId, checked, now), { nonce: caller.nonce });
    },
  );

  app.post<{ Body: ClaimKeyPackagesRequest }>(
    routes.claimKeyPackages.path,
    routeOptions(routes.claimKeyPackages, { recordsNonceInWrite: true }),
    async (request) => {
      const caller = callerOf(request);
      const now = ctx.config.clock.now();
      const keyPackages = await ctx.writer.submit(
        async (tx) => {
          const targets = await claimTargets(tx.db, {
            accountId: request.body.accountId,
            callerDeviceId: caller.deviceId,
            requested: request.body.deviceIds,
          });
          return claimKeyPackages(tx, targets, now);
        },
        { nonce: caller.nonce },
      );
      return { keyPackages };
    },
  );

  app.get<{ Querystring: unknown }>(
    routes.countKeyPackages.path,
    routeOptions(routes.countKeyPackages),
    async (request) => countKeyPackages(ctx.db.kysely, callerOf(request).deviceId),
  );
}
