import websocket from '@fastify/websocket';
import { isFulcrumError } from '@fulcrum/common';
import {
  createValidator,
  errorBody,
  errorStatus,
  OCTET_STREAM,
  BODY_LIMITS,
  routes,
  type WireError,
  wireError,
} from '@fulcrum/wire';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { authenticate } from './auth.js';
import type { AppContext } from './context.js';
import { describeInternalError, toWireError } from './errors.js';
import { moderationRoutes } from '../moderation/routes.js';
import { ModerationService } from '../moderation/service.js';
import { accountRoutes } from './routes/accounts.js';
import { attachmentRoutes } from './routes/attachments.js';
import { blockRoutes } from './routes/blocks.js';
import { groupRoutes } from './routes/groups.js';
import { healthRoutes } from './routes/health.js';
import { keyPackageRoutes } from './routes/key-packages.js';
import { queueRoutes } from './routes/queue.js';
import { reportRoutes } from './routes/reports.js';
import { logRoutes } from '../log/routes.js';
import { evidenceRoutes } from '../evidence/routes.js';
import { type CallerLimiter, RateLimiter, rateLimited, type TakeResult, takeEach } from './rate-limit.js';
import { SignatureVerifier } from './signature.js';
import { WS_MAX_PAYLOAD_BYTES, type WsSession, wsRoutes } from './ws.js';
import { webStaticRoutes } from './web-static.js';

/**
 * Builds the Fastify app: our own JSON parser (it keeps the exact body bytes, which the request
 * signature covers), schema-compiled validation from `@fulcrum/wire`, request authentication,
 * one error handler that answers `{ error: { code, message } }`, and logs that name the route
 * pattern — never the URL, a body, a header, a key or a hash.
 */
