import type { RouteSpec } from '@fulcrum/wire';

/**
 * The Fastify options of a route from its wire contract: its schemas (validated by the compiler
 * set in app.ts), its body limit, and the contract itself for the auth hook.
 */
export function routeOptions(spec: RouteSpec, extra: { recordsNonceInWrite?: boolean } = {}) {
  const schema: Record<string, unknown> = {};
  if (typeof spec.body === 'object') schema.body = spec.body;
  if (spec.params !== undefined) schema.params = spec.params;
  if (spec.querystring !== undefined) schema.querystring = spec.querystring;
  return {
    config: { spec, ...extra },
    schema,
    ...(spec.bodyLimit === undefined ? {} : { bodyLimit: spec.bodyLimit }),
  };
}
