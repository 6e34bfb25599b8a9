/**
 * Key → the last event time it was seen, bounded: at the cap the least recently seen go first (a Map
 * keeps insertion order, and a key seen again is moved to the end). For "was this seen in the last hour"
 * memories that a flood of new keys must not grow without end.
 */
export class RecencyMap {
  private readonly seen = new Map<string, number>();

  constructor(private readonly cap: number) {}

  touch(key: string, ts: number): void {
    this.seen.delete(key);
    this.seen.set(key, ts);
  }

  /** True when `key` was seen within `spanMs` before `at`. */
  seenWithin(key: string, at: number, spanMs: number): boolean {
    const ts = this.seen.get(key);
    return ts !== undefined && at - ts <= spanMs;
  }

  /** Keys with their last-seen times, least recent first (a checkpoint; `restore` takes it back). */
  snapshot(): [string, number][] {
    return [...this.seen];
  }

  restore(entries: readonly (readonly [string, number])[]): void {
    this.seen.clear();
    for (const [k, ts] of entries) this.seen.set(k, ts);
  }

  /** Drops the least recently seen keys beyond the cap; call once per batch. */
  trim(): void {
    let drop = this.seen.size - this.cap;
    if (drop <= 0) return;
    for (const k of this.seen.keys()) {
      if (drop-- <= 0) break;
      this.seen.delete(k);
    }
  }
}
