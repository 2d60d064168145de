import { formatEvidencePublicKey } from '@fulcrum/evidence';
import { wireError } from '@fulcrum/wire';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.js';
import { loadEvidencePublicKey } from './evidence-key.js';

/** Where the evidence public key is served (docs/protocol.md §Evidence bundles). */
export const EVIDENCE_KEY_PATH = '/v1/evidence/key';

/**
 * `GET /v1/evidence/key` (no auth): the platform's evidence public key in its text form
 * (`fulcrum-evidence-ed25519:<base64url>`), one line. Anyone verifies exported bundles offline
 * with it (`fulcrum evidence verify --key`). The key never changes once created.
 */
export function evidenceRoutes(app: FastifyInstance, db: Database): void {
  let cached: string | undefined;
  app.get(EVIDENCE_KEY_PATH, async (_request, reply) => {
    if (cached === undefined) {
      const key = await loadEvidencePublicKey(db.kysely);
      if (key === undefined) throw wireError('request.not_found', 'no evidence key yet');
      cached = formatEvidencePublicKey(key.publicKey);
    }
    return reply.header('cache-control', 'no-cache').type('text/plain; charset=utf-8').send(`${cached}\n`);
  });
}
