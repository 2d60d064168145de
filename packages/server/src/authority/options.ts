import type { PlatformInfo } from '@fulcrum/authority-reports';

/** Settings of the authority part (`ServerConfig.authority`). */
export interface AuthorityOptions {
  /** Who the platform is in the reports (reporting person, legal URL…). Without it no payload can be built. */
  platform?: PlatformInfo;
  /**
   * The terms-of-service clause restricting decisions rest on (DSA `incompatible_content_ground`).
   * Fulcrum's moderators decide under the platform's terms; whether the content is also illegal is
   * set per category (`incompatible_content_illegal`).
   */
  termsGround?: string;
  /** EEA member states where decisions apply (DSA `territorial_scope`); empty or unset = all. */
  territorialScope?: readonly string[];
  /** How often the delivery worker looks for due deliveries (ms). Default 5000. */
  intervalMs?: number;
  /** Attempts before a delivery is `failed`. Default 8. */
  maxAttempts?: number;
  /** First retry delay (ms); doubles per attempt up to `backoffMaxMs`. Default 1000. */
  backoffBaseMs?: number;
  /** Largest retry delay (ms). Default one hour. */
  backoffMaxMs?: number;
  /** How long a claimed delivery is held before another worker may take it (ms). Default 120000. */
  leaseMs?: number;
  /** Timeout of one HTTP request (ms). Default 30000. */
  requestTimeoutMs?: number;
  /** Where `env:NAME` credentials references are read. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface ResolvedAuthorityOptions {
  platform: PlatformInfo | undefined;
  termsGround: string;
  territorialScope: readonly string[];
  intervalMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  leaseMs: number;
  requestTimeoutMs: number;
  env: Readonly<Record<string, string | undefined>>;
}

export function resolveAuthorityOptions(o: AuthorityOptions = {}): ResolvedAuthorityOptions {
  return {
    platform: o.platform,
    termsGround: o.termsGround ?? 'Terms of service: prohibited content and conduct',
    territorialScope: o.territorialScope ?? [],
    intervalMs: o.intervalMs ?? 5000,
    maxAttempts: o.maxAttempts ?? 8,
    backoffBaseMs: o.backoffBaseMs ?? 1000,
    backoffMaxMs: o.backoffMaxMs ?? 3_600_000,
    leaseMs: o.leaseMs ?? 120_000,
    requestTimeoutMs: o.requestTimeoutMs ?? 30_000,
    env: o.env ?? process.env,
  };
}

/** Delay before attempt `attempts + 1` (attempts already made ≥ 1): base · 2^(attempts−1), capped. */
export function backoffMs(o: ResolvedAuthorityOptions, attempts: number): number {
  return Math.min(o.backoffMaxMs, o.backoffBaseMs * 2 ** Math.max(0, attempts - 1));
}
