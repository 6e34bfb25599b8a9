/**
 * Champion/challenger: does a retrained model set (the challenger) replace the running one (the
 * champion)? Both are judged on the whole path (WholePathEvaluator) over the same evaluation sets — the
 * bank's held-back hours, fresh simulated seeds — and the rule is conservative: the challenger is
 * promoted only when, in every set, it is no worse than the champion beyond a stated margin on every
 * attack style (entity recall, share of attack requests stopped) and on every benign class (share of its
 * users affected by an enforcing decision), plain customers included. One regression anywhere refuses
 * it, and the verdict says which set, style or class, figure and by how much. Gains elsewhere do not buy
 * a regression back: a model that stops catalog scraping but blocks a carrier NAT is not promoted.
 */
import { wilson, type Interval } from '../metrics/wilson';
import type { WholePathReport } from './whole-path';

export interface StyleTally {
  readonly campaigns: number;
  readonly entities: number;
  readonly detected: number;
  readonly requests: number;
  readonly stopped: number;
}

export interface BenignTally {
  readonly users: number;
  readonly usersAffected: number;
  readonly enforcingDecisions: number;
}

/** Whole-path figures of one model set on one evaluation set, counts summed over its sources. */
export interface PooledFigures {
  readonly sources: number;
  readonly events: number;
  readonly styles: Readonly<Record<string, StyleTally>>;
  /** Benign classes (trap kinds), and `plain customers`. */
  readonly benign: Readonly<Record<string, BenignTally>>;
}

export const PLAIN_CUSTOMERS = 'plain customers';

export function poolReports(reports: readonly WholePathReport[]): PooledFigures {
  const styles: Record<
    string,
    { campaigns: number; entities: number; detected: number; requests: number; stopped: number }
  > = {};
  const benign: Record<string, { users: number; usersAffected: number; enforcingDecisions: number }> = {};
  let events = 0;
  for (const r of reports) {
    events += r.events;
    for (const [k, s] of Object.entries(r.byStyle)) {
      const t = (styles[k] ??= { campaigns: 0, entities: 0, detected: 0, requests: 0, stopped: 0 });
      t.campaigns += s.campaigns;
      t.entities += s.entities;
      t.detected += s.detected;
      t.requests += s.requests;
      t.stopped += s.stopped;
    }
    for (const [k, t] of Object.entries(r.traps)) {
      const b = (benign[k] ??= { users: 0, usersAffected: 0, enforcingDecisions: 0 });
      b.users += t.users;
      b.usersAffected += t.usersAffected;
      b.enforcingDecisions += t.enforcingDecisions;
    }
    const p = (benign[PLAIN_CUSTOMERS] ??= { users: 0, usersAffected: 0, enforcingDecisions: 0 });
    p.users += r.plainCustomers.users;
    p.usersAffected += r.plainCustomers.affected;
  }
  return { sources: reports.length, events, styles, benign };
}

export interface PromotionMargins {
  /** Entity recall of an attack style may drop by at most this much (absolute). */
  readonly recall: number;
  /** Share of an attack style's requests stopped may drop by at most this much. */
  readonly stopped: number;
  /** Share of a benign class's users affected may rise by at most this much. */
  readonly harm: number;
}

export const DEFAULT_PROMOTION_MARGINS: PromotionMargins = { recall: 0.05, stopped: 0.05, harm: 0.002 };

export type Metric = 'recall' | 'stopped' | 'users affected';

export interface Comparison {
  readonly set: string;
  readonly kind: 'style' | 'benign';
  readonly key: string;
  readonly metric: Metric;
  /** Counts behind each share. */
  readonly champion: {
    readonly value: number;
    readonly of: number;
    readonly share: number;
    readonly interval: Interval;
  };
  readonly challenger: {
    readonly value: number;
    readonly of: number;
    readonly share: number;
    readonly interval: Interval;
  };
  /** challenger − champion, signed so that positive is better. */
  readonly gain: number;
  readonly margin: number;
  readonly verdict: 'better' | 'same' | 'worse within margin' | 'regressed';
}

export interface PromotionVerdict {
  readonly promote: boolean;
  readonly margins: PromotionMargins;
  readonly comparisons: readonly Comparison[];
  readonly regressions: readonly Comparison[];
  /** Rows where the challenger is strictly better. */
  readonly better: number;
}

export interface EvaluationSet {
  readonly name: string;
  readonly champion: PooledFigures;
  readonly challenger: PooledFigures;
}

const EPS = 1e-9;

export function promotionVerdict(
  sets: readonly EvaluationSet[],
  margins: PromotionMargins = DEFAULT_PROMOTION_MARGINS,
): PromotionVerdict {
  const comparisons: Comparison[] = [];
  const share = (value: number, of: number) => ({
    value,
    of,
    share: of > 0 ? value / of : 0,
    interval: wilson(value, of),
  });
  const compare = (
    set: string,
    kind: Comparison['kind'],
    key: string,
    metric: Metric,
    a: [number, number],
    b: [number, number],
    margin: number,
    higherIsBetter: boolean,
  ) => {
    const champion = share(...a);
    const challenger = share(...b);
    if (champion.of === 0 && challenger.of === 0) return;
    const gain = (challenger.share - champion.share) * (higherIsBetter ? 1 : -1);
    const verdict: Comparison['verdict'] =
      gain > EPS ? 'better' : gain > -EPS ? 'same' : gain >= -margin - EPS ? 'worse within margin' : 'regressed';
    comparisons.push({ set, kind, key, metric, champion, challenger, gain, margin, verdict });
  };
  for (const s of sets) {
    const styles = [...new Set([...Object.keys(s.champion.styles), ...Object.keys(s.challenger.styles)])].sort();
    for (const k of styles) {
      const a = s.champion.styles[k] ?? ZERO_STYLE;
      const b = s.challenger.styles[k] ?? ZERO_STYLE;
      compare(s.name, 'style', k, 'recall', [a.detected, a.entities], [b.detected, b.entities], margins.recall, true);
      compare(s.name, 'style', k, 'stopped', [a.stopped, a.requests], [b.stopped, b.requests], margins.stopped, true);
    }
    const classes = [...new Set([...Object.keys(s.champion.benign), ...Object.keys(s.challenger.benign)])].sort();
    for (const k of classes) {
      const a = s.champion.benign[k] ?? ZERO_BENIGN;
      const b = s.challenger.benign[k] ?? ZERO_BENIGN;
      compare(
        s.name,
        'benign',
        k,
        'users affected',
        [a.usersAffected, a.users],
        [b.usersAffected, b.users],
        margins.harm,
        false,
      );
    }
  }
  const regressions = comparisons.filter((c) => c.verdict === 'regressed');
  return {
    promote: regressions.length === 0,
    margins,
    comparisons,
    regressions,
    better: comparisons.filter((c) => c.verdict === 'better').length,
  };
}

const ZERO_STYLE: StyleTally = { campaigns: 0, entities: 0, detected: 0, requests: 0, stopped: 0 };
const ZERO_BENIGN: BenignTally = { users: 0, usersAffected: 0, enforcingDecisions: 0 };

/** `held-back history: credential_stuffing/low_and_slow recall 0.83 → 0.41 (margin 0.05)`. */
export function describeRegression(c: Comparison): string {
  const f = (x: { value: number; of: number; share: number }) => `${x.share.toFixed(3)} (${x.value}/${x.of})`;
  return `${c.set}: ${c.kind === 'style' ? 'attack style' : 'benign class'} ${c.key} ${c.metric} ${f(c.champion)} → ${f(c.challenger)} (margin ${c.margin})`;
}
