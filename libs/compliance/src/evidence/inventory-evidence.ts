/**
 * The inventory's evidence (CM-8, PCI 12.5.2, FFIEC II.C.5): endpoints per host with their event-time
 * span, documentation status (shadow, zombie, orphan), auth gaps, exposure, sensitive endpoints, risk,
 * and drift against the previous period's inventory — the inventory's own `drift` when it was built with
 * `--baseline`, otherwise computed here from `--baseline-inventory`.
 */
import type { EndpointReport, InventoryReport } from '@vigil/inventory';
import type { InventoryEvidence, TimeSpan } from './evidence';
import { spanOf } from './evidence';
import { Span } from './tallies';

/** Pre-authentication classes: an unauthenticated login is not an auth gap. */
const PRE_AUTH = new Set(['login', 'signup', 'password-reset', 'health', 'static']);
export const CREDENTIAL_ROUTE_CLASSES: ReadonlySet<string> = new Set(['login', 'mfa', 'password-reset']);
const HIGH_RISK = 7;
const LIST_LIMIT = 50;

/** Validates a parsed inventory file at the edge. */
export function parseInventoryReport(value: unknown, file: string): InventoryReport {
  const o = value as Partial<InventoryReport> | null;
  if (!o || typeof o !== 'object' || o.version !== 1 || !Array.isArray(o.endpoints) || !o.summary) {
    throw new Error(`${file}: not a vigil inventory report (version 1 with summary and endpoints)`);
  }
  return o as InventoryReport;
}

export function inventorySpan(report: InventoryReport): TimeSpan | null {
  const s = new Span();
  for (const e of [...report.endpoints, ...report.overflow]) {
    s.add(Date.parse(e.firstSeen));
    s.add(Date.parse(e.lastSeen));
  }
  return spanOf(s.first, s.last);
}

export function buildInventoryEvidence(
  report: InventoryReport | null,
  file: string | null,
  baseline: { readonly name: string; readonly report: InventoryReport } | null,
): InventoryEvidence {
  if (!report) {
    return {
      file,
      generatedAt: null,
      span: null,
      hosts: [],
      endpoints: 0,
      requests: 0,
      specsLoaded: 0,
      documentation: {},
      exposure: {},
      authCoverage: {},
      shadow: [],
      zombie: [],
      orphans: [],
      authGaps: [],
      sensitiveEndpoints: 0,
      highRisk: [],
      topRisk: [],
      overflowRequests: 0,
      drift: null,
    };
  }
  const hosts = new Map<string, { endpoints: number; requests: number; span: Span }>();
  for (const e of report.endpoints) {
    let h = hosts.get(e.host);
    if (!h) hosts.set(e.host, (h = { endpoints: 0, requests: 0, span: new Span() }));
    h.endpoints++;
    h.requests += e.requests;
    h.span.add(Date.parse(e.firstSeen));
    h.span.add(Date.parse(e.lastSeen));
  }
  const byStatus = (s: string) =>
    report.endpoints
      .filter((e) => e.documentation.status === s)
      .map((e) => e.id)
      .slice(0, LIST_LIMIT);
  const authGaps = report.endpoints
    .filter((e) => !PRE_AUTH.has(e.routeClass) && e.auth.coverage !== 'consistent' && e.auth.servedRequests > 0)
    .map((e) => ({ id: e.id, coverage: e.auth.coverage, authenticatedShare: e.auth.authenticatedShare }))
    .slice(0, LIST_LIMIT);
  const sorted = [...report.endpoints].sort((a, b) => b.risk.score - a.risk.score || (a.id < b.id ? -1 : 1));
  return {
    file,
    generatedAt: report.generatedAt,
    span: inventorySpan(report),
    hosts: [...hosts]
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([host, h]) => ({
        host,
        endpoints: h.endpoints,
        requests: h.requests,
        span: spanOf(h.span.first, h.span.last),
      })),
    endpoints: report.summary.endpoints,
    requests: report.summary.requests,
    specsLoaded: report.specs.length,
    documentation: report.summary.documentation,
    exposure: report.summary.exposure,
    authCoverage: report.summary.authCoverage,
    shadow: byStatus('shadow'),
    zombie: byStatus('zombie'),
    orphans: report.orphans.map((o) => `${o.hosts.join(',')} ${o.method} ${o.path}`).slice(0, LIST_LIMIT),
    authGaps,
    sensitiveEndpoints: report.summary.sensitiveEndpoints,
    highRisk: sorted.filter((e) => e.risk.score >= HIGH_RISK).map((e) => ({ id: e.id, score: e.risk.score })),
    topRisk: sorted
      .slice(0, 10)
      .map((e) => ({ id: e.id, score: e.risk.score, factors: e.risk.factors.map((f) => f.name) })),
    overflowRequests: report.summary.overflowRequests,
    drift: report.drift ?? (baseline ? driftOf(report, baseline) : null),
  };
}

