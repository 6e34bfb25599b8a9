/**
 * Champion against challenger, from the decisions of one run: the active models' path (the champion:
 * decisions with `shadow: false`) and a challenger model scored in shadow beside it (`--shadow-models`,
 * `detection.shadowModels`: decisions with `shadow: true` and the challenger's model version). Per
 * detector, the targets (scope:value) each side decided, those both decided, those only one did, by
 * action; the agreement; the score and time-to-first-decision differences on the targets both decided;
 * which part of the champion decided what the challenger left alone (its model, or its baselines — which
 * a promotion keeps); and, when labels are given, which attack styles and benign classes each side's
 * targets were.
 *
 * Here and not in @vigil/training: it reads decisions only (this lib's type), and the detector service,
 * which never loads training code, counts the same comparison as it goes (`add`'s return value).
 * Labels come in as a function, so the label sets stay in @vigil/training.
 *
 * Decisions arrive as they are produced: an extension of a decision in force is the same id with a later
 * `ts` and the higher score; it raises the target's score, never its first-decision time. A target's
 * action on one side is the strongest it got there (block > revoke_session > step_up > challenge >
 * throttle > monitor).
 */
import { RULES_VERSION } from '../detectors/composite-detector';
import type { DetectorName } from '../policy/policy-config';
import type { DetectionSetup } from '../setup/detection-setup';
import {
  decisionValueKey,
  type Decision,
  type DecisionAction,
  type DecisionScope,
  type Signature,
} from '../records/records';

export type ShadowSide = 'champion' | 'challenger';

/** Strongest first. */
export const ACTION_STRENGTH: readonly DecisionAction[] = [
  'block',
  'revoke_session',
  'step_up',
  'challenge',
  'throttle',
  'monitor',
];
const strength = (a: DecisionAction) => ACTION_STRENGTH.length - ACTION_STRENGTH.indexOf(a);

export interface ShadowComparisonOptions {
  /** The detectors to compare (those with a challenger); default: every detector a challenger decision names. */
  readonly detectors?: readonly string[];
  /** Which side a decision is on, or null to leave it out; default `sideOfDecision`. */
  readonly sideOf?: (d: Decision) => ShadowSide | null;
  /** What a target is known to be at `ts` (`attack:<type>/<style>`, `benign:<class>`), or null. */
  readonly labelOf?: (scope: DecisionScope, value: string | Signature, ts: number) => string | null;
  /** Targets remembered at most (a long-running service); the oldest go first. Default: no cap. */
  readonly maxTargets?: number;
}

/**
 * The default sides: enforced-path decisions are the champion's; shadow decisions of a model (not of the
 * baselines, which a detector in shadow mode also writes) are the challenger's.
 */
export function sideOfDecision(d: Decision): ShadowSide | null {
  if (!d.shadow) return 'champion';
  return d.modelVersion !== RULES_VERSION ? 'challenger' : null;
}

interface SideState {
  firstTs: number;
  maxScore: number;
  action: DecisionAction;
  /** Model version of the strongest decision (RULES_VERSION: the baselines decided it). */
  modelVersion: string;
  decisions: number;
}

interface TargetState {
  readonly detector: string;
  readonly scope: DecisionScope;
  readonly label: string | null;
  champion?: SideState;
  challenger?: SideState;
}

/** What `add` did to the comparison: the service's counters follow it. */
export interface ShadowEvent {
  readonly detector: string;
  readonly side: ShadowSide;
  /** The first decision of this side on this target. */
  readonly newTarget: boolean;
  /** The other side had already decided this target: from now on both have. */
  readonly nowBoth: boolean;
}

export interface DistributionSummary {
  readonly n: number;
  readonly mean: number;
  readonly median: number;
  readonly p10: number;
  readonly p90: number;
  readonly min: number;
  readonly max: number;
}

export interface TargetCounts {
  /** Targets the champion decided (with any action). */
  readonly champion: number;
  readonly challenger: number;
  readonly both: number;
  readonly championOnly: number;
  readonly challengerOnly: number;
}

