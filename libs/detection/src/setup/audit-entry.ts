/**
 * What the audit trail records for one policy record: the finding's inputs, the model and its manifest
 * digest, the thresholds, the policy rule and the configuration digest. One function, so the CLI's file
 * trail and the detector service's trail on Kafka hold the same entries.
 */
import type { AuditEntry } from '../audit/audit-record';
import type { PolicyRecord } from '../policy/policy';

export function auditEntryOf(r: PolicyRecord, watermark: number, configDigest: string): AuditEntry {
  const f = r.finding;
  const common = {
    eventTs: watermark,
    inputs: {
      features: f.features,
      entities: [{ type: f.entity.type, value: f.entity.id }],
      signals: { score: f.score, rule: f.rule, shadow: f.shadow, ...(f.facts ?? {}) },
    },
    model: f.manifestDigest
      ? { detector: f.detector, version: f.modelVersion, manifestDigest: f.manifestDigest }
      : null,
    thresholds: f.thresholds,
    policyRule: r.policyRule,
    configDigest,
  };
  return r.kind === 'decision'
    ? { ...common, kind: 'decision', record: r.record as never }
    : { ...common, kind: 'alert', record: r.record as never };
}