/** New, changed (security posture and contract) and unused endpoints against a previous inventory. */
function driftOf(
  now: InventoryReport,
  baseline: { name: string; report: InventoryReport },
): InventoryEvidence['drift'] {
  const before = new Map(baseline.report.endpoints.map((e) => [e.id, e]));
  const current = new Set(now.endpoints.map((e) => e.id));
  const changed: { id: string; fields: string[] }[] = [];
  const added: string[] = [];
  for (const e of now.endpoints) {
    const b = before.get(e.id);
    if (!b) added.push(e.id);
    else {
      const fields = changedFields(b, e);
      if (fields.length) changed.push({ id: e.id, fields });
    }
  }
  return {
    baseline: baseline.name,
    new: added.sort(),
    changed: changed.sort((a, b) => (a.id < b.id ? -1 : 1)),
    unused: [...before.keys()].filter((id) => !current.has(id)).sort(),
  };
}

function changedFields(b: EndpointReport, e: EndpointReport): string[] {
  const keys = (o: object) => Object.keys(o).sort().join(',');
  const out: string[] = [];
  if (keys(b.auth.types) !== keys(e.auth.types)) out.push('auth.types');
  if (b.auth.coverage !== e.auth.coverage) out.push('auth.coverage');
  if (b.exposure.level !== e.exposure.level) out.push('exposure');
  if (keys(b.sensitiveData) !== keys(e.sensitiveData)) out.push('sensitiveData');
  if (b.documentation.status !== e.documentation.status) out.push('documentation');
  if (b.routeClass !== e.routeClass) out.push('routeClass');
  return out;
}

/** Failed (401/403) and throttled (429) requests on login, MFA and password-reset endpoints. */
export function credentialEndpoints(report: InventoryReport | null): {
  endpoints: { id: string; requests: number; failed: number; throttled: number }[];
  failed: number;
  throttled: number;
} {
  const endpoints = (report?.endpoints ?? [])
    .filter((e) => CREDENTIAL_ROUTE_CLASSES.has(e.routeClass))
    .map((e) => ({
      id: e.id,
      requests: e.requests,
      failed: (e.statusCodes['401'] ?? 0) + (e.statusCodes['403'] ?? 0),
      throttled: e.statusCodes['429'] ?? 0,
    }))
    .sort((a, b) => b.failed - a.failed || (a.id < b.id ? -1 : 1));
  return {
    endpoints,
    failed: endpoints.reduce((a, e) => a + e.failed, 0),
    throttled: endpoints.reduce((a, e) => a + e.throttled, 0),
  };
}

/** Served requests that carried a credential of any kind. */
export function authenticatedRequests(report: InventoryReport | null): number | null {
  if (!report) return null;
  let n = 0;
  for (const e of report.endpoints) for (const [t, c] of Object.entries(e.auth.types)) if (t !== 'none') n += c ?? 0;
  return n;
}
