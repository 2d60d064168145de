import type { Clock } from '@fulcrum/common';
import { type WireError, wireError } from '@fulcrum/wire';

/** One token bucket's shape: it holds at most `burst` tokens and gains `perSecond` a second. */
export interface BucketOptions {
  readonly burst: number;
  readonly perSecond: number;
}

/** The answer of `take`: allowed, or refused with how long (whole seconds, ≥ 1) until a token. */
export type TakeResult = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets keyed by a string (a device id, a client address), in memory and per process:
 * with several server processes each enforces its own limit, so the effective limit is up to
 * the number of processes times this one. Time comes from the injected clock, so tests move it.
 *
 * At most `maxKeys` buckets are kept: the least recently used is dropped first (a dropped
 * bucket comes back full, so a caller can at worst regain one burst by cycling keys, which the
 * per-device keys — only authenticated devices get one — make costly).
 */
export class RateLimiter {
  readonly #options: BucketOptions;
  readonly #clock: Clock;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: BucketOptions, clock: Clock, maxKeys = 100_000) {
    if (!(options.burst >= 1) || !(options.perSecond > 0) || !Number.isFinite(options.perSecond)) {
      throw new TypeError('rate limit: burst must be ≥ 1 and perSecond > 0');
    }
    this.#options = options;
    this.#clock = clock;
    this.#maxKeys = maxKeys;
  }

  /** Takes one token from `key`'s bucket if it has one. */
  take(key: string): TakeResult {
    const bucket = this.#refilled(key);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return this.#refusal(bucket);
  }

  /** Like `take`, but spends nothing: whether `key` has a token now (used by `takeEach`). */
  check(key: string): TakeResult {
    const bucket = this.#refilled(key);
    return bucket.tokens >= 1 ? { ok: true } : this.#refusal(bucket);
  }

  #refusal(bucket: Bucket): TakeResult {
    const { perSecond } = this.#options;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)) };
  }

  /** `key`'s bucket, refilled up to now and marked most recently used (created full). */
  #refilled(key: string): Bucket {
    const now = this.#clock.now();
    const { burst, perSecond } = this.#options;
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: burst, updatedAt: now };
    } else {
      this.#buckets.delete(key); // re-inserted below: Map order is then least recently used first
      // A clock that goes backwards refills nothing (never a negative refill either).
      const elapsed = Math.max(0, now - bucket.updatedAt);
      bucket.tokens = Math.min(burst, bucket.tokens + (elapsed * perSecond) / 1000);
      bucket.updatedAt = Math.max(bucket.updatedAt, now);
    }
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#maxKeys) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    return bucket;
  }

  /** How many buckets are held (for tests and stats). */
  get size(): number {
    return this.#buckets.size;
  }
}

/**
 * Takes one token from every `[limiter, key]` bucket, or from none: if any bucket is empty the
 * request is refused and no bucket is charged (so a device refused by its account's limit keeps
 * its own tokens, and the other way round). The refusal's `retryAfterSeconds` is the longest
 * wait among the empty buckets. An entry whose limiter is `undefined` is skipped.
 */
export function takeEach(buckets: readonly (readonly [RateLimiter | undefined, string])[]): TakeResult {
  let refused: TakeResult | undefined;
  for (const [limiter, key] of buckets) {
    const r = limiter?.check(key);
    if (
      r !== undefined &&
      !r.ok &&
      (refused === undefined || (!refused.ok && r.retryAfterSeconds > refused.retryAfterSeconds))
    )
      refused = r;
  }
  if (refused !== undefined) return refused;
  for (const [limiter, key] of buckets) limiter?.take(key);
  return { ok: true };
}

/** The `rate.limited` refusal (HTTP adds the `retry-after` header; the WebSocket answers it in a `send_error`). */
export function rateLimited(retryAfterSeconds: number): WireError {
  return wireError('rate.limited', 'too many requests: retry later', { retryAfterSeconds });
}

/** Charges one request to its device's and its account's buckets (both or neither): `takeEach` of the two. */
export type CallerLimiter = (deviceId: string, accountId: string) => TakeResult;
