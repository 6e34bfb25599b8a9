/**
 * Population-level credential stuffing: a campaign spread over thousands of addresses, one attempt each,
 * shows in no single address — only in what its failing logins share. Per login request field a proxy
 * sees (user agent, TLS fingerprint, country, ASN, path, …, and pairs of them), this keeps the failures of
 * the last ten minutes and the successes of the last hour per value. A value (or pair) is a signature
 * when its failures are many, nearly all its logins fail, and it is many times more common among
 * failures than among the successful logins that stand for normal customers ("lift"), while matching
 * almost none of them ("collateral"). The signature becomes a `challenge` on every login request that
 * matches all its fields, renewed while the campaign lasts and left to expire when it stops.
 *
 * The site-wide login flow's own departure from its baseline (robust z of failures per minute, EWMA) is
 * reported beside each signature as context; a signature needs no such departure to fire, because a
 * low-and-slow campaign adds too few failures per minute to move the flow as a whole.
 */
import type { AccessEvent } from '@vigil/events';
import { FEATURE_REGISTRY, LOGIN_FLOW_ID, type FeatureVector } from '@vigil/features';
import type { Reason, Signature, SignatureField } from '../records/records';
import { decisionValueKey } from '../records/records';
import { FeatureReader, ramp, round } from './feature-reader';
import type { BatchView, Detector, Finding } from './finding';

export interface LoginPopulationOptions {
  /** Failures of a value in the last ten minutes before it can be a signature. */
  readonly minFailures: number;
  /** …or this many when no normal customer's successful login has that value and its lift is 4× minLift. */
  readonly minFailuresUnseen: number;
  /** Share of the value's logins (last ten minutes) that failed. */
  readonly minFailureRatio: number;
  /** Share among failures / share among successes. */
  readonly minLift: number;
  /** Most of normal customers' successful logins (last hour) a signature may match. */
  readonly maxCollateral: number;
  /** …and all chosen signatures together. */
  readonly maxTotalCollateral: number;
  /** Values kept per field or pair; a flood of new values beyond it is counted, not kept. */
  readonly maxValuesPerField: number;
  readonly ttlSeconds: number;
  readonly maxSignatures: number;
}

export const DEFAULT_LOGIN_POPULATION: LoginPopulationOptions = {
  minFailures: 10,
  minFailuresUnseen: 5,
  minFailureRatio: 0.88,
  minLift: 8,
  maxCollateral: 0.0005,
  maxTotalCollateral: 0.002,
  maxValuesPerField: 4096,
  ttlSeconds: 600,
  maxSignatures: 16,
};

/**
 * Single fields, then pairs of the fields that vary between clients. A country or an ASN alone is shared
 * by every customer there (a traveller, a whole ISP): it only narrows a pair with a client field.
 */
const SINGLE: readonly SignatureField[] = ['userAgent', 'tlsFingerprint', 'path'];
const PAIRABLE: readonly SignatureField[] = ['userAgent', 'tlsFingerprint', 'country', 'asn', 'path'];
const COARSE_ONLY: ReadonlySet<SignatureField> = new Set(['country', 'asn']);
const COMBOS: readonly (readonly SignatureField[])[] = [
  ...SINGLE.map((f) => [f]),
  ...PAIRABLE.flatMap((a, i) =>
    PAIRABLE.slice(i + 1)
      .filter((b) => !(COARSE_ONLY.has(a) && COARSE_ONLY.has(b)))
      .map((b) => [a, b]),
  ),
];
/** Field → its single-field combo. */
const SINGLE_COMBO: ReadonlyMap<SignatureField, number> = new Map(
  COMBOS.flatMap((fs, i) => (fs.length === 1 ? [[fs[0]!, i] as const] : [])),
);
/** `a|b` (either order) → the pair combo of fields a and b. */
const PAIR_COMBO: ReadonlyMap<string, number> = new Map(
  COMBOS.flatMap((fs, i) =>
    fs.length === 2 ? [[`${fs[0]}|${fs[1]}`, i] as const, [`${fs[1]}|${fs[0]}`, i] as const] : [],
  ),
);

