/**
 * The inventory as one JSON document: every endpoint with its profile, documentation status and risk,
 * the overflow buckets (what a flood or the cap kept out, with its own probing risk), orphan operations,
 * the free-slot promotions with their evidence, and drift against a previous inventory
 * (new / changed / unused).
 */
import type { InventoryConfig } from '../config';
import { endpointKey } from '../endpoint-key';
import type { LoadedSpec } from '../spec/openapi-spec';
import { SpecComparison, type DocumentationMatch, type OrphanOperation } from '../spec/spec-comparison';
import type { InventorySnapshot } from '../store/inventory-store';
import type { Promotion } from '../templating/template-resolver';
import { profileEndpoint, type EndpointProfile } from './endpoint-profile';
import { rateRisk, type RiskRating } from './risk';

export const INVENTORY_REPORT_VERSION = 1 as const;

export type ChangeStatus = 'new' | 'changed' | 'unchanged';

export interface EndpointReport extends EndpointProfile {
  readonly id: string;
  readonly host: string;
  readonly method: string;
  readonly template: string;
  readonly documentation: DocumentationMatch;
  readonly risk: RiskRating;
  readonly change: ChangeStatus | null;
  readonly changedFields: readonly string[];
}

export interface OverflowReport extends EndpointProfile {
  readonly host: string;
  readonly reasons: { readonly cap: number; readonly notFound: number };
  readonly distinctTemplates: number;
  readonly samples: readonly string[];
  readonly risk: RiskRating;
}

export interface InventoryReport {
  readonly version: typeof INVENTORY_REPORT_VERSION;
  readonly generatedAt: string;
  readonly summary: {
    readonly hosts: number;
    readonly endpoints: number;
    readonly requests: number;
    readonly documentation: Readonly<Record<string, number>>;
    readonly authCoverage: Readonly<Record<string, number>>;
    readonly exposure: Readonly<Record<string, number>>;
    readonly sensitiveEndpoints: number;
    readonly highRisk: number;
    readonly orphans: number;
    readonly overflowRequests: number;
    readonly overflowDistinctTemplates: number;
  };
  readonly specs: readonly {
    file: string;
    title: string;
    version: string;
    openapi: string;
    hosts: readonly string[];
  }[];
  readonly endpoints: readonly EndpointReport[];
  readonly overflow: readonly OverflowReport[];
  readonly orphans: readonly OrphanOperation[];
  readonly promotions: readonly Promotion[];
  readonly drift: {
    readonly baseline: string;
    readonly new: readonly string[];
    readonly changed: readonly { readonly id: string; readonly fields: readonly string[] }[];
    readonly unused: readonly string[];
  } | null;
}

export interface ReportOptions {
  readonly config: InventoryConfig;
  readonly specs?: readonly LoadedSpec[];
  /** A previous inventory report, for new / changed / unused. */
  readonly baseline?: { readonly name: string; readonly report: InventoryReport };
  /** Detections attributed per endpoint id (`host METHOD /template`), when the detector provides them. */
  readonly detections?: ReadonlyMap<string, number>;
  readonly now?: Date;
}

const HIGH_RISK = 7;

