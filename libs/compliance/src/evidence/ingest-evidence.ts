/**
 * The ingest record: which sources delivered events when, dead letters by reason, and gaps in the stream
 * (start, end, duration). Built from the replay's `--summary-json` (records, events, dead letters per
 * input) and, when given, the events themselves (the replay's `--events-out`), streamed into one bit per
 * minute of the period per gateway; without events, the event-time span comes from the inventory and only
 * the period's edges can be checked for gaps. What the summary lacks is listed in `missing`.
 */
import type { ControlFailure, CoverageEvidence, Period, SourceCoverage, StreamGap, TimeSpan } from './evidence';
import { iso, spanOf } from './evidence';
import { Span } from './tallies';

/** The fields of `vigil replay --summary-json` that the report reads. */
export interface IngestSummary {
  readonly input: string;
  readonly source: string;
  readonly records: number;
  readonly events: number;
  readonly deadLettered: number;
  readonly deadLetterReasons: Readonly<Record<string, number>>;
  readonly blankLines: number;
}

/** Validates a parsed summary file at the edge; throws a readable error naming the file. */
export function parseIngestSummary(value: unknown, file: string): IngestSummary {
  const o = value as Record<string, unknown>;
  const bad = (f: string) => new Error(`${file}: not a vigil replay summary (${f})`);
  if (typeof o !== 'object' || o === null) throw bad('not a JSON object');
  for (const f of ['records', 'events', 'deadLettered', 'blankLines'] as const)
    if (typeof o[f] !== 'number') throw bad(`${f} is not a number`);
  if (typeof o['source'] !== 'string') throw bad('source is not a string');
  const reasons = o['deadLetterReasons'];
  if (typeof reasons !== 'object' || reasons === null) throw bad('deadLetterReasons is not an object');
  return {
    input: typeof o['input'] === 'string' ? o['input'] : file,
    source: o['source'],
    records: o['records'] as number,
    events: o['events'] as number,
    deadLettered: o['deadLettered'] as number,
    deadLetterReasons: reasons as Record<string, number>,
    blankLines: o['blankLines'] as number,
  };
}

const MINUTE = 60_000;
export const DEFAULT_GAP_MINUTES = 5;
/** A year of minutes is 0.5 MB per gateway; beyond that the period is too long for one bit per minute. */
const MAX_MINUTES = 366 * 24 * 60;

/** Events streamed in: one bit (byte) per minute of the period per gateway, and each gateway's span. */
export class EventCoverageCollector {
  private readonly minutes: number;
  private readonly perGateway = new Map<string, { seen: Uint8Array; span: Span; events: number }>();
  outsidePeriod = 0;

  constructor(private readonly period: Period) {
    this.minutes = Math.ceil((period.to - period.from) / MINUTE);
    if (this.minutes > MAX_MINUTES)
      throw new RangeError(`a period of ${this.minutes} minutes is too long for per-minute coverage (max one year)`);
  }

  event(ts: number, gateway: string): void {
    let g = this.perGateway.get(gateway);
    if (!g) this.perGateway.set(gateway, (g = { seen: new Uint8Array(this.minutes), span: new Span(), events: 0 }));
    g.span.add(ts);
    g.events++;
    const m = Math.floor((ts - this.period.from) / MINUTE);
    if (m < 0 || m >= this.minutes) {
      this.outsidePeriod++;
      return;
    }
    g.seen[m] = 1;
  }

  gateways(): string[] {
    return [...this.perGateway.keys()].sort();
  }

  span(gateway: string): TimeSpan | null {
    const g = this.perGateway.get(gateway);
    return g ? spanOf(g.span.first, g.span.last) : null;
  }

  /** Runs of at least `gapMinutes` minutes without an event, the period's edges included. */
  gaps(gateway: string, gapMinutes: number): StreamGap[] {
    const seen = this.perGateway.get(gateway)?.seen ?? new Uint8Array(this.minutes);
    const out: StreamGap[] = [];
    let runStart = -1;
    for (let m = 0; m <= this.minutes; m++) {
      const empty = m < this.minutes && seen[m] === 0;
      if (empty && runStart < 0) runStart = m;
      if (!empty && runStart >= 0) {
        if (m - runStart >= gapMinutes) out.push(gapOf(this.period, runStart * MINUTE, m * MINUTE));
        runStart = -1;
      }
    }
    return out;
  }

  /** Days (UTC) of the period with no event from any gateway. */
  emptyDays(): { withEvents: number; without: string[] } {
    const days = Math.ceil(this.minutes / 1440);
    let withEvents = 0;
    const without: string[] = [];
    for (let d = 0; d < days; d++) {
      let any = false;
      for (const g of this.perGateway.values()) {
        for (let m = d * 1440; m < Math.min(this.minutes, (d + 1) * 1440) && !any; m++) if (g.seen[m]) any = true;
        if (any) break;
      }
      if (any) withEvents++;
      else without.push(iso(this.period.from + d * 86_400_000).slice(0, 10));
    }
    return { withEvents, without };
  }
}