const COARSE: ReadonlySet<SignatureField> = new Set(['country', 'asn', 'path', 'host', 'method']);
const MINUTE = 60_000;
/** Failures of a signature must come from (about) this many addresses at least. */
const MIN_ADDRESSES = 5;
/** The success baseline a lift is measured against is never taken as smaller than this. */
const MIN_BASELINE_SUCCESSES = 100;
/** A value failing at least this often, this many times, is under suspicion (see count()). */
const SUSPECT_MIN_FAILURES = 3;
const SUSPECT_FAILURE_RATIO = 0.5;
const FAIL_MINUTES = 10;
/** Successes decay with this half-life: the last hour of normal logins, weighted to the recent. */
const SUCCESS_HALF_LIFE_MS = 30 * MINUTE;

function fieldValue(e: AccessEvent, f: SignatureField): string | null {
  if (f === 'asn') return e.asn === null ? null : String(e.asn);
  return e[f];
}

type RingState = [minute: number, total: number, counts: Float64Array];
type DecayedState = [value: number, at: number];
type ValueStatsState = [
  failures: RingState,
  addressChanges: RingState,
  lastFailedIp: string | null,
  successes10m: RingState,
  successes: DecayedState,
];

/** LoginPopulationDetector.snapshot(): per combo its swept minute and values in insertion order. */
export interface LoginPopulationState {
  readonly stats: [sweptMinute: number, values: [string, ValueStatsState][]][];
  readonly failures: RingState;
  readonly successes10m: RingState;
  readonly successes: DecayedState;
  readonly hot: string[];
  readonly overflowed: number;
}

/** Ten one-minute buckets of counts, rolled forward by event time. */
class MinuteRing {
  readonly counts = new Float64Array(FAIL_MINUTES);
  minute = -Infinity;
  total = 0;

  add(minute: number, n: number): void {
    // Older than the ring (an event more than ten minutes late): it would land in a live bucket.
    if (minute <= this.minute - FAIL_MINUTES) return;
    this.roll(minute);
    this.counts[((minute % FAIL_MINUTES) + FAIL_MINUTES) % FAIL_MINUTES]! += n;
    this.total += n;
  }

  snapshot(): RingState {
    return [this.minute, this.total, Float64Array.from(this.counts)];
  }

  restore([minute, total, counts]: RingState): void {
    this.minute = minute;
    this.total = total;
    this.counts.set(counts);
  }

  roll(minute: number): void {
    if (minute <= this.minute) return;
    if (minute - this.minute >= FAIL_MINUTES) {
      this.counts.fill(0);
      this.total = 0;
    } else {
      for (let m = this.minute + 1; m <= minute; m++) {
        const i = ((m % FAIL_MINUTES) + FAIL_MINUTES) % FAIL_MINUTES;
        this.total -= this.counts[i]!;
        this.counts[i] = 0;
      }
    }
    this.minute = minute;
  }
}

class Decayed {
  value = 0;
  at = -Infinity;

  snapshot(): DecayedState {
    return [this.value, this.at];
  }

  restore([value, at]: DecayedState): void {
    this.value = value;
    this.at = at;
  }

  add(ts: number, n: number): void {
    this.decayTo(ts);
    this.value += n;
  }

  decayTo(ts: number): number {
    if (ts > this.at) {
      if (Number.isFinite(this.at)) this.value *= Math.pow(0.5, (ts - this.at) / SUCCESS_HALF_LIFE_MS);
      this.at = ts;
    }
    return this.value;
  }
}

/** A value map and when it was last swept (a full map is swept at most once a minute of event time). */
class ValueMap extends Map<string, ValueStats> {
  sweptMinute = -Infinity;
}

class ValueStats {
  readonly failures = new MinuteRing();
  /** Failures whose address differs from the previous failure's: ≈ the addresses a campaign spreads over. */
  readonly addressChanges = new MinuteRing();
  lastFailedIp: string | null = null;
  readonly successes10m = new MinuteRing();
  readonly successes = new Decayed();

  snapshot(): ValueStatsState {
    return [
      this.failures.snapshot(),
      this.addressChanges.snapshot(),
      this.lastFailedIp,
      this.successes10m.snapshot(),
      this.successes.snapshot(),
    ];
  }