export async function buildApp(
  ctx: AppContext,
  logger: FastifyBaseLogger,
): Promise<{ app: FastifyInstance; sessions: Set<WsSession> }> {
  const app = Fastify({
    loggerInstance: logger,
    // Fastify's own request lines log the URL (which may hold an account name): we log the route pattern instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMITS.small,
    return503OnClosing: true,
  });
  const verifier = new SignatureVerifier();
  const limits = ctx.config.rateLimit;
  const deviceLimiter = limits && new RateLimiter(limits.device, ctx.config.clock, limits.maxKeys);
  const accountLimiter = limits && new RateLimiter(limits.accountCreation, ctx.config.clock, limits.maxKeys);
  const perAccountLimiter = limits && new RateLimiter(limits.account, ctx.config.clock, limits.maxKeys);
  /** Refuses with 429 `rate.limited` and a `retry-after` (seconds, RFC 9110 §10.2.3). */
  const enforce = (taken: TakeResult, reply: { header(name: string, value: string): unknown }): void => {
    if (taken.ok) return;
    reply.header('retry-after', String(taken.retryAfterSeconds));
    throw rateLimited(taken.retryAfterSeconds);
  };
  // Per device and per account (summed over its devices): charged both or neither. The same
  // buckets count signed requests and WebSocket sends.
  const limitCaller: CallerLimiter = (deviceId, accountId) =>
    takeEach([
      [deviceLimiter, deviceId],
      [perAccountLimiter, accountId],
    ]);

  // Unauthenticated account creation is limited per client address before its body is parsed.
  // The address is the TCP peer: behind a reverse proxy every client shares the proxy's bucket.
  if (accountLimiter) {
    app.addHook('onRequest', async (request, reply) => {
      if (request.method !== 'POST' || request.routeOptions.url !== routes.createAccount.path) return;
      enforce(accountLimiter.take(request.ip), reply);
    });
  }

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    request.rawBody = raw;
    if (raw.length === 0) {
      done(wireError('request.malformed_json', 'the body is empty'), undefined);
      return;
    }
    try {
      done(null, JSON.parse(raw.toString('utf8')));
    } catch {
      done(wireError('request.malformed_json', 'the body is not JSON'), undefined);
    }
  });
  // Uploads: hand the route the raw stream; it enforces its own limit while streaming.
  app.addContentTypeParser(OCTET_STREAM, (_request, payload, done) => done(null, payload));

  app.setValidatorCompiler(({ schema, httpPart }) => {
    // Path and query arrive as text and are converted to the schema's types; bodies never are.
    const validate = createValidator(schema as Parameters<typeof createValidator>[0], {
      coerce: httpPart === 'querystring' || httpPart === 'params',
    });
    return (data: unknown) => {
      const result = validate(data);
      if (result.ok) return { value: result.value };
      const part = httpPart === 'body' ? '' : `${httpPart}:`;
      return {
        error: wireError('request.invalid', `invalid ${part}${result.path}`, { path: `${part}${result.path}` }),
      };
    };
  });

  // Authenticate before validating: an unauthenticated caller learns nothing about the schema.
  app.addHook('preValidation', async (request, reply) => {
    const spec = request.routeOptions.config.spec;
    if (spec === undefined) return;
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (spec.body === OCTET_STREAM && contentType !== OCTET_STREAM) {
      throw wireError('request.unsupported_media_type', `this endpoint takes ${OCTET_STREAM}`);
    }
    if (typeof spec.body === 'object' && contentType !== '' && contentType !== 'application/json') {
      throw wireError('request.unsupported_media_type', 'this endpoint takes application/json');
    }
    if (!spec.auth) return;
    const auth = await authenticate(ctx, verifier, request);
    request.auth = auth;
    // Counted only once the signature verified, so a forged request cannot drain another
    // device's bucket. A refused request still spends its nonce (the error handler), so it
    // cannot be replayed after the refill.
    enforce(limitCaller(auth.deviceId, auth.accountId), reply);
    if (request.routeOptions.config.recordsNonceInWrite !== true) {
      await ctx.writer.submit(async () => undefined, { nonce: auth.nonce });
    }
  });

  app.setErrorHandler(async (err, request, reply) => {
    let wire = toWireError(err);
    // A signed request refused before its write transaction still spends its nonce, so the same
    // bytes cannot be replayed later, when the state that refused them may have changed; a replay
    // of such a request is told so.
    const nonce = request.auth?.nonce;
    if (nonce !== undefined && nonce.spent !== true && errorStatus(wire.code) < 500 && wire.code !== 'auth.replayed') {
      try {
        await ctx.writer.submit(async () => undefined, { nonce });
      } catch (spendError) {
        if (isFulcrumError(spendError, 'auth.replayed')) wire = spendError as WireError;
      }
    }
    const status = errorStatus(wire.code);
    if (status >= 500 && wire.code !== 'service.unavailable') {
      request.log.error({ route: request.routeOptions.url, err: describeInternalError(err) }, 'internal error');
    } else {
      request.log.debug({ route: request.routeOptions.url, code: wire.code }, 'request refused');
    }
    return reply.code(status).send(errorBody(wire));
  });

  app.setNotFoundHandler((_request, reply) => {
    const wire = wireError('request.not_found', 'no such endpoint');
    return reply.code(errorStatus(wire.code)).send(errorBody(wire));
  });

  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unknown',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  await app.register(websocket, { options: { maxPayload: WS_MAX_PAYLOAD_BYTES } });
  healthRoutes(app, ctx);
  accountRoutes(app, ctx);
  keyPackageRoutes(app, ctx);
  groupRoutes(app, ctx);
  queueRoutes(app, ctx);
  attachmentRoutes(app, ctx);
  reportRoutes(app, ctx);
  blockRoutes(app, ctx);
  logRoutes(app, ctx.db, ctx.log);
  evidenceRoutes(app, ctx.db);
  moderationRoutes(app, ctx, new ModerationService(ctx.config.moderation));
  const sessions = wsRoutes(app, ctx, verifier, limitCaller);
  if (ctx.config.webDir !== undefined) webStaticRoutes(app, ctx.config.webDir);
  return { app, sessions };
}
