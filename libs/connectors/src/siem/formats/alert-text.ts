/**
 * The human-readable lines every format carries (CEF `msg` and Name, LEEF `msg`, ECS `message`, OCSF
 * `message` and `finding_info.title`), written once so that an analyst reads the same words in each SIEM.
 * Raw text: each format escapes it by its own rules.
 */
import type { SiemAlert } from '../siem-alert';

/** `credential_stuffing alert on ip` — what the detection is, without the entity's value. */
export function alertTitle(alert: SiemAlert): string {
  return `${alert.detector} alert on ${alert.entity.type}`;
}

/** `feature=value (baseline b)` for each reason, `; `-separated, values as JSON numbers. */
export function reasonsText(alert: SiemAlert): string {
  return alert.reasons.map((r) => `${r.feature}=${r.value} (baseline ${r.baseline})`).join('; ');
}

/** One sentence: title, entity, severity, score (3 decimals) and the reasons. */
export function alertMessage(alert: SiemAlert): string {
  const reasons = alert.reasons.length ? `: ${reasonsText(alert)}` : '';
  return `${alertTitle(alert)} ${alert.entity.value} (${alert.severity}, score ${alert.score.toFixed(3)})${reasons}`;
}
