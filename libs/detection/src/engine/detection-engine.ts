/**
 * One batch through detection: every detector scores the entities the batch touched, the policy turns
 * findings into decisions and alerts, and a last cross-detector rule steps up accounts that just logged
 * in successfully from a source under an active stuffing decision (the credential worked for the
 * attacker: whatever that account does next is at risk).
 *
 * Stateless about windows (the WindowStore holds them); it keeps only the policy's active decisions, the
 * cross rules' memories and the population detector's per-value login counts, all bounded, and gives
 * them up as one snapshot (`snapshot`/`restore`) for the detector service's partition checkpoints.
 */
import type { AccessEvent } from '@vigil/events';
import type { FeatureVector } from '@vigil/features';
import { BatchView, type Detector, type Finding } from '../detectors/finding';
import type { Policy, PolicyOutcome, PolicyRecord, PolicyState } from '../policy/policy';
import { ENFORCING_ACTIONS, decisionExpiresAt, type Alert, type Decision, type Signature } from '../records/records';
import { FeatureReader } from '../detectors/feature-reader';
import { subnetOf, parseIp } from '@vigil/events';
import { FleetSignatures, type FleetSignaturesState } from './fleet-signatures';
import { RecencyMap } from './recency-map';

export interface DetectionEngineOptions {
  readonly detectors: readonly Detector[];
  readonly policy: Policy;
  /** Called for every decision and alert, in order: the audit trail's input. */
  readonly onRecord?: (r: PolicyRecord, watermark: number) => void;
  /**
   * The fleet rule's memory of customers' software, shared with other engines (customerSoftwareMemory():
   * the detector's address-lane partitions); default the engine's own.
   */
  readonly customerSoftware?: RecencyMap;
}

export interface BatchOutcome {
  readonly decisions: readonly Decision[];
  readonly alerts: readonly Alert[];
  readonly findings: number;
}

const STUFFING_DETECTORS = new Set(['credential-stuffing', 'login-population']);
/** Most of normal customers' logins a signature may match and still step up the successes it matches. */
const STEP_UP_MAX_COLLATERAL = 0.0005;

/**
 * Decisions whose matching successful logins are stepped up: an address blocked for stuffing, or a
 * signature that matched (almost) no normal customer's login — a broad one would step up customers.
 */
function stepsUpLogins(d: Decision): boolean {
  if (!STUFFING_DETECTORS.has(d.detector)) return false;
  if (d.scope !== 'signature') return true;
  // Only a TLS fingerprint pins a client's software: a user agent is copied from real browsers, and a
  // country or the login path is every customer's there.
  const value = d.value as Signature;
  if (value.tlsFingerprint === undefined) return false;
  const share = d.reasons.find((r) => r.feature === 'signature.shareOfNormalLogins');
  return share !== undefined && share.value <= STEP_UP_MAX_COLLATERAL;
}

/**
 * Address-level detectors whose blocks escalate to the subnet when one subnet keeps producing them:
 * scraping (rotating datacenter proxies). Not stuffing: a botnet's residential addresses share /24s with
 * their neighbours, and the login-population signatures already cover a campaign spread over addresses.
 */
const ESCALATING_DETECTORS = new Set(['scraping']);
/**
 * Distinct blocked addresses of one /24 (or /64) that make the subnet itself the offender: two metronomic
 * scrapers, three stuffing addresses (a botnet's homes may share a street's /24 by chance).
 */
export const SUBNET_ESCALATION_ADDRESSES: Readonly<Record<string, number>> = { scraping: 2, 'credential-stuffing': 3 };
const subnetReader = new FeatureReader('subnet', [
  'distinctPrincipals10m',
  'failedLoginRatio10m',
  'loginAttempts10m',
  'distinctIps10m',
]);
/** Share of the subnet's active addresses (last 5–10 min) that must be blocked: a cloud /24 also hosts partners. */
const SUBNET_ESCALATION_SHARE = 0.75;
const AUTHENTICATED_SUBNET_MEMORY_MS = 3_600_000;
const MAX_AUTHENTICATED_SUBNETS = 200_000;

/** Bump when EngineState's shape changes: an older checkpoint is then refused, not misread. */
export const ENGINE_STATE_VERSION = 1;

export interface EngineState {
  readonly version: number;
  readonly totals: DetectionEngine['totals'];
  readonly policy: PolicyState;
  readonly authenticatedSubnets: [string, number][];
  readonly fleets: FleetSignaturesState;
  readonly blockedBySubnet: [string, [string, number][]][];
  readonly detectors: Readonly<Record<string, unknown>>;
}

