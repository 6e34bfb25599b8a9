/**
 * Keyed pseudonymisation (HMAC-SHA256, truncated) of principals, sessions, devices and API keys, so
 * that nothing downstream ever holds the raw value, yet the same account maps to the same id across
 * sources and replays. A bounded memo avoids re-hashing the same hot values on every request.
 */
import { createHmac } from 'node:crypto';

export class IdHasher {
  private readonly memo = new Map<string, string>();

  constructor(
    private readonly key: string,
    private readonly hexChars: number = 24,
    private readonly memoCap: number = 100_000,
  ) {}

  /** `kind` separates namespaces: the same string as a session and as a principal hashes differently. */
  hash(kind: 'p' | 's' | 'd' | 'k', value: string): string {
    const memoKey = kind + value;
    const hit = this.memo.get(memoKey);
    if (hit !== undefined) return hit;
    const digest = createHmac('sha256', this.key).update(memoKey).digest('hex').slice(0, this.hexChars);
    if (this.memo.size >= this.memoCap) this.memo.clear();
    this.memo.set(memoKey, digest);
    return digest;
  }
}
