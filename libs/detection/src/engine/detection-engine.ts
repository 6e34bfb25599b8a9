/**
 * One batch through detection: every detector scores the entities the batch touched, the policy turns
 * findings into decisions and alerts, and a last cross-detector rule steps up accounts that just logged
 * in successfully from a source under an active stuffing decision (the credential worked for the
 * attacker: whatever that account does next is at risk).
 *
 * Stateless about windows (the WindowStore holds them); it keeps only the policy's active decisions and
 * the population detector's per-value login counts, both bounded.
 */
import type { AccessEvent } from '@vigil/events';
import type { FeatureVector } from '@vigil/features';
import { BatchView, type Detector, type Finding } from '../detectors/finding';
import type { Policy, PolicyOutcome, PolicyRecord } from '../policy/policy';
import type { Alert, Decision } from '../records/records';

export interface DetectionEngineOptions {
  readonly detectors: readonly Detector[];
  readonly policy: Policy;
  /** Called for every decision and alert, in order: the audit trail's input. */
  readonly onRecord?: (r: PolicyRecord, watermark: number) => void;
}

export interface BatchOutcome {
  readonly decisions: readonly Decision[];
  readonly alerts: readonly Alert[];
  readonly findings: number;
}

const STUFFING_DETECTORS = new Set(['credential-stuffing', 'login-population']);

export class DetectionEngine {
  readonly totals = { batches: 0, events: 0, findings: 0, decisions: 0, alerts: 0 };

  constructor(private readonly o: DetectionEngineOptions) {}

  get policy(): Policy {
    return this.o.policy;
  }

  process(events: readonly AccessEvent[], vectors: readonly FeatureVector[], watermark: number): BatchOutcome {
    const batch = new BatchView(events, vectors, watermark);
    const findings: Finding[] = [];
    for (const d of this.o.detectors) for (const f of d.detect(batch)) findings.push(f);
    let lastUa: Map<string, string | null> | null = null;
    const userAgentOf = (f: Finding): string | null => {
      if (f.entity.type !== 'ip') return null;
      if (!lastUa) {
        lastUa = new Map();
        for (const e of events) lastUa.set(e.clientIp, e.userAgent);
      }
      return lastUa.get(f.entity.id) ?? null;
    };
    const first = this.o.policy.apply(findings, watermark, userAgentOf);
    const compromised = this.compromisedLogins(events, watermark);
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

  /** Successful logins in this batch from an address or signature under an active stuffing decision. */
  private compromisedLogins(events: readonly AccessEvent[], watermark: number): Finding[] {
    const out = new Map<string, Finding>();
    for (const e of events) {
      if (e.routeClass !== 'login' || e.status >= 400 || e.principal === null || out.has(e.principal)) continue;
      const by = this.o.policy.enforcingFor(e, watermark).find((d) => STUFFING_DETECTORS.has(d.detector));
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
