import { routes } from '@fulcrum/wire';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { routeOptions } from '../route-options.js';
import type { AppContext } from '../context.js';

/** `GET /v1/health`: answers once storage answers. */
export function healthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Querystring: unknown }>(routes.health.path, routeOptions(routes.health), async () => {
    await sql`select 1`.execute(ctx.db.kysely);
    return { status: 'ok', protocol: 'fulcrum-v1' } as const;
  });
}