export interface ActionRow extends TargetCounts {
  /** The strongest action a target got on a side: `champion` counts targets whose champion action it is. */
  readonly action: DecisionAction;
  /** `both` here: both sides' strongest action is this one. */
}

export interface LabelRow extends TargetCounts {
  /** `attack:<type>/<style>`, `benign:<class>`, or `unlabeled`. */
  readonly label: string;
}

export interface DetectorComparison {
  readonly detector: string;
  readonly championVersions: readonly string[];
  readonly challengerVersions: readonly string[];
  readonly decisions: { readonly champion: number; readonly challenger: number };
  readonly targets: TargetCounts;
  readonly agreement: {
    /** Targets both decided with the same strongest action. */
    readonly sameAction: number;
    readonly differentAction: number;
    /** sameAction ÷ targets either side decided. */
    readonly rate: number;
    /** both ÷ targets either side decided (whatever the action). */
    readonly overlap: number;
  };
  readonly byAction: readonly ActionRow[];
  /**
   * Targets only the champion decided, by scope and the model version of its strongest decision
   * (`baseline-1`: its baselines). A scope the challenger never decides on (a subnet escalated from
   * blocked addresses, a fleet signature) is the champion path's, which a promotion keeps.
   */
  readonly championOnlyBy: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Challenger's highest score minus the champion's, on targets both decided. */
  readonly scoreDelta: DistributionSummary | null;
  /** Seconds from the champion's first decision to the challenger's (negative: the challenger was first). */
  readonly firstDecisionDeltaSec:
    | (DistributionSummary & {
        readonly challengerEarlier: number;
        readonly same: number;
        readonly challengerLater: number;
      })
    | null;
  /** With labels: the targets of each label class (attack styles, benign classes, unlabeled). */
  readonly byLabel: readonly LabelRow[];
}

export interface ShadowReport {
  readonly detectors: readonly DetectorComparison[];
  /** Distinct decisions read: each side's, and those on neither (other detectors, baselines in shadow). */
  readonly decisions: { readonly champion: number; readonly challenger: number; readonly ignored: number };
  readonly labeled: boolean;
  /** Targets forgotten under `maxTargets` (0 in a CLI run). */
  readonly forgottenTargets: number;
}

export class ShadowComparison {
  private readonly targets = new Map<string, TargetState>();
  private readonly seen = new Set<string>();
  private readonly detectors: ReadonlySet<string> | null;
  private readonly sideOf: (d: Decision) => ShadowSide | null;
  private readonly counts = { champion: 0, challenger: 0, ignored: 0 };
  private readonly challengerDetectors = new Set<string>();
  private forgotten = 0;

  constructor(private readonly options: ShadowComparisonOptions = {}) {
    this.detectors = options.detectors ? new Set(options.detectors) : null;
    this.sideOf = options.sideOf ?? sideOfDecision;
  }

  /** Decisions as produced (any order across detectors; extensions after what they extend). */
  addAll(ds: Iterable<Decision>): void {
    for (const d of ds) this.add(d);
  }

