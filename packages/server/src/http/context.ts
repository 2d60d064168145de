import type { Readable } from 'node:stream';
import type { RouteSpec } from '@fulcrum/wire';
import type { AttachmentStore } from '../blobs/attachment-store.js';
import type { Bus } from '../bus/bus.js';
import type { ResolvedConfig } from '../config.js';
import type { Database } from '../db/database.js';
import type { FrankingKeys } from '../franking/franking-keys.js';
import type { TransparencyLog } from '../log/transparency-log.js';
import type { MlsInspector } from '../mls-inspector.js';
import type { NonceRecord } from '../store/nonces.js';
import type { WriteQueue } from '../write-queue.js';

/** Everything a route handler may use; built once by `startServer`. */
export interface AppContext {
  readonly config: ResolvedConfig;
  readonly db: Database;
  readonly writer: WriteQueue;
  readonly bus: Bus;
  readonly mls: MlsInspector;
  readonly attachments: AttachmentStore;
  /** The transparency log (key-transparency entries are appended in the directory's transactions). */
  readonly log: TransparencyLog;
  /** The server's franking keys: application messages are tagged with the current one. */
  readonly franking: FrankingKeys;
}

/** The authenticated caller of a signed request. */
export interface RequestAuth {
  readonly deviceId: string;
  readonly accountId: string;
  /** Recorded by the route's write transaction, or by the auth hook for routes that do not write. */
  readonly nonce: NonceRecord;
  /** base64url(SHA-256(body)) the signature covers. */
  readonly contentSha256: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact JSON body bytes (the signature covers their digest). */
    rawBody?: Buffer;
    auth?: RequestAuth;
  }
  interface FastifyContextConfig {
    /** The wire contract of this route. */
    spec?: RouteSpec;
    /** The handler records the nonce inside its own write transaction (one transaction per send). */
    recordsNonceInWrite?: boolean;
  }
}

/** The request body of an `application/octet-stream` route. */
export type BodyStream = Readable;