export class DetectionEngine {
  readonly totals = { batches: 0, events: 0, findings: 0, decisions: 0, alerts: 0 };
  /** Subnet → last event time of an authenticated, answered request from it (an API client, a customer). */
  private readonly authenticatedSubnets = new RecencyMap(MAX_AUTHENTICATED_SUBNETS);
  private readonly fleets: FleetSignatures;
  /** `detector|subnet` → blocked addresses in it → when their block ends. Bounded by the active blocks. */
  private readonly blockedBySubnet = new Map<string, Map<string, number>>();

  private lineUp: readonly Detector[];

  constructor(private readonly o: DetectionEngineOptions) {
    this.lineUp = o.detectors;
    this.fleets = new FleetSignatures(o.customerSoftware);
  }

  get policy(): Policy {
    return this.o.policy;
  }

  get detectors(): readonly Detector[] {
    return this.lineUp;
  }

  /**
   * Swaps the detector line-up (a model reload). `process` is synchronous, so a swap always falls between
   * two batches; the policy with its active decisions, and the engine's own memory, stay as they are.
   */
  replaceDetectors(detectors: readonly Detector[]): void {
    this.lineUp = detectors;
  }

  /**
   * Everything the engine remembers between batches, as plain data: the policy's decisions and
   * offenders, the cross rules' memories, each stateful detector's own (by id). With the windows (in the
   * store) it is the whole state of a partition's detection, which the detector service checkpoints.
   */
  snapshot(): EngineState {
    const detectors: Record<string, unknown> = {};
    for (const d of this.lineUp) if (d.snapshot) detectors[d.id] = d.snapshot();
    return {
      version: ENGINE_STATE_VERSION,
      totals: { ...this.totals },
      policy: this.o.policy.snapshot(),
      authenticatedSubnets: this.authenticatedSubnets.snapshot(),
      fleets: this.fleets.snapshot(),
      blockedBySubnet: [...this.blockedBySubnet].map(([k, ips]) => [k, [...ips]]),
      detectors,
    };
  }

  /** Takes back a snapshot; a detector absent from it (newly enabled) starts empty. */
  restore(s: EngineState): void {
    if (s.version !== ENGINE_STATE_VERSION)
      throw new Error(`engine state version ${String(s.version)}, this engine reads ${ENGINE_STATE_VERSION}`);
    Object.assign(this.totals, s.totals);
    this.o.policy.restore(s.policy);
    this.authenticatedSubnets.restore(s.authenticatedSubnets);
    this.fleets.restore(s.fleets);
    this.blockedBySubnet.clear();
    for (const [k, ips] of s.blockedBySubnet) this.blockedBySubnet.set(k, new Map(ips));
    for (const d of this.lineUp) {
      const state = s.detectors[d.id];
      if (state !== undefined && d.restore) d.restore(state);
    }
  }

  process(events: readonly AccessEvent[], vectors: readonly FeatureVector[], watermark: number): BatchOutcome {
    const batch = new BatchView(events, vectors, watermark);
    this.noteAuthenticatedSubnets(events);
    this.fleets.observe(events);
    const findings: Finding[] = [];
    for (const d of this.lineUp) for (const f of d.detect(batch)) findings.push(f);
    const userAgentOf = (f: Finding): string | null =>
      f.entity.type === 'ip' ? (batch.lastEventOf(f.entity.id)?.userAgent ?? null) : null;
    const first = this.o.policy.apply(findings, watermark, userAgentOf);
    const compromised = [
      ...this.compromisedLogins(events, watermark),
      ...this.subnetEscalations(first, batch),
      ...this.fleets.findings(first.decisions, batch),
    ];
    const second = compromised.length ? this.o.policy.apply(compromised, watermark) : null;
    const decisions = second ? [...first.decisions, ...second.decisions] : first.decisions;
    const alerts = second ? [...first.alerts, ...second.alerts] : first.alerts;
    this.emit(first, watermark);
    if (second) this.emit(second, watermark);
    this.totals.batches++;
    this.totals.events += events.length;
    this.totals.findings += findings.length + compromised.length;
    this.totals.decisions += decisions.length;
    this.totals.alerts += alerts.length;
    return { decisions, alerts, findings: findings.length + compromised.length };
  }

  private emit(outcome: PolicyOutcome, watermark: number): void {
    if (!this.o.onRecord) return;
    for (const r of outcome.records) this.o.onRecord(r, watermark);
  }

