/** The last N alerts of a run, for `GET /v1/alerts`: a fixed ring, so a noisy attack cannot grow it. */
import type { Alert } from '@vigil/detection';

export class RecentAlerts {
  private readonly ring: (Alert | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError('capacity must be a positive integer');
    this.ring = new Array<Alert | undefined>(capacity);
  }

  push(as: readonly Alert[]): void {
    for (const a of as) {
      this.ring[this.next] = a;
      this.next = (this.next + 1) % this.capacity;
      if (this.size < this.capacity) this.size++;
    }
  }

  /** Up to `limit` alerts, newest first. */
  latest(limit: number): Alert[] {
    const n = Math.min(limit, this.size);
    const out: Alert[] = [];
    for (let i = 1; i <= n; i++) out.push(this.ring[(this.next - i + this.capacity) % this.capacity]!);
    return out;
  }
}