  static restore([failures, addressChanges, lastFailedIp, successes10m, successes]: ValueStatsState): ValueStats {
    const s = new ValueStats();
    s.failures.restore(failures);
    s.addressChanges.restore(addressChanges);
    s.lastFailedIp = lastFailedIp;
    s.successes10m.restore(successes10m);
    s.successes.restore(successes);
    return s;
  }
}

interface Candidate {
  readonly signature: Signature;
  readonly key: string;
  readonly failures: number;
  readonly ratio: number;
  readonly lift: number;
  readonly collateral: number;
  readonly score: number;
}

const flowReader = new FeatureReader('loginFlow', [
  'loginFailures10m',
  'failedLoginRatio10m',
  'loginFailuresRobustZ',
  'loginFailuresEwma',
  'loginFailuresLastMinute',
  'neverSucceededPrincipalShare10m',
]);

export class LoginPopulationDetector implements Detector {
  readonly id = 'login-population';
  private readonly stats: ValueMap[] = COMBOS.map(() => new ValueMap());
  private readonly failures = new MinuteRing();
  private readonly successes10m = new MinuteRing();
  private readonly successes = new Decayed();
  /** Combo index + value keys with failures in the last ten minutes. */
  private readonly hot = new Set<string>();
  /** New values not kept because a field's map was full (a flood of distinct values). */
  overflowed = 0;

  constructor(private readonly o: LoginPopulationOptions = DEFAULT_LOGIN_POPULATION) {
    if (!FEATURE_REGISTRY.byEntity.loginFlow.length) throw new Error('login flow features missing');
  }

  snapshot(): LoginPopulationState {
    return {
      stats: this.stats.map((m) => [m.sweptMinute, [...m].map(([k, v]) => [k, v.snapshot()])]),
      failures: this.failures.snapshot(),
      successes10m: this.successes10m.snapshot(),
      successes: this.successes.snapshot(),
      hot: [...this.hot],
      overflowed: this.overflowed,
    };
  }

  restore(state: unknown): void {
    const s = state as LoginPopulationState;
    if (s.stats.length !== this.stats.length) throw new Error('login-population state: combo count differs');
    s.stats.forEach(([sweptMinute, values], c) => {
      const map = this.stats[c]!;
      map.clear();
      map.sweptMinute = sweptMinute;
      for (const [k, v] of values) map.set(k, ValueStats.restore(v));
    });
    this.failures.restore(s.failures);
    this.successes10m.restore(s.successes10m);
    this.successes.restore(s.successes);
    this.hot.clear();
    for (const k of s.hot) this.hot.add(k);
    this.overflowed = s.overflowed;
  }

  detect(batch: BatchView): Finding[] {
    for (const e of batch.events) if (e.routeClass === 'login') this.count(e);
    const minute = Math.floor(batch.watermark / MINUTE);
    this.failures.roll(minute);
    this.successes10m.roll(minute);
    const totalFailures = this.failures.total;
    const totalSuccesses = this.successes.decayTo(batch.watermark);
    if (totalFailures < Math.min(this.o.minFailures, this.o.minFailuresUnseen)) return [];
    const candidates: Candidate[] = [];
    for (const hotKey of this.hot) {
      const sep = hotKey.indexOf('\u0001');
      const combo = Number(hotKey.slice(0, sep));
      const valueKey = hotKey.slice(sep + 1);
      const s = this.stats[combo]!.get(valueKey);
      if (!s) {
        this.hot.delete(hotKey);
        continue;
      }
      s.failures.roll(minute);
      s.successes10m.roll(minute);
      const fails = s.failures.total;
      if (fails === 0) {
        this.hot.delete(hotKey);
        continue;
      }
      if (fails < Math.min(this.o.minFailures, this.o.minFailuresUnseen)) continue;
      // A population signature is for failures spread over addresses; one address is the address rules' job.
      s.addressChanges.roll(minute);
      if (s.addressChanges.total < MIN_ADDRESSES) continue;
      const ratio = fails / (fails + s.successes10m.total);
      const succ = s.successes.decayTo(batch.watermark);
      const collateral = totalSuccesses > 0 ? succ / totalSuccesses : 0;
      // A stream with (almost) no successful logins — a flood, or a quiet site under attack — still has a
      // baseline: a value no customer logged in with is rare among customers whatever their number.
      const lift = fails / totalFailures / ((succ + 1) / Math.max(totalSuccesses + 1, MIN_BASELINE_SUCCESSES));
      // Coarse fields (a country, an ASN, the login path) are shared by many customers: they never take
      // the fast path that a value no customer has ever logged in with (a tool's TLS fingerprint) may.
      const unseen = succ < 0.5 && lift >= 4 * this.o.minLift && !COMBOS[combo]!.some((f) => COARSE.has(f));
      if (fails < (unseen ? this.o.minFailuresUnseen : this.o.minFailures)) continue;
      if (ratio < this.o.minFailureRatio || lift < this.o.minLift || collateral > this.o.maxCollateral) continue;
      const fields = COMBOS[combo]!;
      const values = valueKey.split('\u0000');
      const signature: Record<string, string> = { routeClass: 'login' };
      fields.forEach((f, i) => (signature[f] = values[i]!));
      const score = round(
        0.5 +
          0.5 *
            ramp(lift, this.o.minLift, this.o.minLift * 5) *
            ramp(fails, this.o.minFailures, 3 * this.o.minFailures),
      );
      candidates.push({
        signature,
        key: decisionValueKey('signature', signature),
        failures: fails,
        ratio,
        lift,
        collateral,
        score: Math.max(score, 0.8),
      });
    }
    return this.choose(candidates).map((c) => this.finding(c, batch, totalFailures, totalSuccesses));
  }

