import { encodeHex, utf8Encode } from '@fulcrum/common';
import { unsafeAssertLinearCost } from '@fulcrum/common/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../tests/helpers.js';
import {
  ACCOUNT_KEY_ENTRY,
  DEVICE_KEY_ENTRY,
  DEVICE_REVOKED_ENTRY,
  type EntryKind,
  EntryRegistry,
  FieldWriter,
  LABEL_KEY_ENTRY,
  accountHistory,
  decodeLogEntry,
  defineEntryKind,
  encodeLogEntry,
  keyTransparencyRegistry,
} from './index.js';

const label = new Uint8Array(64).fill(0xab);
const T0 = 1_767_225_600_000;

/** A kind another capability would add later, defined here without touching the log. */
const HASHLIST_VERSION = defineEntryKind<{ list: string; version: number; root: Uint8Array }>({
  kind: 'hashlist.version',
  version: 1,
  write: (w, v) => w.string16(v.list, 64).u32(v.version).fixed(v.root, 32),
  read: (r) => ({ list: r.string16(64), version: r.u32(), root: r.fixed(32) }),
});

describe('canonical, typed, versioned log entries', () => {
  it('golden encoding of the envelope (documented in the README)', () => {
    const bytes = encodeLogEntry({ kind: 'key.device', version: 1, time: T0, body: new Uint8Array([1, 2, 3]) });
    expect(encodeHex(bytes)).toBe(`01${'0a'}${encodeHex(utf8Encode('key.device'))}0001${'0000019b76daa800'}0003010203`);
    expect(decodeLogEntry(bytes)).toEqual({
      kind: 'key.device',
      version: 1,
      time: T0,
      body: new Uint8Array([1, 2, 3]),
    });
  });

  it('property: envelope encode → decode round-trips and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9_]{0,10}(\.[a-z][a-z0-9_]{0,10}){0,3}$/),
        fc.integer({ min: 1, max: 0xffff }),
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ maxLength: 500 }),
        (kind, version, time, body) => {
          const e = { kind, version, time, body };
          const bytes = encodeLogEntry(e);
          // The in-place encoder gives exactly the field-by-field encoding.
          const reference = new FieldWriter()
            .u8(1)
            .u8(kind.length)
            .fixed(utf8Encode(kind), kind.length)
            .u16(version)
            .u64(time)
            .bytes16(body)
            .finish();
          expect(bytes).toEqual(reference);
          expect(decodeLogEntry(bytes)).toEqual(e);
          expect(encodeLogEntry(decodeLogEntry(bytes))).toEqual(bytes);
        },
      ),
    );
  });

  it('refuses malformed envelopes with typed codes', () => {
    const good = encodeLogEntry({ kind: 'key.device', version: 1, time: T0, body: new Uint8Array([1]) });
    expect(codeOf(() => decodeLogEntry(new Uint8Array([...good, 0])))).toBe('tlog.entry_malformed');
    expect(codeOf(() => decodeLogEntry(good.subarray(0, good.length - 1)))).toBe('tlog.entry_malformed');
    expect(codeOf(() => decodeLogEntry(new Uint8Array([2, ...good.subarray(1)])))).toBe('tlog.entry_malformed');
    const upper = good.slice();
    upper[2] = 'K'.charCodeAt(0);
    expect(codeOf(() => decodeLogEntry(upper))).toBe('tlog.entry_malformed');
    const v0 = good.slice();
    v0[12] = 0;
    v0[13] = 0;
    expect(codeOf(() => decodeLogEntry(v0))).toBe('tlog.entry_malformed');
    expect(codeOf(() => decodeLogEntry(new Uint8Array(70_000)))).toBe('tlog.entry_too_large');
    for (const kind of ['', 'Key.device', 'key..device', '.key', 'key.', 'k'.repeat(65), 'key device'])
      expect(
        codeOf(() => encodeLogEntry({ kind, version: 1, time: 0, body: new Uint8Array() })),
        kind,
      ).toBe('tlog.entry_malformed');
    expect(codeOf(() => encodeLogEntry({ kind: 'a', version: 0, time: 0, body: new Uint8Array() }))).toBe(
      'tlog.entry_malformed',
    );
    for (const time of [-1, 0.5, 2 ** 53, Number.NaN])
      expect(
        codeOf(() => encodeLogEntry({ kind: 'a', version: 1, time, body: new Uint8Array() })),
        `${time}`,
      ).toBe('tlog.entry_malformed');
    expect(codeOf(() => encodeLogEntry({ kind: 'a', version: 1, time: 0, body: new Uint8Array(65_530) }))).toBe(
      'tlog.entry_too_large',
    );
  });

  it('registry: later kinds are added without touching the log; unknown kinds stay readable as opaque', () => {
    const kt = keyTransparencyRegistry();
    const more = kt.with(HASHLIST_VERSION);
    const bytes = more.encode(HASHLIST_VERSION, T0, { list: 'csam-v1', version: 7, root: new Uint8Array(32).fill(1) });
    expect(more.decode(bytes).value).toEqual({ list: 'csam-v1', version: 7, root: new Uint8Array(32).fill(1) });
    // A reader that does not know the kind still reads the envelope, and says so with a code.
    expect(codeOf(() => kt.decode(bytes))).toBe('tlog.entry_unknown_kind');
    expect(decodeLogEntry(bytes).kind).toBe('hashlist.version');
    // Version 2 of a kind is a different registration; version 1 readers refuse it.
    const v2 = defineEntryKind<number>({
      kind: 'hashlist.version',
      version: 2,
      write: (w, v) => w.u8(v),
      read: (r) => r.u8(),
    });
    expect(codeOf(() => more.decode(more.with(v2).encode(v2, T0, 5)))).toBe('tlog.entry_unknown_kind');
    expect(codeOf(() => more.with(HASHLIST_VERSION))).toBe('tlog.entry_bad_registration');
    expect(codeOf(() => kt.encode(HASHLIST_VERSION, T0, { list: 'x', version: 1, root: new Uint8Array(32) }))).toBe(
      'tlog.entry_unknown_kind',
    );
    expect(kt.list().map((k) => k.kind)).toEqual(['kt.label_key', 'key.account', 'key.device', 'key.device_revoked']);
  });

  it('bodies must be canonical: a lenient decoder cannot smuggle a second encoding', () => {
    // This kind's decoder ignores the top bit of its byte, so two bodies decode to one value.
    const lenient: EntryKind<number> = {
      kind: 'test.lenient',
      version: 1,
      encodeBody: (v) => new Uint8Array([v]),
      decodeBody: (b) => (b[0] as number) & 0x7f,
    };
    const reg = EntryRegistry.of([lenient]);
    const canonical = reg.encode(lenient, 0, 5);
    expect(reg.decode(canonical).value).toBe(5);
    const other = encodeLogEntry({ kind: 'test.lenient', version: 1, time: 0, body: new Uint8Array([0x85]) });
    expect(codeOf(() => reg.decode(other))).toBe('tlog.entry_malformed');
  });

  it('key-transparency kinds round-trip and fold into an account history', () => {
    const reg = keyTransparencyRegistry();
    const other = new Uint8Array(64).fill(1);
    const pk = (i: number) => new Uint8Array(32).fill(i);
    const entries = [
      reg.encode(LABEL_KEY_ENTRY, T0, { suite: 'ristretto255-SHA512', publicKey: pk(9) }),
      reg.encode(ACCOUNT_KEY_ENTRY, T0 + 1, { label, scheme: 0x0807, publicKey: pk(1) }),
      reg.encode(DEVICE_KEY_ENTRY, T0 + 2, {
        label,
        deviceId: 'phone',
        scheme: 0x0807,
        publicKey: pk(2),
        certificate: pk(3),
      }),
      reg.encode(DEVICE_KEY_ENTRY, T0 + 3, {
        label: other,
        deviceId: 'x',
        scheme: 0x0807,
        publicKey: pk(4),
        certificate: pk(5),
      }),
      reg.encode(DEVICE_KEY_ENTRY, T0 + 4, {
        label,
        deviceId: 'laptop',
        scheme: 0x0807,
        publicKey: pk(6),
        certificate: pk(7),
      }),
      reg.encode(DEVICE_REVOKED_ENTRY, T0 + 5, { label, deviceId: 'phone', reason: 2 }),
    ];
    const decoded = entries.map((e, index) => ({ index, entry: reg.decode(e) }));
    const h = accountHistory(decoded, label);
    expect(h.accountKeys.map((k) => k.index)).toEqual([1]);
    expect(h.devices.map((d) => [d.deviceId, d.index, d.revoked?.reason])).toEqual([
      ['phone', 2, 2],
      ['laptop', 4, undefined],
    ]);
    expect(decoded[2]?.entry.definition.describe?.(decoded[2].entry.value as never)).toMatch(/device phone added/);
    expect(
      codeOf(() =>
        reg.encode(DEVICE_KEY_ENTRY, 0, { label, deviceId: '', scheme: 1, publicKey: pk(1), certificate: pk(1) }),
      ),
    ).toBe('tlog.entry_malformed');
    expect(
      codeOf(() => reg.encode(ACCOUNT_KEY_ENTRY, 0, { label: new Uint8Array(63), scheme: 1, publicKey: pk(1) })),
    ).toBe('tlog.entry_malformed');
    // A lone surrogate would become U+FFFD: refused instead of silently changed.
    expect(
      codeOf(() =>
        reg.encode(DEVICE_KEY_ENTRY, 0, {
          label,
          deviceId: 'x\udc00',
          scheme: 1,
          publicKey: pk(1),
          certificate: pk(1),
        }),
      ),
    ).toBe('tlog.entry_malformed');
  });

  it('decoding cost grows linearly with body size', () => {
    const reg = keyTransparencyRegistry();
    const make = (n: number) =>
      reg.encode(DEVICE_KEY_ENTRY, T0, {
        label,
        deviceId: 'd',
        scheme: 1,
        publicKey: new Uint8Array(n / 10),
        certificate: new Uint8Array(n),
      });
    const [small, large] = [make(1500), make(15000)];
    unsafeAssertLinearCost('EntryRegistry.decode', {
      small: () => reg.decode(small),
      large: () => reg.decode(large),
      inputRatio: 10,
    });
  });
});
