/**
 * A builder of AccessEvents for the inventory's own specs and tests: one readable line per event.
 * (Exported from the package only as `@vigil/inventory/dist/test-events` would be; kept beside the code
 * because the unit specs and the integration tests share it.)
 */
import { ACCESS_EVENT_VERSION, type AccessEvent } from '@vigil/events';
import { InventoryBuilder } from './builder/inventory-builder';
import { parseInventoryConfig } from './config';
import { buildInventoryReport, type InventoryReport, type ReportOptions } from './report/inventory-report';
import { MemoryInventoryStore } from './store/memory-inventory-store';

export function accessEvent(overrides: Partial<AccessEvent> = {}): AccessEvent {
  return {
    v: ACCESS_EVENT_VERSION,
    ts: Date.UTC(2026, 2, 2, 9),
    source: 'kong',
    gateway: 'kong',
    requestId: null,
    clientIp: '203.0.113.7',
    subnet: '203.0.113.0/24',
    asn: null,
    country: null,
    userAgent: 'test',
    tlsFingerprint: null,
    deviceId: null,
    sessionId: null,
    apiKeyId: null,
    principal: null,
    principalSource: null,
    authType: 'bearer',
    method: 'GET',
    host: 'api.bank.example',
    path: overrides.routeTemplate ?? '/v1/accounts',
    query: null,
    routeTemplate: '/v1/accounts',
    routeClass: 'data-read',
    status: 200,
    bytesIn: 0,
    bytesOut: 512,
    latencyMs: 20,
    sensitive: [],
    sanitized: [],
    malformed: null,
    ...overrides,
  };
}

/** The whole pipeline for specs: events → builder → memory store → report. */
export async function reportOf(
  events: readonly Partial<AccessEvent>[],
  options: Partial<ReportOptions> & { readonly inventory?: object; readonly documented?: Map<string, string[]> } = {},
): Promise<InventoryReport> {
  const config = options.config ?? parseInventoryConfig(options.inventory ?? {});
  const builder = new InventoryBuilder({ config, documented: options.documented });
  const store = new MemoryInventoryStore();
  builder.add(events.map((e) => accessEvent(e)));
  await store.apply(builder.drain());
  return buildInventoryReport(await store.snapshot(), { now: new Date(0), ...options, config });
}