export function buildInventoryReport(snapshot: InventorySnapshot, options: ReportOptions): InventoryReport {
  const { config } = options;
  const comparison = new SpecComparison(options.specs ?? []);
  const baseline = options.baseline ? new Map(options.baseline.report.endpoints.map((e) => [e.id, e])) : null;
  const endpoints: EndpointReport[] = snapshot.endpoints.map((r) => {
    const id = endpointId(r.host, r.method, r.template);
    const profile = profileEndpoint(r, config);
    const documentation = comparison.classify(r.host, r.method, r.template);
    const risk = rateRisk(profile, documentation, config, options.detections?.get(id) ?? 0);
    const before = baseline?.get(id);
    const changedFields = before ? diffFields(before, profile) : [];
    const change: ChangeStatus | null = !baseline
      ? null
      : !before
        ? 'new'
        : changedFields.length
          ? 'changed'
          : 'unchanged';
    return {
      id,
      host: r.host,
      method: r.method,
      template: r.template,
      ...profile,
      documentation,
      risk,
      change,
      changedFields,
    };
  });
  endpoints.sort((a, b) => b.risk.score - a.risk.score || (a.id < b.id ? -1 : 1));
  const overflow: OverflowReport[] = snapshot.overflow.map((o) => {
    const profile = profileEndpoint(o, config);
    return {
      host: o.host,
      ...profile,
      reasons: { cap: o.counters['o:cap'] ?? 0, notFound: o.counters['o:notFound'] ?? 0 },
      distinctTemplates: o.distinctTemplates,
      samples: o.samples,
      risk: rateRisk(profile, null, config),
    };
  });
  const orphans = comparison.orphans();
  const count = <T extends string>(values: readonly T[]) => {
    const out: Record<string, number> = {};
    for (const v of values) out[v] = (out[v] ?? 0) + 1;
    return out;
  };
  const current = new Set(endpoints.map((e) => e.id));
  return {
    version: INVENTORY_REPORT_VERSION,
    generatedAt: (options.now ?? new Date()).toISOString(),
    summary: {
      hosts: new Set(endpoints.map((e) => e.host)).size,
      endpoints: endpoints.length,
      requests: endpoints.reduce((a, e) => a + e.requests, 0),
      documentation: count(endpoints.map((e) => e.documentation.status)),
      authCoverage: count(endpoints.map((e) => e.auth.coverage)),
      exposure: count(endpoints.map((e) => e.exposure.level)),
      sensitiveEndpoints: endpoints.filter((e) => e.sensitiveFlow || Object.keys(e.sensitiveData).length).length,
      highRisk: endpoints.filter((e) => e.risk.score >= HIGH_RISK).length,
      orphans: orphans.length,
      overflowRequests: overflow.reduce((a, o) => a + o.requests, 0),
      overflowDistinctTemplates: overflow.reduce((a, o) => a + o.distinctTemplates, 0),
    },
    specs: (options.specs ?? []).map((s) => ({
      file: s.file,
      title: s.title,
      version: s.version,
      openapi: s.openapi,
      hosts: s.hosts,
    })),
    endpoints,
    overflow,
    orphans,
    promotions: snapshot.promotions,
    drift: options.baseline
      ? {
          baseline: options.baseline.name,
          new: endpoints.filter((e) => e.change === 'new').map((e) => e.id),
          changed: endpoints.filter((e) => e.change === 'changed').map((e) => ({ id: e.id, fields: e.changedFields })),
          unused: options.baseline.report.endpoints.map((e) => e.id).filter((id) => !current.has(id)),
        }
      : null,
  };
}

export function endpointId(host: string, method: string, template: string): string {
  return `${host} ${endpointKey(method, template)}`;
}

/** What makes an endpoint "changed": its contract and its security posture, not its traffic volume. */
function diffFields(before: EndpointProfile, now: EndpointProfile): string[] {
  const fields: string[] = [];
  const keys = (o: object) => Object.keys(o).sort().join(',');
  if (keys(before.auth.types) !== keys(now.auth.types)) fields.push('auth.types');
  if (before.auth.coverage !== now.auth.coverage) fields.push('auth.coverage');
  if (before.exposure.level !== now.exposure.level) fields.push('exposure');
  if (keys(before.sensitiveData) !== keys(now.sensitiveData)) fields.push('sensitiveData');
  if (
    before.queryKeys
      .map((q) => `${q.name}:${q.type}`)
      .sort()
      .join(',') !==
    now.queryKeys
      .map((q) => `${q.name}:${q.type}`)
      .sort()
      .join(',')
  ) {
    fields.push('queryKeys');
  }
  if (keys(before.statusCodes) !== keys(now.statusCodes)) fields.push('statusCodes');
  if (before.routeClass !== now.routeClass) fields.push('routeClass');
  return fields;
}