  /**
   * Single fields first, then pairs (a pair only refines what no chosen single covers), most failures
   * first, within a budget of normal logins that all chosen signatures together may touch.
   */
  private choose(candidates: Candidate[]): Candidate[] {
    const width = (c: Candidate) => Object.keys(c.signature).length;
    candidates.sort(
      (a, b) => width(a) - width(b) || b.failures - a.failures || b.lift - a.lift || (a.key < b.key ? -1 : 1),
    );
    const chosen: Candidate[] = [];
    let collateral = 0;
    for (const c of candidates) {
      const refines = chosen.some((k) =>
        Object.entries(k.signature).every(([f, v]) => c.signature[f as SignatureField] === v),
      );
      if (refines || collateral + c.collateral > this.o.maxTotalCollateral) continue;
      // A single value whose failures a chosen signature already covers (the campaign's country, when
      // its TLS fingerprint was chosen) adds nothing but collateral.
      if (this.residualFailures(c, chosen) < Math.max(this.o.minFailuresUnseen, c.failures / 2)) continue;
      chosen.push(c);
      collateral += c.collateral;
      if (chosen.length >= this.o.maxSignatures) break;
    }
    return chosen;
  }

  /**
   * Failures of a candidate not already covered by the chosen single-field signatures, from the pair
   * counts: for a single field its own failures minus each chosen single's overlap with it; for a pair,
   * at most the smaller residual of its two fields.
   */
  private residualFailures(c: Candidate, chosen: readonly Candidate[]): number {
    const fields = Object.entries(c.signature).filter(([k]) => k !== 'routeClass') as [SignatureField, string][];
    let residual = c.failures;
    for (const [f, v] of fields) residual = Math.min(residual, this.singleResidual(f, v, c.failures, chosen));
    return residual;
  }

  private singleResidual(f: SignatureField, v: string, failures: number, chosen: readonly Candidate[]): number {
    // A field that is never a signature alone (a country) has no single count: the candidate's own bounds it.
    const singleIdx = SINGLE_COMBO.get(f);
    const single = singleIdx === undefined ? undefined : this.stats[singleIdx]!.get(v);
    let residual = single ? single.failures.total : failures;
    for (const k of chosen) {
      const entries = Object.entries(k.signature).filter(([x]) => x !== 'routeClass');
      if (entries.length !== 1) continue;
      const [g, w] = entries[0] as [SignatureField, string];
      if (g === f) continue;
      const idx = PAIR_COMBO.get(`${f}|${g}`);
      if (idx === undefined) continue;
      const key = COMBOS[idx]![0] === f ? `${v}\u0000${w}` : `${w}\u0000${v}`;
      residual -= this.stats[idx]!.get(key)?.failures.total ?? 0;
    }
    return residual;
  }

