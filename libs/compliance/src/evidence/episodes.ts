/**
 * Time to decide, without labels: per detector episode, first alert → first decision. An episode is a
 * run of alerts of one detector on one entity (`scope:value`, as decisionValueKey writes it) with no
 * more than `gapMs` of event time between two of them. Its first decision is the earliest decision of
 * that detector on that entity from shortly before the first alert (the policy emits a decision and its
 * alert together) to the episode's end, or the time of the first alert that links a decision.
 *
 * Bounded memory: open episodes are closed once their entity has been quiet for `gapMs` of event time
 * (swept every few thousand records); closed ones only add to a log-bucket sketch.
 */
import { decisionValueKey, type Alert, type Decision } from '@vigil/detection';
import { bucketOf, quantilesOf } from '@vigil/inventory';
import type { LatencyDistribution, Period, RecordRef, TimeToDecideEvidence } from './evidence';
import { Samples, inPeriod } from './tallies';

export const DEFAULT_EPISODE_GAP_MS = 30 * 60_000;
const SWEEP_EVERY = 4096;
const HISTOGRAM: readonly { label: string; upToMs: number | null }[] = [
  { label: 'same batch (0 s)', upToMs: 0 },
  { label: '≤ 10 s', upToMs: 10_000 },
  { label: '≤ 1 min', upToMs: 60_000 },
  { label: '≤ 5 min', upToMs: 300_000 },
  { label: '≤ 30 min', upToMs: 1_800_000 },
  { label: '> 30 min', upToMs: null },
];

interface Episode {
  readonly detector: string;
  readonly key: string;
  readonly firstAlert: number;
  readonly firstAlertId: string;
  readonly enforcingSeverity: boolean;
  lastAlert: number;
  decidedAt: number | null;
}

class LatencySketch {
  readonly buckets = new Map<number, number>();
  readonly histogram = new Array<number>(HISTOGRAM.length).fill(0);
  count = 0;
  add(ms: number): void {
    this.count++;
    const b = bucketOf(ms);
    this.buckets.set(b, (this.buckets.get(b) ?? 0) + 1);
    const i = HISTOGRAM.findIndex((h) => h.upToMs !== null && ms <= h.upToMs);
    this.histogram[i < 0 ? HISTOGRAM.length - 1 : i]!++;
  }
  distribution(): LatencyDistribution {
    const q = quantilesOf(this.buckets);
    return {
      count: this.count,
      p50Ms: q?.p50 ?? null,
      p90Ms: q?.p90 ?? null,
      p99Ms: q?.p99 ?? null,
      maxMs: q?.max ?? null,
      histogram: HISTOGRAM.map((h, i) => ({ ...h, count: this.histogram[i]! })),
    };
  }
}

export function alertEntityKey(a: Pick<Alert, 'entity'>): string {
  // Signature alerts already carry the decision key (`signature:field=value&…`).
  return a.entity.type === 'signature' ? a.entity.value : `${a.entity.type}:${a.entity.value}`;
}

export class EpisodeTracker {
  private readonly open = new Map<string, Episode>();
  /** Decisions seen just before their alert (same batch), by detector|key → ts. */
  private readonly recentDecisions = new Map<string, number>();
  private readonly all = new LatencySketch();
  private readonly perDetector = new Map<
    string,
    { episodes: number; decided: number; undecidedHigh: number; sketch: LatencySketch }
  >();
  private readonly samples = new Samples();
  private episodes = 0;
  private decided = 0;
  private undecidedHigh = 0;
  private seen = 0;
  private now = -Infinity;

  constructor(
    private readonly period: Period,
    private readonly gapMs = DEFAULT_EPISODE_GAP_MS,
  ) {}

  decision(d: Decision): void {
    const key = `${d.detector}|${decisionValueKey(d.scope, d.value)}`;
    const ep = this.open.get(key);
    if (ep && ep.decidedAt === null) ep.decidedAt = Math.max(d.ts, ep.firstAlert);
    else if (!ep) this.recentDecisions.set(key, d.ts);
    this.tick(d.ts);
  }

