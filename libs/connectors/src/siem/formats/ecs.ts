/**
 * Elastic Common Schema (ECS 8.11) document for one alert. Field names and allowed values are ECS's
 * (https://www.elastic.co/guide/en/ecs/current/ecs-field-reference.html):
 *  - `event.kind: alert` ("an alert or notable event, triggered by a detection rule executing externally
 *    to the Elastic Stack"), `event.category: [intrusion_detection]`, `event.type: [info]`;
 *  - `event.severity` on the scale Elastic's own detection alerts use (21 low, 47 medium, 73 high,
 *    99 critical), `event.risk_score` 0–100;
 *  - `source.ip` / `related.ip` only for an `ip` entity that is a valid address (an `ip`-typed field
 *    given anything else makes Elasticsearch reject the whole document), `user.id` for a principal (an
 *    HMAC id, never the raw account);
 *  - everything Vigil-specific under the custom `vigil.*` namespace, as ECS asks of custom fields.
 * JSON carries any text: escaping is JSON.stringify's (quotes, backslashes, control characters, lone
 * surrogates as `\uXXXX`), and nothing is cut — a document too large for a transport is dead-lettered.
 */
import { isIP } from 'node:net';
import type { SiemAlert, SiemProduct, SiemSeverity } from '../siem-alert';
import { alertMessage } from './alert-text';

export const ECS_VERSION = '8.11.0';

export const ECS_SEVERITY: Readonly<Record<SiemSeverity, number>> = { low: 21, medium: 47, high: 73, critical: 99 };

export interface EcsDocument {
  readonly '@timestamp': string;
  readonly [field: string]: unknown;
}

export function ecsDocument(alert: SiemAlert, product: SiemProduct): EcsDocument {
  const { type, value } = alert.entity;
  const ip = type === 'ip' && isIP(value) !== 0;
  return {
    '@timestamp': new Date(alert.ts).toISOString(),
    ecs: { version: ECS_VERSION },
    event: {
      kind: 'alert',
      category: ['intrusion_detection'],
      type: ['info'],
      id: alert.id,
      code: alert.detector,
      severity: ECS_SEVERITY[alert.severity],
      risk_score: riskScore(alert.score),
      module: 'vigil',
      dataset: 'vigil.alerts',
      reason: alertMessage(alert),
    },
    message: alertMessage(alert),
    rule: { name: alert.detector, ruleset: 'vigil' },
    observer: { vendor: product.vendor, product: product.product, version: product.version, type: 'ids' },
    ...(ip ? { source: { ip: value }, related: { ip: [value] } } : {}),
    ...(type === 'principal' ? { user: { id: value }, related: { user: [value] } } : {}),
    vigil: {
      alert_id: alert.id,
      detector: alert.detector,
      severity: alert.severity,
      score: alert.score,
      entity: { type, value },
      reasons: alert.reasons.map((r) => ({ feature: r.feature, value: r.value, baseline: r.baseline })),
      decision_ids: [...alert.decisionIds],
    },
  };
}

/** A detector score in [0, 1] as 0–100 with two decimals (clamped: the field is a percentage). */
export function riskScore(score: number): number {
  return Math.round(Math.min(1, Math.max(0, score)) * 10000) / 100;
}

export function formatEcs(alert: SiemAlert, product: SiemProduct): string {
  return JSON.stringify(ecsDocument(alert, product));
}
