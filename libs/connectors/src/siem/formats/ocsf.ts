/**
 * Open Cybersecurity Schema Framework 1.8.0 Detection Finding (class_uid 2004, category Findings = 2),
 * from the schema's own definitions (ocsf-schema events/base_event.json, events/findings/finding.json,
 * events/findings/detection_finding.json, objects/finding_info.json, objects/metadata.json):
 *  - required by base_event: activity_id, category_uid, class_uid, severity_id, time, type_uid
 *    (= class_uid × 100 + activity_id) and metadata (itself requiring product and version);
 *  - required by finding: finding_info, whose uid is required (the alert id, stable across resends);
 *  - recommended and set here: message, status_id (1 New), is_alert, finding_info.title and analytic,
 *    resources (the entity) and observables;
 *  - risk_score is an integer 0–100; what the schema has no attribute for (reasons, decision ids, the raw
 *    score) goes under `unmapped`, the schema's place for it.
 * Every activity is Create (1): the notifier reports each alert once; the detector has no update event.
 */
import { isIP } from 'node:net';
import type { SiemAlert, SiemProduct, SiemSeverity } from '../siem-alert';
import { alertMessage, alertTitle } from './alert-text';

export const OCSF_VERSION = '1.8.0';
export const OCSF_DETECTION_FINDING = { classUid: 2004, categoryUid: 2, activityCreate: 1 } as const;

/** OCSF severity_id: 2 Low, 3 Medium, 4 High, 5 Critical (1 is Informational, 6 Fatal). */
export const OCSF_SEVERITY: Readonly<Record<SiemSeverity, { id: number; caption: string }>> = {
  low: { id: 2, caption: 'Low' },
  medium: { id: 3, caption: 'Medium' },
  high: { id: 4, caption: 'High' },
  critical: { id: 5, caption: 'Critical' },
};

/** Observable type_id: 2 IP Address (a valid one), 12 Subnet, else 10 Resource UID (HMAC ids included). */
function observableType(entity: SiemAlert['entity']): { id: number; caption: string } {
  if (entity.type === 'ip' && isIP(entity.value)) return { id: 2, caption: 'IP Address' };
  if (entity.type === 'subnet') return { id: 12, caption: 'Subnet' };
  return { id: 10, caption: 'Resource UID' };
}

/** Analytic type_id 2, Behavioral: every detector scores an entity's behaviour against a baseline. */
const ANALYTIC_BEHAVIORAL = { id: 2, caption: 'Behavioral' };

export function ocsfDetectionFinding(alert: SiemAlert, product: SiemProduct): Record<string, unknown> {
  const { classUid, categoryUid, activityCreate } = OCSF_DETECTION_FINDING;
  const severity = OCSF_SEVERITY[alert.severity];
  const observable = observableType(alert.entity);
  return {
    activity_id: activityCreate,
    activity_name: 'Create',
    category_uid: categoryUid,
    category_name: 'Findings',
    class_uid: classUid,
    class_name: 'Detection Finding',
    type_uid: classUid * 100 + activityCreate,
    type_name: 'Detection Finding: Create',
    severity_id: severity.id,
    severity: severity.caption,
    time: alert.ts,
    message: alertMessage(alert),
    status_id: 1,
    status: 'New',
    is_alert: true,
    risk_score: Math.round(Math.min(1, Math.max(0, alert.score)) * 100),
    metadata: {
      version: OCSF_VERSION,
      uid: alert.id,
      log_name: 'vigil.alerts',
      product: { name: product.product, vendor_name: product.vendor, version: product.version },
    },
    finding_info: {
      uid: alert.id,
      title: alertTitle(alert),
      created_time: alert.ts,
      types: [alert.detector],
      analytic: { name: alert.detector, type_id: ANALYTIC_BEHAVIORAL.id, type: ANALYTIC_BEHAVIORAL.caption },
    },
    resources: [{ type: alert.entity.type, uid: alert.entity.value }],
    observables: [
      { name: 'resources[0].uid', type_id: observable.id, type: observable.caption, value: alert.entity.value },
    ],
    unmapped: {
      vigil: {
        score: alert.score,
        reasons: alert.reasons.map((r) => ({ feature: r.feature, value: r.value, baseline: r.baseline })),
        decision_ids: [...alert.decisionIds],
      },
    },
  };
}

export function formatOcsf(alert: SiemAlert, product: SiemProduct): string {
  return JSON.stringify(ocsfDetectionFinding(alert, product));
}