function gapOf(period: Period, fromOffset: number, toOffset: number): StreamGap {
  const start = period.from + fromOffset;
  const end = Math.min(period.to, period.from + toOffset);
  return { start: iso(start), end: iso(end), durationSeconds: Math.round((end - start) / 1000) };
}

export interface CoverageInputs {
  readonly period: Period;
  readonly summaries: readonly { readonly file: string; readonly summary: IngestSummary }[];
  readonly events: EventCoverageCollector | null;
  /** The inventory's event-time span, used when there are no events. */
  readonly inventorySpan: TimeSpan | null;
  readonly gapMinutes?: number;
  /** An audit-trail break, as a failure of the audit control. */
  readonly auditFailure: ControlFailure | null;
}

export function buildCoverage(input: CoverageInputs): CoverageEvidence {
  const gapMinutes = input.gapMinutes ?? DEFAULT_GAP_MINUTES;
  const { period, events } = input;
  const missing: string[] = [];
  const sources: SourceCoverage[] = [];
  const gateways = new Set([...input.summaries.map((s) => s.summary.source), ...(events?.gateways() ?? [])]);
  const sameGateway = new Set(input.summaries.map((s) => s.summary.source)).size <= 1;
  for (const gateway of [...gateways].sort()) {
    const mine = input.summaries.filter((s) => s.summary.source === gateway);
    const sum = (f: (s: IngestSummary) => number) => mine.reduce((a, s) => a + f(s.summary), 0);
    const reasons: Record<string, number> = {};
    for (const s of mine)
      for (const [r, n] of Object.entries(s.summary.deadLetterReasons)) reasons[r] = (reasons[r] ?? 0) + n;
    let eventSpan: TimeSpan | null = null;
    let from: SourceCoverage['eventSpanFrom'] = null;
    let gaps: StreamGap[] = [];
    let complete = false;
    if (events && events.gateways().includes(gateway)) {
      eventSpan = events.span(gateway);
      from = 'events';
      gaps = events.gaps(gateway, gapMinutes);
      complete = true;
    } else if (input.inventorySpan && sameGateway) {
      eventSpan = input.inventorySpan;
      from = 'inventory';
      gaps = edgeGaps(period, eventSpan, gapMinutes);
    }
    sources.push({
      name: mine.length ? mine.map((s) => s.summary.input).join(', ') : `${gateway} (events only)`,
      gateway,
      input: mine.length ? mine.map((s) => s.file).join(', ') : null,
      records: mine.length ? sum((s) => s.records) : null,
      events: mine.length ? sum((s) => s.events) : null,
      deadLettered: mine.length ? sum((s) => s.deadLettered) : null,
      deadLetterReasons: reasons,
      blankLines: mine.length ? sum((s) => s.blankLines) : null,
      accounted: mine.length ? sum((s) => s.events + s.deadLettered) === sum((s) => s.records) : null,
      eventSpan,
      eventSpanFrom: from,
      gaps,
      gapsComplete: complete,
    });
  }
  if (!input.summaries.length)
    missing.push('no ingest summary (--summary): records and dead letters per source are unknown');
  if (!events) {
    missing.push(
      'the replay summary has no event-time histogram: gaps inside the stream cannot be found ' +
        '(only the period edges against the inventory span); pass the replay --events-out file as --events',
    );
  }
  missing.push('the replay summary has no time per dead letter: dead letters cannot be placed in the period');
  missing.push('no source start/stop records (wall time): an outage of a gateway and a quiet hour look the same');

  const failures: ControlFailure[] = [];
  for (const s of sources) {
    for (const g of s.gaps) {
      failures.push({
        kind: 'stream-gap',
        source: s.gateway,
        start: g.start,
        end: g.end,
        durationSeconds: g.durationSeconds,
        detail: `no ${s.gateway} events for ${formatDuration(g.durationSeconds)}`,
      });
    }
    if (s.deadLettered) {
      failures.push({
        kind: 'dead-letters',
        source: s.gateway,
        start: null,
        end: null,
        durationSeconds: null,
        detail: `${s.deadLettered} records dead-lettered (${Object.entries(s.deadLetterReasons)
          .map(([r, n]) => `${r}=${n}`)
          .join(', ')}): not analysed`,
      });
    }
  }
  if (input.auditFailure) failures.push(input.auditFailure);
  const days = events?.emptyDays() ?? null;
  return {
    sources,
    gapMinutes,
    failures,
    missing,
    daysWithEvents: days ? days.withEvents : null,
    daysWithoutEvents: days ? days.without : null,
  };
}

function edgeGaps(period: Period, span: TimeSpan, gapMinutes: number): StreamGap[] {
  const first = Date.parse(span.first);
  const last = Date.parse(span.last);
  const out: StreamGap[] = [];
  const min = gapMinutes * MINUTE;
  if (first - period.from >= min) out.push(gapOf(period, 0, Math.min(first, period.to) - period.from));
  if (period.to - last >= min)
    out.push(gapOf(period, Math.max(last, period.from) - period.from, period.to - period.from));
  return out;
}

export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}