  add(d: Decision): ShadowEvent | null {
    const side = this.sideOf(d);
    if (side === null || (this.detectors && !this.detectors.has(d.detector))) {
      if (!this.seen.has(d.id)) {
        this.seen.add(d.id);
        this.counts.ignored++;
      }
      return null;
    }
    if (side === 'challenger') this.challengerDetectors.add(d.detector);
    const key = `${d.detector}\u0000${decisionValueKey(d.scope, d.value)}`;
    let t = this.targets.get(key);
    if (!t) {
      t = { detector: d.detector, scope: d.scope, label: this.options.labelOf?.(d.scope, d.value, d.ts) ?? null };
      this.targets.set(key, t);
      const cap = this.options.maxTargets;
      if (cap !== undefined && this.targets.size > cap) {
        this.targets.delete(this.targets.keys().next().value!);
        this.forgotten++;
      }
    }
    const fresh = !this.seen.has(d.id);
    if (fresh) {
      this.seen.add(d.id);
      this.counts[side]++;
      // A capped comparison forgets ids too (an id far older than the targets kept is not extended again).
      const cap = this.options.maxTargets;
      if (cap !== undefined && this.seen.size > 4 * cap) this.seen.delete(this.seen.values().next().value!);
    }
    const s = t[side];
    const other = side === 'champion' ? t.challenger : t.champion;
    if (!s) {
      t[side] = { firstTs: d.ts, maxScore: d.score, action: d.action, modelVersion: d.modelVersion, decisions: 1 };
      return { detector: d.detector, side, newTarget: true, nowBoth: other !== undefined };
    }
    if (fresh) s.decisions++;
    if (d.ts < s.firstTs) s.firstTs = d.ts;
    if (d.score > s.maxScore) s.maxScore = d.score;
    if (strength(d.action) > strength(s.action)) {
      s.action = d.action;
      s.modelVersion = d.modelVersion;
    }
    return { detector: d.detector, side, newTarget: false, nowBoth: false };
  }

  report(): ShadowReport {
    const by = new Map<string, TargetState[]>();
    for (const t of this.targets.values()) {
      const list = by.get(t.detector);
      if (list) list.push(t);
      else by.set(t.detector, [t]);
    }
    const names = this.options.detectors ?? [...this.challengerDetectors].sort();
    return {
      detectors: names.map((name) => compareDetector(name, by.get(name) ?? [])),
      decisions: { ...this.counts },
      labeled: this.options.labelOf !== undefined,
      forgottenTargets: this.forgotten,
    };
  }
}

/** A setup's comparison, and why some of its challengers cannot be compared. */
export interface SetupShadowComparison {
  readonly comparison: ShadowComparison;
  readonly note?: string;
}

/**
 * The comparison for a setup with shadow models (null without): a decision is the challenger's when it
 * is shadow and carries the challenger's model version, the champion's when it is not shadow. A detector
 * the policy runs in shadow (or a policy in shadow mode) writes its champion decisions as shadow too: it
 * cannot be told apart, and is left out with a note. `vigil run`/`vigil replay` and the detector service
 * build theirs here.
 */
export function shadowComparisonForSetup(
  setup: Pick<DetectionSetup, 'shadow' | 'policy'>,
  options: Pick<ShadowComparisonOptions, 'labelOf' | 'maxTargets'> = {},
): SetupShadowComparison | null {
  if (!setup.shadow.size) return null;
  const policy = setup.policy;
  const all = [...setup.shadow.keys()].sort();
  const blind = all.filter((d) => policy.mode === 'shadow' || policy.detectors[d as DetectorName]?.shadow === true);
  const sideOf = (d: Decision): ShadowSide | null => {
    if (!d.shadow) return 'champion';
    return setup.shadow.get(d.detector)?.version === d.modelVersion ? 'challenger' : null;
  };
  const comparison = new ShadowComparison({ ...options, detectors: all.filter((d) => !blind.includes(d)), sideOf });
  if (!blind.length) return { comparison };
  const them = blind.length === 1 ? 'it' : 'them';
  return {
    comparison,
    note: `${blind.join(', ')}: the policy runs ${them} in shadow, so the champion's decisions are shadow too and cannot be compared`,
  };
}

/** The report of a whole decision stream at once. */
export function compareShadowDecisions(
  decisions: Iterable<Decision>,
  options: ShadowComparisonOptions = {},
): ShadowReport {
  const c = new ShadowComparison(options);
  c.addAll(decisions);
  return c.report();
}

type Counts = { -readonly [K in keyof TargetCounts]: number };

function emptyCounts(): Counts {
  return { champion: 0, challenger: 0, both: 0, championOnly: 0, challengerOnly: 0 };
}

function tally(c: Counts, champion: boolean, challenger: boolean): void {
  if (champion) c.champion++;
  if (challenger) c.challenger++;
  if (champion && challenger) c.both++;
  else if (champion) c.championOnly++;
  else if (challenger) c.challengerOnly++;
}

