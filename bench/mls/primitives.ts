/**
 * Per-primitive timings behind the Fulcrum provider's choices: (A) each primitive of cipher suite
 * 0x0001 in WebCrypto and in @noble/* at the sizes MLS uses; (B) the same operations through each
 * MLS crypto provider (what ts-mls actually calls).
 */
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { gcm } from '@noble/ciphers/aes.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ciphersuiteImpl, type MlsCryptoProvider } from '../../packages/e2ee/src/crypto-provider.js';
import { fmt, interleaved, log, type Rate, table } from './timing.js';

const subtle = crypto.subtle;
const rnd = (n: number) => crypto.getRandomValues(new Uint8Array(n));
/** A copy backed by a plain ArrayBuffer (what WebCrypto's types ask for). */
const ab = (u: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(u);
const PKCS8_PREFIX = Uint8Array.of(
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
);

export interface PrimitiveRow {
  readonly primitive: string;
  readonly [impl: string]: string | number;
}

function row(primitive: string, rates: Record<string, Rate>): PrimitiveRow {
  const out: Record<string, string | number> = { primitive };
  for (const [k, r] of Object.entries(rates)) out[k] = Math.round(r.us * 10) / 10;
  return out as PrimitiveRow;
}

/** (A) WebCrypto against @noble/* for each primitive; values in microseconds per operation. */
export async function rawPrimitives(ms: number): Promise<PrimitiveRow[]> {
  const rows: PrimitiveRow[] = [];
  const seed = ed25519.utils.randomSecretKey();
  const pub = ab(ed25519.getPublicKey(seed));
  const msg = rnd(200); // about a FramedContentTBS of a 1 KiB message's metadata
  const sig = ab(ed25519.sign(msg, seed));
  const pkcs8 = new Uint8Array([...PKCS8_PREFIX, ...seed]);
  const signKey = await subtle.importKey('pkcs8', pkcs8, 'Ed25519', false, ['sign']);
  const verifyKey = await subtle.importKey('raw', pub, 'Ed25519', false, ['verify']);
  rows.push(
    row(
      'Ed25519 sign',
      await interleaved(
        {
          webcryptoImportEach: async () => {
            const k = await subtle.importKey('pkcs8', pkcs8, 'Ed25519', false, ['sign']);
            await subtle.sign('Ed25519', k, msg);
          },
          webcryptoCachedKey: () => subtle.sign('Ed25519', signKey, msg),
          noble: () => ed25519.sign(msg, seed),
        },
        ms,
      ),
    ),
  );
  rows.push(
    row(
      'Ed25519 verify',
      await interleaved(
        {
          webcryptoImportEach: async () => {
            const k = await subtle.importKey('raw', pub, 'Ed25519', false, ['verify']);
            await subtle.verify('Ed25519', k, sig, msg);
          },
          webcryptoCachedKey: () => subtle.verify('Ed25519', verifyKey, sig, msg),
          noble: () => ed25519.verify(sig, msg, pub),
        },
        ms,
      ),
    ),
  );
  for (const n of [64, 1024, 4096, 65536]) {
    const d = rnd(n);
    rows.push(
      row(
        `SHA-256 ${n} B`,
        await interleaved(
          {
            webcrypto: () => subtle.digest('SHA-256', d),
            noble: () => sha256(d),
          },
          ms,
        ),
      ),
    );
  }
  const macKey = rnd(32);
  for (const n of [64, 1024, 4096]) {
    const d = rnd(n);
    rows.push(
      row(
        `HMAC-SHA256 ${n} B`,
        await interleaved(
          {
            webcryptoImportEach: async () => {
              const k = await subtle.importKey('raw', macKey, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
              await subtle.sign('HMAC', k, d);
            },
            noble: () => hmac(sha256, macKey, d),
          },
          ms,
        ),
      ),
    );
  }
  const hpkeKdf = new HkdfSha256();
  hpkeKdf.init(new Uint8Array([0x48, 0x50, 0x4b, 0x45, 0, 0x20, 0, 1, 0, 1]));
  const prk = rnd(32);
  const info = rnd(40);
  rows.push(
    row(
      'HKDF-Extract',
      await interleaved(
        {
          webcrypto: () => hpkeKdf.extract(prk, prk),
          noble: () => extract(sha256, prk, prk),
        },
        ms,
      ),
    ),
  );
  rows.push(
    row(
      'HKDF-Expand 32 B',
      await interleaved(
        {
          webcrypto: () => hpkeKdf.expand(prk, info, 32),
          noble: () => expand(sha256, prk, info, 32),
        },
        ms,
      ),
    ),
  );
  const aesKey = rnd(16);
  const nonce = rnd(12);
  const aad = rnd(40);
  for (const n of [12, 1100, 4096, 65536]) {
    const pt = rnd(n);
    rows.push(
      row(
        `AES-128-GCM seal ${n} B`,
        await interleaved(
          {
            webcryptoImportEach: async () => {
              const k = await subtle.importKey('raw', aesKey, { name: 'AES-GCM' }, false, ['encrypt']);
              await subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad }, k, pt);
            },
            noble: () => gcm(aesKey, nonce, aad).encrypt(pt),
          },
          ms,
        ),
      ),
    );
  }
  const xPriv = x25519.utils.randomSecretKey();
  const xPub = ab(x25519.getPublicKey(x25519.utils.randomSecretKey()));
  const wPair = (await subtle.generateKey('X25519', true, ['deriveBits'])) as CryptoKeyPair;
  const wPub = await subtle.importKey('raw', xPub, 'X25519', true, []);
  rows.push(
    row(
      'X25519 DH',
      await interleaved(
        {
          webcrypto: () => subtle.deriveBits({ name: 'X25519', public: wPub }, wPair.privateKey, 256),
          noble: () => x25519.getSharedSecret(xPriv, xPub),
        },
        ms,
      ),
    ),
  );
  rows.push(
    row(
      'X25519 key generation',
      await interleaved(
        {
          webcrypto: () => subtle.generateKey('X25519', true, ['deriveBits']),
          noble: () => x25519.getPublicKey(x25519.utils.randomSecretKey()),
        },
        ms,
      ),
    ),
  );
  const stock = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
  const rkp = await stock.kem.generateKeyPair();
  rows.push(
    row(
      'HPKE seal 100 B (@hpke/core stock)',
      await interleaved(
        {
          webcrypto: () => stock.seal({ recipientPublicKey: rkp.publicKey, info }, rnd(100)),
        },
        ms,
      ),
    ),
  );
  return rows;
}

