import { routes } from '@fulcrum/wire';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../context.js';

/** `GET /v1/health`: answers once storage answers. */
export function healthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Querystring: unknown }>(routes.health.path, { config: { spec: routes.health } }, async () => {
    await sql`select 1`.execute(ctx.db.kysely);
    return { status: 'ok', protocol: 'fulcrum-v1' } as const;
  });
}
