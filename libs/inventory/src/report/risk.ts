/**
 * Risk 0–10 per endpoint, always with the factors that produced it:
 *
 *   risk = min(10, Σ weight_f × value_f),   value_f ∈ [0, 1]
 *
 *   sensitive_flow   1 when the endpoint is a login, password reset, MFA, payment, payee or profile change
 *   sensitive_data   highest severity seen before masking: card number 1, account number 0.8, e-mail 0.5
 *   auth_gap         auth coverage missing 1, partial 0.5, consistent 0; 0 on pre-authentication classes
 *   public_exposure  requests from public addresses 1, from partner ranges only 0.3, internal only 0
 *   shadow / zombie  1 when the endpoint is in no spec / deprecated or retired but still called
 *   probing          share of 401/403/404/429 answers, 0 at `probingFrom`, 1 at `probingFull` (linear),
 *                    0 under `probingMinRequests` requests
 *   detections       detections attributed to the endpoint, 1 at 10 or more
 *
 * Weights are configurable (`inventory.risk.weights`); defaults in config.ts.
 */
import type { SensitiveKind } from '@vigil/events';
import { RISK_FACTORS, type InventoryConfig, type RiskFactorName } from '../config';
import type { DocumentationMatch } from '../spec/spec-comparison';
import type { EndpointProfile } from './endpoint-profile';

export interface RiskFactor {
  readonly name: RiskFactorName;
  readonly weight: number;
  readonly value: number;
  readonly contribution: number;
  readonly reason: string;
}

export interface RiskRating {
  readonly score: number;
  /** Factors with a contribution above zero, largest first. */
  readonly factors: readonly RiskFactor[];
}

const SENSITIVE_SEVERITY: Readonly<Record<SensitiveKind, number>> = { pan: 1, account_number: 0.8, email: 0.5 };
const SENSITIVE_LABEL: Readonly<Record<SensitiveKind, string>> = {
  pan: 'card numbers',
  account_number: 'account numbers',
  email: 'e-mail addresses',
};

export function rateRisk(
  p: EndpointProfile,
  doc: DocumentationMatch | null,
  config: InventoryConfig,
  detections = 0,
): RiskRating {
  const values: Record<RiskFactorName, [number, string]> = {
    sensitive_flow: p.sensitiveFlow ? [1, `${p.sensitiveFlow} flow`] : [0, ''],
    sensitive_data: sensitiveData(p),
    auth_gap: authGap(p),
    public_exposure:
      p.exposure.level === 'public'
        ? [1, `${p.exposure.public} requests from public addresses`]
        : p.exposure.level === 'partner'
          ? [0.3, 'reached from partner ranges only']
          : [0, ''],
    shadow: doc?.status === 'shadow' ? [1, doc.reason] : [0, ''],
    zombie: doc?.status === 'zombie' ? [1, doc.reason] : [0, ''],
    probing: probing(p, config),
    detections: detections > 0 ? [Math.min(1, detections / 10), `${detections} detections attributed`] : [0, ''],
  };
  const factors: RiskFactor[] = [];
  let sum = 0;
  for (const name of RISK_FACTORS) {
    const [value, reason] = values[name];
    const weight = config.risk.weights[name];
    const contribution = Math.round(weight * value * 100) / 100;
    if (contribution <= 0) continue;
    sum += contribution;
    factors.push({ name, weight, value: Math.round(value * 1000) / 1000, contribution, reason });
  }
  factors.sort((a, b) => b.contribution - a.contribution);
  return { score: Math.min(10, Math.round(sum * 10) / 10), factors };
}

function sensitiveData(p: EndpointProfile): [number, string] {
  let value = 0;
  const parts: string[] = [];
  for (const [kind, n] of Object.entries(p.sensitiveData) as [SensitiveKind, number][]) {
    if (!n) continue;
    value = Math.max(value, SENSITIVE_SEVERITY[kind]);
    parts.push(`${SENSITIVE_LABEL[kind]} in ${n} requests`);
  }
  return [value, parts.join(', ')];
}

function authGap(p: EndpointProfile): [number, string] {
  if (!p.auth.expected || p.auth.coverage === 'consistent') return [0, ''];
  const pct = `${Math.round(p.auth.authenticatedShare * 100)}% of served requests authenticated`;
  return p.auth.coverage === 'missing' ? [1, `${pct} (missing)`] : [0.5, `${pct} (partial)`];
}

function probing(p: EndpointProfile, config: InventoryConfig): [number, string] {
  const { probingFrom, probingFull, probingMinRequests } = config.risk;
  if (p.requests < probingMinRequests) return [0, ''];
  const pr = p.probing;
  const share = pr.share401 + pr.share403 + pr.share404 + pr.share429;
  const span = Math.max(probingFull - probingFrom, 1e-9);
  const value = Math.min(1, Math.max(0, (share - probingFrom) / span));
  if (value === 0) return [0, ''];
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  return [
    value,
    `${pct(share)} answered 401/403/404/429 (401 ${pct(pr.share401)}, 403 ${pct(pr.share403)}, 404 ${pct(pr.share404)}, 429 ${pct(pr.share429)})`,
  ];
}
