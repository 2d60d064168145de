import { encodeBase64Url } from '@fulcrum/common';
import { type AttachmentIdParams, OCTET_STREAM, routes, wireError } from '@fulcrum/wire';
import type { FastifyInstance } from 'fastify';
import { routeOptions } from '../route-options.js';
import type { AppContext, BodyStream } from '../context.js';
import { callerOf, fieldBytes } from '../fields.js';

/** Attachment blobs, streamed in and out (docs/protocol.md §Attachments). */
export function attachmentRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post<{ Body: unknown }>(
    routes.uploadAttachment.path,
    routeOptions(routes.uploadAttachment),
    async (request, reply) => {
      const caller = callerOf(request);
      const body = request.body as BodyStream;
      const limit = ctx.config.attachmentMaxBytes;
      try {
        const declared = Number(request.headers['content-length'] ?? Number.NaN);
        if (declared > limit) {
          throw wireError('attachment.too_large', 'the attachment is over the server limit', { limit });
        }
        const result = await ctx.attachments.upload({
          uploaderDeviceId: caller.deviceId,
          source: body,
          maxBytes: limit,
          expectedSha256: fieldBytes(caller.contentSha256, 'fulcrum-content-sha256'),
          now: ctx.config.clock.now(),
        });
        return reply
          .code(routes.uploadAttachment.status)
          .send({ attachmentId: result.attachmentId, size: result.size, sha256: encodeBase64Url(result.sha256) });
      } catch (err) {
        // A refused upload may be cut off mid-body: answer, then close the connection rather than
        // read (and drop) the rest of an oversized body.
        if (!body.readableEnded) void reply.header('connection', 'close');
        throw err;
      }
    },
  );

  app.get<{ Params: AttachmentIdParams }>(
    routes.downloadAttachment.path,
    routeOptions(routes.downloadAttachment),
    async (request, reply) => {
      const opened = await ctx.attachments.open(request.params.attachmentId);
      if (opened === undefined) throw wireError('attachment.not_found', 'no such attachment');
      return reply
        .header('content-type', OCTET_STREAM)
        .header('content-length', String(opened.size))
        .send(opened.stream);
    },
  );
}
