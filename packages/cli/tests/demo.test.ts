import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/commands/demo.js';

describe('fulcrum demo', () => {
  it('plays the scenario: delivery, attachment, removal, and no plaintext on the server', async () => {
    const lines: string[] = [];
    const result = await runDemo({ write: (l) => lines.push(l) });
    const text = lines.join('\n');
    expect(result.plaintextHitsInServerData).toBe(0);
    expect(result.serverBytesScanned).toBeGreaterThan(10_000);
    // The removed member's device, holding every key it had, cannot read the later message.
    expect(result.removedMemberDecryptError).toMatch(/^e2ee\./);
    expect(result.delivered.bob).toContain('"Change of plan: we meet at the lake house"');
    expect(result.delivered.carol ?? []).not.toContain('"Change of plan: we meet at the lake house"');
    expect(text).toContain("identical to carol's file: true");
    expect(text).toContain('✔ demo finished');
  });
});