  alert(a: Alert, ref: RecordRef): void {
    const key = `${a.detector}|${alertEntityKey(a)}`;
    let ep = this.open.get(key);
    if (ep && a.ts - ep.lastAlert > this.gapMs) {
      this.close(ep);
      ep = undefined;
    }
    if (!ep) {
      const before = this.recentDecisions.get(key);
      ep = {
        detector: a.detector,
        key,
        firstAlert: a.ts,
        firstAlertId: a.id,
        enforcingSeverity: a.severity === 'high' || a.severity === 'critical',
        lastAlert: a.ts,
        decidedAt: before !== undefined && a.ts - before <= this.gapMs ? a.ts : null,
      };
      this.recentDecisions.delete(key);
      this.open.set(key, ep);
      if (inPeriod(this.period, a.ts) && this.samples.items.length < 20) this.samples.add(ref);
    }
    ep.lastAlert = Math.max(ep.lastAlert, a.ts);
    if (ep.decidedAt === null && a.decisionIds.length > 0) ep.decidedAt = a.ts;
    this.tick(a.ts);
  }

  result(): TimeToDecideEvidence {
    for (const ep of this.open.values()) this.close(ep);
    this.open.clear();
    const byDetector: Record<string, TimeToDecideEvidence['byDetector'][string]> = {};
    for (const [det, v] of [...this.perDetector].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const d = v.sketch.distribution();
      byDetector[det] = {
        episodes: v.episodes,
        decided: v.decided,
        undecidedHighSeverity: v.undecidedHigh,
        p50Ms: d.p50Ms,
        maxMs: d.maxMs,
      };
    }
    return {
      method:
        'Without labels, an attack is approximated by a detector episode: alerts of one detector on one entity ' +
        `with at most ${this.gapMs / 60_000} min between them. Time to decide = its first decision − its first alert ` +
        '(event time). The attack may have begun before its first alert: the figure is a lower bound on time from first attack event.',
      episodeGapSeconds: this.gapMs / 1000,
      episodes: this.episodes,
      decided: this.decided,
      alertOnly: this.episodes - this.decided,
      distribution: this.all.distribution(),
      byDetector,
      undecidedHighSeverity: this.undecidedHigh,
      samples: this.samples.items,
    };
  }

  private close(ep: Episode): void {
    this.open.delete(ep.key);
    if (!inPeriod(this.period, ep.firstAlert)) return;
    this.episodes++;
    let det = this.perDetector.get(ep.detector);
    if (!det)
      this.perDetector.set(
        ep.detector,
        (det = { episodes: 0, decided: 0, undecidedHigh: 0, sketch: new LatencySketch() }),
      );
    det.episodes++;
    if (ep.decidedAt !== null) {
      const ms = Math.max(0, ep.decidedAt - ep.firstAlert);
      this.decided++;
      det.decided++;
      this.all.add(ms);
      det.sketch.add(ms);
    } else if (ep.enforcingSeverity) {
      this.undecidedHigh++;
      det.undecidedHigh++;
    }
  }

  private tick(ts: number): void {
    if (ts > this.now) this.now = ts;
    if (++this.seen % SWEEP_EVERY !== 0) return;
    const horizon = this.now - this.gapMs;
    for (const ep of this.open.values()) if (ep.lastAlert < horizon) this.close(ep);
    for (const [k, ts0] of this.recentDecisions) if (ts0 < horizon) this.recentDecisions.delete(k);
  }
}

/** Episodes of a subset of detectors (the credential detectors, for invalid authentication). */
export function countsOf(
  e: TimeToDecideEvidence,
  detectors: ReadonlySet<string>,
): { episodes: number; decided: number; undecidedHighSeverity: number } {
  let episodes = 0;
  let decided = 0;
  let undecidedHighSeverity = 0;
  for (const [d, v] of Object.entries(e.byDetector)) {
    if (!detectors.has(d)) continue;
    episodes += v.episodes;
    decided += v.decided;
    undecidedHighSeverity += v.undecidedHighSeverity;
  }
  return { episodes, decided, undecidedHighSeverity };
}