export interface ProviderPrimitiveRow {
  readonly operation: string;
  readonly [provider: string]: string | number;
}

/** (B) The operations ts-mls calls, through each provider; microseconds per operation. */
export async function providerPrimitives(
  providers: readonly MlsCryptoProvider[],
  ms: number,
): Promise<ProviderPrimitiveRow[]> {
  const seed = ed25519.utils.randomSecretKey();
  const pub = ed25519.getPublicKey(seed);
  const msg = rnd(200);
  const sig = ed25519.sign(msg, seed);
  const d1k = rnd(1024);
  const key32 = rnd(32);
  const info = rnd(40);
  const aesKey = rnd(16);
  const nonce = rnd(12);
  const pt = rnd(1100);
  const ops: [string, (cs: Awaited<ReturnType<typeof ciphersuiteImpl>>) => Promise<() => unknown>][] = [
    ['signature.sign', async (cs) => () => cs.signature.sign(seed, msg)],
    ['signature.verify', async (cs) => () => cs.signature.verify(pub, msg, sig)],
    ['hash.digest 1 KiB', async (cs) => () => cs.hash.digest(d1k)],
    ['hash.mac 64 B', async (cs) => () => cs.hash.mac(key32, d1k.subarray(0, 64))],
    ['kdf.extract', async (cs) => () => cs.kdf.extract(key32, key32)],
    ['kdf.expand 32 B', async (cs) => () => cs.kdf.expand(key32, info, 32)],
    ['hpke.encryptAead 1100 B', async (cs) => () => cs.hpke.encryptAead(aesKey, nonce, info, pt)],
    [
      'hpke.seal 100 B',
      async (cs) => {
        const kp = await cs.hpke.generateKeyPair();
        return () => cs.hpke.seal(kp.publicKey, pt.subarray(0, 100), info);
      },
    ],
    [
      'hpke.open 100 B',
      async (cs) => {
        const kp = await cs.hpke.generateKeyPair();
        const s = await cs.hpke.seal(kp.publicKey, pt.subarray(0, 100), info);
        return () => cs.hpke.open(kp.privateKey, s.enc, s.ct, info);
      },
    ],
    ['hpke.deriveKeyPair', async (cs) => () => cs.hpke.deriveKeyPair(key32)],
    [
      'hpke.importPrivateKey',
      async (cs) => {
        const kp = await cs.hpke.generateKeyPair();
        const raw = await cs.hpke.exportPrivateKey(kp.privateKey);
        return () => cs.hpke.importPrivateKey(raw);
      },
    ],
  ];
  const rows: ProviderPrimitiveRow[] = [];
  for (const [operation, setup] of ops) {
    const fns: Record<string, () => unknown> = {};
    for (const p of providers) fns[p.name] = await setup(await ciphersuiteImpl(p));
    const rates = await interleaved(fns, ms);
    const r: Record<string, string | number> = { operation };
    for (const p of providers) r[p.name] = Math.round((rates[p.name] as Rate).us * 10) / 10;
    rows.push(r as ProviderPrimitiveRow);
  }
  return rows;
}

export function printRaw(rows: readonly PrimitiveRow[]): void {
  const cols = ['webcryptoImportEach', 'webcryptoCachedKey', 'webcrypto', 'noble'];
  const label: Record<string, string> = {
    webcryptoImportEach: 'WebCrypto, key imported per call',
    webcryptoCachedKey: 'WebCrypto, cached key',
    webcrypto: 'WebCrypto',
    noble: '@noble',
  };
  const used = cols.filter((c) => rows.some((r) => r[c] !== undefined));
  log(
    table(
      ['primitive (µs/op)', ...used.map((c) => label[c] as string)],
      rows.map((r) => [r.primitive, ...used.map((c) => (r[c] === undefined ? '' : fmt(Number(r[c]), 1)))]),
    ),
  );
}

export function printByProvider(rows: readonly ProviderPrimitiveRow[], names: readonly string[]): void {
  log(
    table(
      ['operation (µs/op)', ...names],
      rows.map((r) => [r.operation, ...names.map((n) => fmt(Number(r[n]), 1))]),
    ),
  );
}
