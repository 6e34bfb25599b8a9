/**
 * The decisions and alerts files, streamed: their records of the period, counted and digested the same
 * way as the trail's (canonical JSON, order-independent digest), so that the report can say whether the
 * files and the trail hold the same records (AU-2, AU-12) without holding either in memory.
 */
import { canonicalJson } from '@vigil/detection';
import type { InputRetention, Period } from './evidence';
import { spanOf } from './evidence';
import { MultisetDigest, Span, inPeriod } from './tallies';

export class RecordFileCollector {
  readonly digest = new MultisetDigest();
  private readonly span = new Span();
  private records = 0;
  unreadable = 0;

  constructor(
    private readonly period: Period,
    readonly role: 'decisions' | 'alerts',
    readonly file: string,
  ) {}

  line(line: string): void {
    if (!line) return;
    let r: { ts?: unknown };
    try {
      r = JSON.parse(line) as { ts?: unknown };
    } catch {
      this.unreadable++;
      return;
    }
    if (typeof r.ts !== 'number') {
      this.unreadable++;
      return;
    }
    this.records++;
    this.span.add(r.ts);
    if (inPeriod(this.period, r.ts)) this.digest.add(canonicalJson(r));
  }

  retention(): Omit<InputRetention, 'sha256' | 'bytes'> {
    return {
      role: this.role,
      file: this.file,
      records: this.records,
      eventSpan: spanOf(this.span.first, this.span.last),
      wallSpan: null,
    };
  }
}
