/** docs/protocol.md stays true to the code: every error code with its status, every endpoint. */
import { readFileSync } from 'node:fs';
import { ERROR_STATUS, routes, WIRE_ERROR_CODES } from '@fulcrum/wire';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

describe('docs/protocol.md', () => {
  it('lists every error code with its status, and no other', () => {
    const rows = [...doc.matchAll(/^\| `([a-z_.]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(Object.fromEntries(rows)).toEqual({ ...ERROR_STATUS });
    expect(rows).toHaveLength(WIRE_ERROR_CODES.length);
  });

  it('describes every endpoint', () => {
    for (const [name, r] of Object.entries(routes)) {
      expect(doc.includes(`\`${r.method} ${r.path}`), `${name}: ${r.method} ${r.path}`).toBe(true);
    }
    expect(doc).toContain('WebSocket `GET /v1/ws`');
  });
});