function compareDetector(detector: string, targets: readonly TargetState[]): DetectorComparison {
  const counts = emptyCounts();
  const actions = new Map<string, Counts>();
  const labels = new Map<string, Counts>();
  const championOnlyBy: Record<string, Record<string, number>> = {};
  const championVersions = new Set<string>();
  const challengerVersions = new Set<string>();
  const decisions = { champion: 0, challenger: 0 };
  const scoreDeltas: number[] = [];
  const timeDeltas: number[] = [];
  let sameAction = 0;
  const row = (m: Map<string, Counts>, k: string) => {
    let c = m.get(k);
    if (!c) m.set(k, (c = emptyCounts()));
    return c;
  };
  for (const t of targets) {
    const a = t.champion;
    const b = t.challenger;
    tally(counts, a !== undefined, b !== undefined);
    tally(row(labels, t.label ?? 'unlabeled'), a !== undefined, b !== undefined);
    if (a) {
      championVersions.add(a.modelVersion);
      decisions.champion += a.decisions;
      const r = row(actions, a.action);
      r.champion++;
      if (!b) {
        r.championOnly++;
        const of = (championOnlyBy[t.scope] ??= {});
        of[a.modelVersion] = (of[a.modelVersion] ?? 0) + 1;
      }
    }
    if (b) {
      challengerVersions.add(b.modelVersion);
      decisions.challenger += b.decisions;
      const r = row(actions, b.action);
      r.challenger++;
      if (!a) r.challengerOnly++;
    }
    if (a && b) {
      if (a.action === b.action) {
        sameAction++;
        row(actions, a.action).both++;
      }
      scoreDeltas.push(b.maxScore - a.maxScore);
      timeDeltas.push((b.firstTs - a.firstTs) / 1000);
    }
  }
  const union = counts.both + counts.championOnly + counts.challengerOnly;
  const time = distribution(timeDeltas);
  return {
    detector,
    championVersions: [...championVersions].sort(),
    challengerVersions: [...challengerVersions].sort(),
    decisions,
    targets: counts,
    agreement: {
      sameAction,
      differentAction: counts.both - sameAction,
      rate: union ? sameAction / union : 1,
      overlap: union ? counts.both / union : 1,
    },
    byAction: ACTION_STRENGTH.filter((a) => actions.has(a)).map((action) => ({ action, ...actions.get(action)! })),
    championOnlyBy: sortedRecord(championOnlyBy, (v) => sortedRecord(v, (n) => n)),
    scoreDelta: distribution(scoreDeltas),
    firstDecisionDeltaSec: time && {
      ...time,
      challengerEarlier: timeDeltas.filter((x) => x < 0).length,
      same: timeDeltas.filter((x) => x === 0).length,
      challengerLater: timeDeltas.filter((x) => x > 0).length,
    },
    byLabel: [...labels]
      .sort(([x], [y]) => labelOrder(x) - labelOrder(y) || (x < y ? -1 : 1))
      .map(([label, c]) => ({ label, ...c })),
  };
}

function sortedRecord<T, U>(r: Record<string, T>, f: (v: T) => U): Record<string, U> {
  return Object.fromEntries(
    Object.entries(r)
      .sort(([x], [y]) => (x < y ? -1 : 1))
      .map(([k, v]) => [k, f(v)]),
  );
}

/** Attacks first, then benign classes, then unlabeled targets. */
function labelOrder(label: string): number {
  if (label.startsWith('attack:')) return 0;
  if (label.startsWith('benign:')) return 1;
  return 2;
}

/** Nearest-rank quantiles; null for no values. */
export function distribution(values: readonly number[]): DistributionSummary | null {
  if (!values.length) return null;
  const v = [...values].sort((a, b) => a - b);
  const q = (p: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(p * v.length) - 1))]!;
  return {
    n: v.length,
    mean: v.reduce((a, b) => a + b, 0) / v.length,
    median: q(0.5),
    p10: q(0.1),
    p90: q(0.9),
    min: v[0]!,
    max: v[v.length - 1]!,
  };
}