  /**
   * A subnet that keeps producing blocked addresses (a rotating proxy pool, a datacenter range) is acted
   * on as the subnet. The subnet's own findings still pass the shared-address guard (a NAT's subnet where
   * many accounts log in successfully stays monitor-only).
   */
  private subnetEscalations(outcome: PolicyOutcome, batch: BatchView): Finding[] {
    const out: Finding[] = [];
    const at = batch.watermark;
    for (const d of outcome.decisions) {
      if (d.scope !== 'ip' || d.shadow || !ENFORCING_ACTIONS.has(d.action) || !ESCALATING_DETECTORS.has(d.detector))
        continue;
      const ip = parseIp(d.value as string);
      if (!ip) continue;
      const subnet = subnetOf(ip);
      const key = `${d.detector}|${subnet}`;
      let ips = this.blockedBySubnet.get(key);
      if (!ips) this.blockedBySubnet.set(key, (ips = new Map()));
      ips.set(d.value as string, decisionExpiresAt(d));
      for (const [k, until] of ips) if (until <= at) ips.delete(k);
      const needed = SUBNET_ESCALATION_ADDRESSES[d.detector] ?? 3;
      if (ips.size < needed) continue;
      if (this.authenticatedSubnets.seenWithin(subnet, at, AUTHENTICATED_SUBNET_MEMORY_MS)) continue;
      const v = batch.vector('subnet', subnet);
      if (ips.size < SUBNET_ESCALATION_SHARE * subnetReader.get(v, 'distinctIps10m')) continue;
      const attempts = subnetReader.get(v, 'loginAttempts10m');
      const ratio = subnetReader.get(v, 'failedLoginRatio10m');
      out.push({
        detector: d.detector,
        entity: { type: 'subnet', id: subnet },
        score: d.score,
        alert: true,
        enforce: true,
        action: d.action,
        target: { scope: 'subnet', value: subnet },
        reasons: [
          { feature: 'subnet.blockedAddresses', value: ips.size, baseline: 0 },
          subnetReader.reason(v, 'distinctPrincipals10m', 1),
          ...d.reasons.slice(0, 3),
        ],
        rule: 'subnet-escalation',
        modelVersion: d.modelVersion,
        manifestDigest: null,
        thresholds: { alert: needed, enforce: needed },
        features: subnetReader.record(v, { 'subnet.blockedAddresses': ips.size }),
        shadow: false,
        // The subnet keeps ten minutes of logins: its successes and failures stand in for the hour's.
        facts: {
          loginSuccesses1h: Math.round(attempts * (1 - ratio)),
          loginFailures1h: Math.round(attempts * ratio),
          failedLoginRatio10m: ratio,
        },
      });
    }
    for (const [k, ips] of this.blockedBySubnet) {
      for (const [ip, until] of ips) if (until <= at) ips.delete(ip);
      if (ips.size === 0) this.blockedBySubnet.delete(k);
    }
    return out;
  }

  /**
   * Subnets with authenticated traffic that was answered (an API client's key, a customer's account)
   * are never escalated: a cloud /24 hosts partners beside scrapers. A scraper fleet with a key is acted
   * on as the key instead.
   */
  private noteAuthenticatedSubnets(events: readonly AccessEvent[]): void {
    for (const e of events) {
      if (e.status < 400 && (e.apiKeyId !== null || e.principal !== null))
        this.authenticatedSubnets.touch(e.subnet, e.ts);
    }
    this.authenticatedSubnets.trim();
  }

  /** Successful logins in this batch from an address or signature under an active stuffing decision. */
  private compromisedLogins(events: readonly AccessEvent[], watermark: number): Finding[] {
    const out = new Map<string, Finding>();
    for (const e of events) {
      if (e.routeClass !== 'login' || e.status >= 400 || e.principal === null || out.has(e.principal)) continue;
      const by = this.o.policy.enforcingFor(e, watermark).find(stepsUpLogins);
      if (!by) continue;
      out.set(e.principal, {
        detector: 'account-takeover',
        entity: { type: 'principal', id: e.principal },
        score: 0.9,
        alert: true,
        enforce: true,
        action: 'step_up',
        target: { scope: 'principal', value: e.principal },
        reasons: [
          { feature: 'login.successFromFlaggedSource', value: 1, baseline: 0 },
          { feature: `decision.${by.detector}.score`, value: by.score, baseline: 0 },
        ],
        rule: 'login-from-flagged-source',
        modelVersion: 'baseline-1',
        manifestDigest: null,
        thresholds: { alert: 0.5, enforce: 0.9 },
        features: { 'login.status': e.status, 'login.ts': e.ts },
        shadow: false,
      });
    }
    return [...out.values()];
  }
}
