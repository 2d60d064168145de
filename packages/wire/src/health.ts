import { type Static, Type } from '@sinclair/typebox';

/** `GET /v1/health` (unauthenticated): the server is up and its storage answers. */
export const HealthResponse = Type.Object(
  { status: Type.Literal('ok'), protocol: Type.Literal('fulcrum-v1') },
  { additionalProperties: false },
);
export type HealthResponse = Static<typeof HealthResponse>;
