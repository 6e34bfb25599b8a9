/** One CSV row per endpoint (RFC 4180 quoting), for spreadsheets and GRC tools. */
import type { InventoryReport } from '../report/inventory-report';

const COLUMNS = [
  'host',
  'method',
  'template',
  'risk',
  'risk_factors',
  'documentation',
  'auth_coverage',
  'authenticated_share',
  'auth_types',
  'exposure',
  'sensitive_flow',
  'sensitive_data',
  'route_class',
  'requests',
  'distinct_clients',
  'share_4xx',
  'latency_p50_ms',
  'latency_p99_ms',
  'query_keys',
  'first_seen',
  'last_seen',
  'change',
] as const;

export function inventoryCsv(report: InventoryReport): string {
  const rows: string[] = [COLUMNS.join(',')];
  for (const e of report.endpoints) {
    const cells: (string | number)[] = [
      e.host,
      e.method,
      e.template,
      e.risk.score,
      e.risk.factors.map((f) => `${f.name}=${f.contribution}`).join(' '),
      e.documentation.status,
      e.auth.coverage,
      e.auth.authenticatedShare,
      Object.keys(e.auth.types).sort().join(' '),
      e.exposure.level,
      e.sensitiveFlow ?? '',
      Object.keys(e.sensitiveData).sort().join(' '),
      e.routeClass,
      e.requests,
      e.distinctClients,
      e.requests ? Math.round((e.statusClasses['4xx'] / e.requests) * 1000) / 1000 : 0,
      e.latencyMs?.p50 ?? '',
      e.latencyMs?.p99 ?? '',
      e.queryKeys.map((q) => q.name).join(' '),
      e.firstSeen,
      e.lastSeen,
      e.change ?? '',
    ];
    rows.push(cells.map(csvCell).join(','));
  }
  return rows.join('\r\n') + '\r\n';
}

function csvCell(v: string | number): string {
  const s = String(v);
  // A leading = + - @ would be a formula in a spreadsheet: paths come from attackers (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