  private finding(c: Candidate, batch: BatchView, totalFailures: number, totalSuccesses: number): Finding {
    const flow: FeatureVector | undefined = batch.vector('loginFlow', LOGIN_FLOW_ID);
    const reasons: Reason[] = [
      { feature: 'signature.loginFailures10m', value: c.failures, baseline: 0 },
      { feature: 'signature.failedLoginRatio10m', value: round(c.ratio), baseline: round(this.globalRatio()) },
      { feature: 'signature.liftOverSuccessfulLogins', value: round(c.lift, 2), baseline: 1 },
      { feature: 'signature.shareOfNormalLogins', value: round(c.collateral, 6), baseline: 0 },
    ];
    if (flow) reasons.push(flowReader.reason(flow, 'loginFailuresRobustZ', 0));
    const features: Record<string, number> = {
      'signature.loginFailures10m': c.failures,
      'signature.failedLoginRatio10m': round(c.ratio),
      'signature.lift': round(c.lift, 2),
      'signature.collateral': round(c.collateral, 6),
      'population.loginFailures10m': totalFailures,
      'population.successfulLogins1hDecayed': round(totalSuccesses, 2),
    };
    if (flow) flowReader.record(flow, features);
    return {
      detector: this.id,
      entity: { type: 'signature', id: c.key },
      score: c.score,
      alert: true,
      enforce: true,
      action: 'challenge',
      target: { scope: 'signature', value: c.signature },
      reasons,
      rule: 'signature-lift',
      modelVersion: 'baseline-1',
      manifestDigest: null,
      thresholds: { alert: 0.5, enforce: 0.8 },
      features,
      shadow: false,
    };
  }

  private globalRatio(): number {
    const all = this.failures.total + this.successes10m.total;
    return all > 0 ? this.failures.total / all : 0;
  }

  private count(e: AccessEvent): void {
    const failed = e.status >= 400 && e.status < 500;
    const ok = e.status < 400;
    if (!failed && !ok) return;
    const minute = Math.floor(e.ts / MINUTE);
    if (failed) this.failures.add(minute, 1);
    else {
      this.successes.add(e.ts, 1);
      this.successes10m.add(minute, 1);
    }
    for (let c = 0; c < COMBOS.length; c++) {
      const fields = COMBOS[c]!;
      let key = '';
      let complete = true;
      for (let i = 0; i < fields.length; i++) {
        const v = fieldValue(e, fields[i]!);
        if (v === null || v === '') {
          complete = false;
          break;
        }
        key = i === 0 ? v : `${key}\u0000${v}`;
      }
      if (!complete) continue;
      const map = this.stats[c]!;
      let s = map.get(key);
      if (!s) {
        if (map.size >= this.o.maxValuesPerField && !this.sweep(map, e.ts)) {
          this.overflowed++;
          continue;
        }
        map.set(key, (s = new ValueStats()));
      }
      if (failed) {
        s.failures.add(minute, 1);
        if (s.lastFailedIp !== e.clientIp) {
          s.addressChanges.add(minute, 1);
          s.lastFailedIp = e.clientIp;
        }
        this.hot.add(`${c}\u0001${key}`);
      } else {
        s.successes10m.add(minute, 1);
        // A success of a value that is failing like a campaign is the campaign's own hit (a reused
        // password), not a normal customer: it stays out of the baseline that measures collateral.
        s.failures.roll(minute);
        s.successes10m.roll(minute);
        const fails = s.failures.total;
        if (fails < SUSPECT_MIN_FAILURES || fails / (fails + s.successes10m.total) < SUSPECT_FAILURE_RATIO)
          s.successes.add(e.ts, 1);
      }
    }
  }

  /**
   * Frees values with no recent failure and almost no success weight; true if room was made. At most
   * once a minute of event time per map, so a flood of new values costs a lookup each, not a scan.
   */
  private sweep(map: ValueMap, ts: number): boolean {
    const minute = Math.floor(ts / MINUTE);
    if (minute <= map.sweptMinute) return false;
    map.sweptMinute = minute;
    for (const [k, s] of map) {
      s.failures.roll(minute);
      if (s.failures.total === 0 && s.successes.decayTo(ts) < 0.5) map.delete(k);
    }
    return map.size < this.o.maxValuesPerField;
  }
}
