/**
 * Keyed pseudonymisation (HMAC-SHA256, truncated) of principals, sessions, devices and API keys, so
 * that nothing downstream ever holds the raw value, yet the same account maps to the same id across
 * sources and replays. A bounded memo per kind avoids re-hashing hot values on every request (and
 * avoids building a combined memo key string per call, which showed up in profiles).
 */
import { createHmac } from 'node:crypto';

export type HashKind = 'p' | 's' | 'd' | 'k';

export class IdHasher {
  private readonly memos: Record<HashKind, Map<string, string>> = {
    p: new Map(),
    s: new Map(),
    d: new Map(),
    k: new Map(),
  };

  /** Told of every value hashed on a memo miss (the CLI's principal map); null on the hot path. */
  observer: ((kind: HashKind, value: string, digest: string) => void) | null = null;

  constructor(
    private readonly key: string,
    private readonly hexChars: number = 24,
    private readonly memoCapPerKind: number = 50_000,
  ) {}

  /** `kind` separates namespaces: the same string as a session and as a principal hashes differently. */
  hash(kind: HashKind, value: string): string {
    const memo = this.memos[kind];
    const hit = memo.get(value);
    if (hit !== undefined) return hit;
    const digest = createHmac('sha256', this.key).update(kind).update(value).digest('hex').slice(0, this.hexChars);
    // Clearing (rather than LRU bookkeeping on every hit) keeps hits cheap; a flood of unique values
    // just means hashing at full cost, with memory bounded either way.
    if (memo.size >= this.memoCapPerKind) memo.clear();
    memo.set(value, digest);
    this.observer?.(kind, value, digest);
    return digest;
  }
}
