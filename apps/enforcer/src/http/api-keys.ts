/**
 * Who is asking: an API key per enforcement point, each with the roles it may use. Keys are compared as
 * SHA-256 digests in a map (no key is kept in clear after start, and a lookup takes the same time
 * whatever the key). Each key and API has its own token bucket: a runaway bouncer cannot starve the rest.
 */
import type { EnforcerConfig, EnforcerRole } from '../config/enforcer-config';
import { sha256Hex } from '../config/enforcer-config';

export interface Caller {
  readonly name: string;
  readonly roles: ReadonlySet<EnforcerRole>;
}

export class ApiKeys {
  private readonly byDigest = new Map<string, Caller>();

  constructor(keys: EnforcerConfig['apiKeys']) {
    for (const k of keys) this.byDigest.set(k.sha256 ?? sha256Hex(k.key!), { name: k.name, roles: new Set(k.roles) });
  }

  get size(): number {
    return this.byDigest.size;
  }

  /** The caller a key belongs to, if it may use `role`. */
  authorize(key: string | string[] | undefined, role: EnforcerRole): Caller | null {
    if (typeof key !== 'string' || key.length === 0 || key.length > 512) return null;
    const caller = this.byDigest.get(sha256Hex(key));
    return caller && caller.roles.has(role) ? caller : null;
  }
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** `maxBuckets` bounds memory under a flood of names: past it, every bucket starts full again. */
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxBuckets = 100_000,
  ) {}

  /** True when `who` may make one more request now. */
  take(who: string, now = Date.now()): boolean {
    if (this.perSecond === 0) return true;
    let b = this.buckets.get(who);
    if (!b) {
      if (this.buckets.size >= this.maxBuckets) this.buckets.clear();
      this.buckets.set(who, (b = { tokens: this.burst, at: now }));
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
